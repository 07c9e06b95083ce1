// Administration and security monitoring: users and roles, bulk import, partners, alerts, audit, compliance.
import type { EntityManager } from '@mikro-orm/postgresql';
import { requirePermission, requireRole, recordAudit, recordAuditNow, actorOf, badUserInput, notFound, type UserViewer } from '@clinic/service-kit';
import type { AuditEntryResolvers, MutationResolvers, QueryResolvers, SecurityAlertResolvers } from '../generated/resolvers-types.ts';
import type { IdentityContext } from '../context.ts';
import { inTransaction, query, queryOne } from '../db.ts';
import { revokeAllSessions } from '../domain/sessions.ts';
import { createUser, requestPasswordReset } from '../domain/auth.ts';
import * as roles from '../domain/roles.ts';
import * as admin from '../domain/admin.ts';
import { republishDoctor } from '../domain/profiles.ts';
import { listAlerts, type AlertRecord } from '../domain/security.ts';
import { acknowledgeAlert, resolveAlert, type AlertChange } from '../domain/alerts.ts';
import { isUuid } from '../users.ts';
import { searchAudit, complianceReport } from '../domain/audit-log.ts';
import { issuePartnerClient, listPartnerClients, revokePartnerClient } from '../domain/partners.ts';
import { checkSchema } from '../domain/custom-fields.ts';
import * as v from '../domain/validation.ts';

const limit = (n: number | null | undefined, max: number) => {
  const value = n ?? max;
  if (!Number.isInteger(value) || value < 1 || value > max) throw badUserInput(`limit must be between 1 and ${max}`, { field: 'limit' });
  return value;
};

async function reloadUser(ctx: IdentityContext, userId: string) {
  ctx.users.clear(userId);
  ctx.roles.clear(userId);
  const user = await ctx.users.load(userId);
  if (!user) throw notFound('User');
  return user;
}

const OUTCOMES = ['SUCCESS', 'DENIED', 'FAILURE'];

/** A user id the DataLoader can batch; anything else (a service, a partner client) has no User. */
const userRef = (id: string | null | undefined) => (id && isUuid(id) ? id : null);
const loadUser = (ctx: IdentityContext, id: string | null | undefined) => {
  const ref = userRef(id);
  return ref ? ctx.users.load(ref) : null;
};

// Names instead of ids: every actor, subject and admin on a page is loaded in one query per request.
export const AuditEntry: AuditEntryResolvers = {
  actor: (entry, _a, ctx) => (entry.actorKind === 'user' ? loadUser(ctx, entry.actorId) : null),
  subject: (entry, _a, ctx) => loadUser(ctx, entry.subjectUserId),
};

export const SecurityAlert: SecurityAlertResolvers = {
  user: (alert, _a, ctx) => loadUser(ctx, alert.userId),
  acknowledgedBy: (alert, _a, ctx) => loadUser(ctx, alert.acknowledgedBy),
  resolvedBy: (alert, _a, ctx) => loadUser(ctx, alert.resolvedBy),
};

/** One audit row per real change, committed with it; a repeated click that changed nothing is not an action. */
function auditAlert(tx: EntityManager, ctx: IdentityContext, viewer: UserViewer, action: string, change: AlertChange): AlertRecord {
  if (change.changed) {
    recordAudit(tx, actorOf(viewer, ctx.requestId, ctx.ip), { action, resourceType: 'SecurityAlert', resourceId: change.alert.id, subjectUserId: change.alert.userId, outcome: 'SUCCESS' });
  }
  return change.alert;
}

export const adminQueries: QueryResolvers = {
  users: async (_p, args, ctx) => {
    requirePermission(ctx.viewer, 'users:manage');
    return admin.searchUsers(ctx.em, { search: args.search, role: args.role, limit: limit(args.limit, 200), offset: Math.max(0, args.offset ?? 0) });
  },
  roles: async (_p, _a, ctx) => {
    requirePermission(ctx.viewer, 'users:manage');
    return roles.listRoles(ctx.em);
  },
  securityAlerts: async (_p, args, ctx) => {
    requirePermission(ctx.viewer, 'audit:read');
    return listAlerts(ctx.em, { since: args.since, kind: args.kind, state: args.state, limit: limit(args.limit, 500) });
  },
  auditLog: async (_p, { filter }, ctx) => {
    const viewer = requirePermission(ctx.viewer, 'audit:read');
    if (filter.subjectUserId) v.uuid(filter.subjectUserId, 'subjectUserId');
    if (filter.outcome && !OUTCOMES.includes(filter.outcome)) throw badUserInput(`outcome must be one of ${OUTCOMES.join(', ')}`, { field: 'outcome' });
    if (filter.person) v.text(filter.person, 'person', 100);
    const rows = await searchAudit(ctx.em, { ...filter, limit: limit(filter.limit, 1000) });
    await recordAuditNow(ctx.em, actorOf(viewer, ctx.requestId, ctx.ip), { action: 'audit.read', resourceType: 'AuditLog', resourceId: null, subjectUserId: filter.subjectUserId ?? null, outcome: 'SUCCESS' });
    return rows;
  },
  complianceReport: async (_p, { patientId, from, to }, ctx) => {
    const viewer = requirePermission(ctx.viewer, 'audit:read');
    const id = v.uuid(patientId, 'patientId');
    if (to <= from) throw badUserInput('to must be after from', { field: 'to' });
    const accessors = await complianceReport(ctx.em, id, from, to);
    await recordAuditNow(ctx.em, actorOf(viewer, ctx.requestId, ctx.ip), { action: 'audit.compliance_report', resourceType: 'AuditLog', resourceId: null, subjectUserId: id, outcome: 'SUCCESS' });
    return { patientId: id, from, to, accessors };
  },
  partnerClients: async (_p, _a, ctx) => {
    requirePermission(ctx.viewer, 'partners:manage');
    return listPartnerClients(ctx.em);
  },
};

export const adminMutations: MutationResolvers = {
  acknowledgeAlert: async (_p, { id }, ctx) => {
    const viewer = requireRole(ctx.viewer, 'ADMIN');
    const alertId = v.uuid(id, 'id');
    return inTransaction(ctx.em, async (tx) => auditAlert(tx, ctx, viewer, 'security_alert.acknowledge', await acknowledgeAlert(tx, alertId, viewer.userId)));
  },
  resolveAlert: async (_p, { id, note }, ctx) => {
    const viewer = requireRole(ctx.viewer, 'ADMIN');
    const alertId = v.uuid(id, 'id');
    const text = v.text(note, 'note', 2000);
    return inTransaction(ctx.em, async (tx) => auditAlert(tx, ctx, viewer, 'security_alert.resolve', await resolveAlert(tx, alertId, viewer.userId, text)));
  },
  createStaffUser: async (_p, { input }, ctx) => {
    const viewer = requirePermission(ctx.viewer, 'users:manage');
    const userId = await inTransaction(ctx.em, async (tx) => {
      const id = await createUser(tx, { email: input.email, displayName: input.displayName, password: input.password ?? null, roles: input.roles });
      recordAudit(tx, actorOf(viewer, ctx.requestId, ctx.ip), { action: 'user.create', resourceType: 'User', resourceId: id, subjectUserId: id, outcome: 'SUCCESS', detail: { roles: input.roles.join(',') } });
      return id;
    });
    // No password: the new colleague sets one through the reset link (the invitation).
    if (!input.password) await requestPasswordReset(ctx.em, await ctx.identity(), input.email, { ip: ctx.ip, requestId: ctx.requestId });
    return reloadUser(ctx, userId);
  },
  assignRole: async (_p, { userId, role }, ctx) => {
    const viewer = requirePermission(ctx.viewer, 'users:manage');
    const id = v.uuid(userId, 'userId');
    await inTransaction(ctx.em, async (tx) => {
      await roles.assignRole(tx, id, role);
      recordAudit(tx, actorOf(viewer, ctx.requestId, ctx.ip), { action: 'user.role_assigned', resourceType: 'User', resourceId: id, subjectUserId: id, outcome: 'SUCCESS', detail: { role } });
      if (role === 'DOCTOR') {
        await query(tx, `insert into doctor_profiles (user_id) values (?) on conflict do nothing`, [id]);
        await republishDoctor(tx, id);
      }
    });
    return reloadUser(ctx, id);
  },
  removeRole: async (_p, { userId, role }, ctx) => {
    const viewer = requirePermission(ctx.viewer, 'users:manage');
    const id = v.uuid(userId, 'userId');
    v.roleName(role);
    await inTransaction(ctx.em, async (tx) => {
      if (!(await roles.removeRole(tx, id, role))) throw notFound('Role assignment');
      recordAudit(tx, actorOf(viewer, ctx.requestId, ctx.ip), { action: 'user.role_removed', resourceType: 'User', resourceId: id, subjectUserId: id, outcome: 'SUCCESS', detail: { role } });
      if (role === 'DOCTOR') await republishDoctor(tx, id);
    });
    return reloadUser(ctx, id);
  },
  deactivateUser: async (_p, { userId }, ctx) => {
    const viewer = requirePermission(ctx.viewer, 'users:manage');
    const id = v.uuid(userId, 'userId');
    await inTransaction(ctx.em, async (tx) => {
      await admin.deactivateUser(tx, id, (await ctx.identity()).revocations);
      recordAudit(tx, actorOf(viewer, ctx.requestId, ctx.ip), { action: 'user.deactivate', resourceType: 'User', resourceId: id, subjectUserId: id, outcome: 'SUCCESS' });
    });
    return reloadUser(ctx, id);
  },
  revokeAllSessions: async (_p, { userId }, ctx) => {
    const viewer = requirePermission(ctx.viewer, 'users:manage');
    const id = v.uuid(userId, 'userId');
    await inTransaction(ctx.em, async (tx) => {
      if (!(await queryOne(tx, `select 1 from users where id = ?`, [id]))) throw notFound('User');
      await revokeAllSessions(tx, id, 'REVOKED_BY_ADMIN', null, (await ctx.identity()).revocations);
      recordAudit(tx, actorOf(viewer, ctx.requestId, ctx.ip), { action: 'user.sessions_revoked', resourceType: 'User', resourceId: id, subjectUserId: id, outcome: 'SUCCESS' });
    });
    return true;
  },
  importUsers: async (_p, { format, data }, ctx) => {
    const viewer = requirePermission(ctx.viewer, 'users:manage');
    const rows = await admin.importUsers(ctx.em, format, data);
    const created = rows.filter((r) => r.status === 'CREATED').length;
    await recordAuditNow(ctx.em, actorOf(viewer, ctx.requestId, ctx.ip), { action: 'user.import', resourceType: 'User', resourceId: null, subjectUserId: null, outcome: 'SUCCESS', detail: { created, failed: rows.length - created } });
    return { created, failed: rows.length - created, rows };
  },
  defineRole: async (_p, { name, description, permissions }, ctx) => {
    const viewer = requirePermission(ctx.viewer, 'users:manage');
    await inTransaction(ctx.em, async (tx) => {
      await roles.defineRole(tx, { name, description: v.text(description, 'description', 200), permissions });
      recordAudit(tx, actorOf(viewer, ctx.requestId, ctx.ip), { action: 'role.define', resourceType: 'Role', resourceId: name, subjectUserId: null, outcome: 'SUCCESS' });
    });
    return (await roles.listRoles(ctx.em)).find((r) => r.name === name)!;
  },
  setRoleFieldSchema: async (_p, { role, schema }, ctx) => {
    const viewer = requirePermission(ctx.viewer, 'users:manage');
    v.roleName(role);
    await inTransaction(ctx.em, async (tx) => {
      await roles.setRoleFieldSchema(tx, role, checkSchema(schema) as Record<string, unknown>);
      recordAudit(tx, actorOf(viewer, ctx.requestId, ctx.ip), { action: 'role.field_schema', resourceType: 'Role', resourceId: role, subjectUserId: null, outcome: 'SUCCESS' });
    });
    return (await roles.listRoles(ctx.em)).find((r) => r.name === role)!;
  },
  issuePartnerClient: async (_p, { name, scopes }, ctx) => {
    const viewer = requirePermission(ctx.viewer, 'partners:manage');
    return inTransaction(ctx.em, async (tx) => {
      const { client, secret } = await issuePartnerClient(tx, viewer.userId, name, scopes);
      recordAudit(tx, actorOf(viewer, ctx.requestId, ctx.ip), { action: 'partner.issue', resourceType: 'PartnerClient', resourceId: client.id, subjectUserId: null, outcome: 'SUCCESS' });
      return { client, clientSecret: secret };
    });
  },
  revokePartnerClient: async (_p, { id }, ctx) => {
    const viewer = requirePermission(ctx.viewer, 'partners:manage');
    return inTransaction(ctx.em, async (tx) => {
      const done = await revokePartnerClient(tx, id, (await ctx.identity()).revocations);
      recordAudit(tx, actorOf(viewer, ctx.requestId, ctx.ip), { action: 'partner.revoke', resourceType: 'PartnerClient', resourceId: id, subjectUserId: null, outcome: done ? 'SUCCESS' : 'FAILURE' });
      return done;
    });
  },
};
