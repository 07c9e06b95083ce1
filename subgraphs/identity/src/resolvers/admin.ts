// Administration and security monitoring: users and roles, bulk import, partners, alerts, audit, compliance.
import { requirePermission, recordAudit, recordAuditNow, actorOf, badUserInput, notFound } from '@clinic/service-kit';
import type { MutationResolvers, QueryResolvers } from '../generated/resolvers-types.ts';
import type { IdentityContext } from '../context.ts';
import { inTransaction, query, queryOne } from '../db.ts';
import { revokeAllSessions } from '../domain/sessions.ts';
import { createUser, requestPasswordReset } from '../domain/auth.ts';
import * as roles from '../domain/roles.ts';
import * as admin from '../domain/admin.ts';
import { republishDoctor } from '../domain/profiles.ts';
import { listAlerts } from '../domain/security.ts';
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
    return listAlerts(ctx.em, { since: args.since, kind: args.kind, limit: limit(args.limit, 500) });
  },
  auditLog: async (_p, { filter }, ctx) => {
    const viewer = requirePermission(ctx.viewer, 'audit:read');
    if (filter.subjectUserId) v.uuid(filter.subjectUserId, 'subjectUserId');
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
