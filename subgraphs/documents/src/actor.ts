// Who is acting, as the domain modules see it: the verified viewer plus what the audit log needs.
import { actorOf, type AuditActor, type Viewer } from '@clinic/service-kit';

export interface Actor {
  viewer: Viewer;
  requestId: string;
  ip: string | null;
}

export const auditActor = (actor: Actor): AuditActor => actorOf(actor.viewer, actor.requestId, actor.ip);

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isUuid = (value: string) => UUID.test(value);
