// Users and profiles: who may read whom (self; staff holding users:read / patients:read; a doctor, their
// own patients only — see domain/care.ts), audited reads of other people's data, and profile changes
// (doctor changes also feed the appointments directory).
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

/** A doctor reading one of their own patients (an appointment with them, past or future). */
const isDoctorOf = (ctx: IdentityContext, userId: string) => ctx.patientOfViewer.load(userId);

/**
 * Account data (e-mail, roles, status, MFA, custom fields) is the user's own, staff's (users:read) or the
 * user's doctor's. A User reached by reference — a slot's or an appointment's doctor, an event's actor —
 * shows others only its id, name and public doctor profile; anyone else gets FORBIDDEN for the rest (and
 * the refusal is audited once per request and user).
 */
async function mayReadAccount(user: UserRecord, ctx: IdentityContext): Promise<boolean> {
  return ownAccounts.has(user) || isSelf(ctx.viewer, user.id) || hasPermission(ctx.viewer, 'users:read') || (await isDoctorOf(ctx, user.id));
}
const deniedReads = new WeakMap<IdentityContext, Set<string>>();
async function accountOf(user: UserRecord, ctx: IdentityContext): Promise<UserRecord> {
  if (await mayReadAccount(user, ctx)) return user;
  const denied = deniedReads.get(ctx) ?? new Set<string>();
  deniedReads.set(ctx, denied);
  if (ctx.viewer.kind === 'user' && !denied.has(user.id)) {
    denied.add(user.id);
    await auditRead(ctx, 'user.read', user.id, 'DENIED');
  }
  throw forbidden("Only the user, their doctors and clinic staff may read this user's account data");
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
    if (!hasPermission(viewer, 'users:read') && !(await isDoctorOf(ctx, userId))) {
      await auditRead(ctx, 'user.read', userId, 'DENIED');
      throw forbidden('You may only read your own profile, or your patients\' as their doctor');
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
  email: async (user, _a, ctx) => (await accountOf(user, ctx)).email,
  createdAt: async (user, _a, ctx) => (await accountOf(user, ctx)).createdAt,
  status: async (user, _a, ctx) => (await accountOf(user, ctx)).status,
  mfaEnabled: async (user, _a, ctx) => (await accountOf(user, ctx)).mfaEnabled,
  roles: async (user, _a, ctx) => ctx.roles.load((await accountOf(user, ctx)).id),
  preferences: (user, _a, ctx) => (ownAccounts.has(user) || isSelf(ctx.viewer, user.id) || hasPermission(ctx.viewer, 'users:manage') ? user.preferences : {}),
  customFields: async (user, _a, ctx) => ((await mayReadAccount(user, ctx)) ? user.customFields : {}),
  doctorProfile: (user, _a, ctx) => ctx.doctorProfiles.load(user.id),
  patientProfile: async (user, _a, ctx) => {
    if (isSelf(ctx.viewer, user.id)) return profiles.patientProfileOf(ctx.em, user.id);
    if (!hasPermission(ctx.viewer, 'patients:read') && !(await isDoctorOf(ctx, user.id))) {
      await auditRead(ctx, 'patient_profile.read', user.id, 'DENIED');
      throw forbidden("Only the patient, the patient's doctors and clinic staff may read a patient profile");
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
