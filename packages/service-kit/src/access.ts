// One place for access decisions: every resolver that touches medical data asks here.
import type { Viewer } from './auth.ts';
import { forbidden, unauthenticated } from './errors.ts';

export type UserViewer = Extract<Viewer, { kind: 'user' }>;
export type PartnerViewer = Extract<Viewer, { kind: 'partner' }>;

export function requireUser(viewer: Viewer): UserViewer {
  if (viewer.kind === 'user') return viewer;
  if (viewer.kind === 'partner') throw forbidden('Partner clients cannot do this');
  throw unauthenticated();
}

export function hasRole(viewer: Viewer, ...roles: string[]): boolean {
  return viewer.kind === 'user' && roles.some((role) => viewer.roles.includes(role));
}

export function hasPermission(viewer: Viewer, permission: string): boolean {
  return viewer.kind === 'user' && (viewer.permissions.includes(permission) || viewer.roles.includes('ADMIN'));
}

export function requireRole(viewer: Viewer, ...roles: string[]): UserViewer {
  const user = requireUser(viewer);
  if (!hasRole(user, ...roles)) throw forbidden(`Requires one of the roles: ${roles.join(', ')}`);
  return user;
}

export function requirePermission(viewer: Viewer, permission: string): UserViewer {
  const user = requireUser(viewer);
  if (!hasPermission(user, permission)) throw forbidden(`Requires the permission ${permission}`);
  return user;
}

/** The owner of a resource, or a holder of one of the given roles (staff), may proceed. */
export function requireOwnerOrRole(viewer: Viewer, ownerId: string, ...roles: string[]): UserViewer {
  const user = requireUser(viewer);
  if (user.userId !== ownerId && !hasRole(user, ...roles)) throw forbidden();
  return user;
}

/** A user, or a partner client holding the scope (read-only partner access, e.g. availability:read). */
export function requireUserOrScope(viewer: Viewer, scope: string): Viewer {
  if (viewer.kind === 'user') return viewer;
  if (viewer.kind === 'partner') {
    if (viewer.scopes.includes(scope)) return viewer;
    throw forbidden(`Requires the scope ${scope}`);
  }
  throw unauthenticated();
}
