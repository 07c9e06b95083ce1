// Who may read what: a user their own turns and sessions; operators and admins everyone's.
import { forbidden, hasRole, requireUser, type Viewer } from '@clinic/service-kit';
import type { EntityManager } from '@mikro-orm/postgresql';
import { AssistantTurnSchema } from '../entities/conversation.ts';

export const STAFF_ROLES = ['OPERATOR', 'ADMIN'];
export const isStaff = (viewer: Viewer) => hasRole(viewer, ...STAFF_ROLES);

/** The session's owner, or null for a new session; FORBIDDEN when it belongs to someone else (unless staff). */
export async function checkSession(em: EntityManager, viewer: Viewer, sessionId: string): Promise<string | null> {
  const user = requireUser(viewer);
  const turn = await em.findOne(AssistantTurnSchema, { sessionId }, { fields: ['userId'] });
  if (turn && turn.userId !== user.userId && !isStaff(user)) throw forbidden('This conversation is not yours');
  return turn?.userId ?? null;
}
