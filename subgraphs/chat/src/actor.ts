// Who is acting, as the chat domain sees it: the verified user plus what the audit log needs.
import { actorOf, hasRole, requireUser, type AuditActor, type UserViewer, type Viewer } from '@clinic/service-kit';

export interface Actor {
  user: UserViewer;
  requestId: string;
  ip: string | null;
}

export const actorFrom = (viewer: Viewer, requestId: string, ip: string | null): Actor => ({ user: requireUser(viewer), requestId, ip });

/** Staff may start a conversation with anyone. */
export const isStaff = (viewer: Viewer) => hasRole(viewer, 'DOCTOR', 'ADMIN', 'OPERATOR');
/** The clinic's desk: operators and administrators answer desk conversations. */
export const isDesk = (viewer: Viewer) => hasRole(viewer, 'ADMIN', 'OPERATOR');

export const auditActor = (actor: Actor): AuditActor => actorOf(actor.user, actor.requestId, actor.ip);

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isUuid = (value: string) => UUID.test(value);
