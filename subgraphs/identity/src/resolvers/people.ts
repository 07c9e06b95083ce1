// Users and profiles: who may read whom (self, or staff holding users:read / patients:read), audited reads
// of other people's data, and profile changes (doctor changes also feed the appointments directory).
import { requireUser, hasPermission, forbidden, recordAuditNow, recordAudit, actorOf, type Viewer } from '@clinic/service-kit';
import type { MutationResolvers, QueryResolvers, UserResolvers, DoctorProfileResolvers, PatientProfileResolvers, SessionResolvers } from '../generated/resolvers-types.ts';
import type { IdentityContext } from '../context.ts';
import * as profiles from '../domain/profiles.ts';
import { inTransaction } from '../db.ts';
import * as v from '../domain/validation.ts';
import type { UserRecord } from '../users.ts';

async function auditRead(ctx: IdentityContext, action: string, subjectUserId: string, outcome: 'SUCCESS' | 'DENIED') {
  await recordAuditNow(ctx.em, actorOf(ctx.viewer, ctx.requestId, ctx.ip), { action, resourceType: 'User', resourceId: subjectUserId, subjectUserId, outcome });
}

const isSelf = (viewer: Viewer, userId: string) => viewer.kind === 'user' && viewer.userId === userId;

/** Rows handed to the person who just proved to be that user (sign-in, registration, refresh): they are not yet the viewer. */
const ownAccounts = new WeakSet<UserRecord>();
export function asOwnAccount(user: UserRecord): UserRecord {
  const copy = { ...user };
  ownAccounts.add(copy);
  return copy;
}

/**
 * Account data (e-mail, roles, status, MFA, custom fields) is the user's own or staff's (users:read). A
 * User reached by reference — a slot's or an appointment's doctor, an event's actor — shows others only
 * its id, name and public doctor profile; partners and patients get FORBIDDEN for the rest.
 */
const mayReadAccount = (user: UserRecord, viewer: Viewer) => ownAccounts.has(user) || isSelf(viewer, user.id) || hasPermission(viewer, 'users:read');
function accountOf(user: UserRecord, viewer: Viewer): UserRecord {
  if (mayReadAccount(user, viewer)) return user;
  throw forbidden("Only the user and clinic staff may read this user's account data");
}

export const peopleQueries: QueryResolvers = {
  me: async (_p, _a, ctx) => {
    const viewer = requireUser(ctx.viewer);
    return ctx.users.load(viewer.userId);
  },
  user: async (_p, { id }, ctx) => {
    const viewer = requireUser(ctx.viewer);
    const userId = v.uuid(id);
    if (userId === viewer.userId) return ctx.users.load(userId);
    if (!hasPermission(viewer, 'users:read')) {
      await auditRead(ctx, 'user.read', userId, 'DENIED');
      throw forbidden('You may only read your own profile');
    }
    const user = await ctx.users.load(userId);
    if (user) await auditRead(ctx, 'user.read', userId, 'SUCCESS');
    return user;
  },
  exportMyProfile: async (_p, _a, ctx) => {
    const viewer = requireUser(ctx.viewer);
    const doc = await profiles.exportProfile(ctx.em, viewer.userId);
    await auditRead(ctx, 'user.export', viewer.userId, 'SUCCESS');
    return doc;
  },
};

export const peopleMutations: MutationResolvers = {
  updateMyAccount: async (_p, { input }, ctx) => {
    const viewer = requireUser(ctx.viewer);
    await inTransaction(ctx.em, async (tx) => {
      await profiles.updateAccountProfile(tx, viewer.userId, input);
      recordAudit(tx, actorOf(viewer, ctx.requestId, ctx.ip), { action: 'user.update', resourceType: 'User', resourceId: viewer.userId, subjectUserId: viewer.userId, outcome: 'SUCCESS' });
    });
    ctx.users.clear(viewer.userId);
    return (await ctx.users.load(viewer.userId))!;
  },
  updateDoctorProfile: async (_p, { doctorId, input }, ctx) => {
    const viewer = requireUser(ctx.viewer);
    const id = v.uuid(doctorId, 'doctorId');
    if (id !== viewer.userId && !hasPermission(viewer, 'users:manage')) throw forbidden('Only the doctor or an administrator may change this profile');
    return inTransaction(ctx.em, async (tx) => {
      const profile = await profiles.updateDoctorProfile(tx, id, input);
      recordAudit(tx, actorOf(viewer, ctx.requestId, ctx.ip), { action: 'doctor_profile.update', resourceType: 'DoctorProfile', resourceId: id, subjectUserId: id, outcome: 'SUCCESS' });
      return profile;
    });
  },
  updatePatientProfile: async (_p, { patientId, input }, ctx) => {
    const viewer = requireUser(ctx.viewer);
    const id = v.uuid(patientId, 'patientId');
    if (id !== viewer.userId && !hasPermission(viewer, 'users:manage')) {
      await auditRead(ctx, 'patient_profile.update', id, 'DENIED');
      throw forbidden('Only the patient or an administrator may change this profile');
    }
    return inTransaction(ctx.em, async (tx) => {
      const profile = await profiles.updatePatientProfile(tx, id, input);
      recordAudit(tx, actorOf(viewer, ctx.requestId, ctx.ip), { action: 'patient_profile.update', resourceType: 'PatientProfile', resourceId: id, subjectUserId: id, outcome: 'SUCCESS' });
      return profile;
    });
  },
};

export const User: UserResolvers = {
  __resolveReference: (ref, ctx) => ctx.users.load(ref.id),
  email: (user, _a, ctx) => accountOf(user, ctx.viewer).email,
  createdAt: (user, _a, ctx) => accountOf(user, ctx.viewer).createdAt,
  status: (user, _a, ctx) => accountOf(user, ctx.viewer).status,
  mfaEnabled: (user, _a, ctx) => accountOf(user, ctx.viewer).mfaEnabled,
  roles: (user, _a, ctx) => ctx.roles.load(accountOf(user, ctx.viewer).id),
  preferences: (user, _a, ctx) => (ownAccounts.has(user) || isSelf(ctx.viewer, user.id) || hasPermission(ctx.viewer, 'users:manage') ? user.preferences : {}),
  customFields: (user, _a, ctx) => (mayReadAccount(user, ctx.viewer) ? user.customFields : {}),
  doctorProfile: (user, _a, ctx) => ctx.doctorProfiles.load(user.id),
  patientProfile: async (user, _a, ctx) => {
    if (isSelf(ctx.viewer, user.id)) return profiles.patientProfileOf(ctx.em, user.id);
    if (!hasPermission(ctx.viewer, 'patients:read')) {
      await auditRead(ctx, 'patient_profile.read', user.id, 'DENIED');
      throw forbidden('Only the patient and clinic staff may read a patient profile');
    }
    const profile = await profiles.patientProfileOf(ctx.em, user.id);
    if (profile) await auditRead(ctx, 'patient_profile.read', user.id, 'SUCCESS');
    return profile;
  },
};

export const DoctorProfile: DoctorProfileResolvers = { doctorId: (p) => p.userId };
export const PatientProfile: PatientProfileResolvers = { patientId: (p) => p.userId };
export const Session: SessionResolvers = {
  current: (s, _a, ctx) => ctx.viewer.kind === 'user' && ctx.viewer.sessionId === s.id,
};
