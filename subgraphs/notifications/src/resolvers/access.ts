// Who may touch whose notification data: yourself, or an admin (preferences only). A patient never reads or
// changes another user's preferences or notifications, whichever way the field is reached (_entities too).
import { badUserInput, forbidden, hasRole, requireUser, type Viewer } from '@clinic/service-kit';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function checkedId(id: string, name = 'id'): string {
  if (!UUID.test(id)) throw badUserInput(`${name} must be a UUID`);
  return id;
}

/** The user whose preferences are read or changed: yourself unless an admin names someone. */
export function preferenceOwner(viewer: Viewer, userId: string | null | undefined): string {
  const me = requireUser(viewer);
  if (!userId || userId === me.userId) return me.userId;
  checkedId(userId, 'userId');
  if (!hasRole(me, 'ADMIN')) throw forbidden('You may only see or change your own notification preferences');
  return userId;
}

/** In-app notifications are their recipient's only. */
export function notificationOwner(viewer: Viewer, userId: string): string {
  const me = requireUser(viewer);
  if (me.userId !== userId) throw forbidden('You may only read your own notifications');
  return me.userId;
}
