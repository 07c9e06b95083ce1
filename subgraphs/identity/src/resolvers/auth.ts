// Sign-in, sessions, passwords and MFA: thin resolvers over domain/auth, domain/sessions and domain/mfa.
import { requireUser, recordAudit, actorOf, badUserInput, enqueueEvent, SECURITY_EVENT_TOPICS } from '@clinic/service-kit';
import type { MutationResolvers, QueryResolvers } from '../generated/resolvers-types.ts';
import * as auth from '../domain/auth.ts';
import * as mfa from '../domain/mfa.ts';
import * as registration from '../domain/registration.ts';
import { listSessions, revokeAllSessions, revokeSession } from '../domain/sessions.ts';
import { partnerToken } from '../domain/partners.ts';
import { inTransaction, queryOne } from '../db.ts';
import * as v from '../domain/validation.ts';

const meta = (ctx: { ip: string | null; requestId: string }) => ({ ip: ctx.ip, requestId: ctx.requestId });

export const authQueries: QueryResolvers = {
  signInOptions: async (_p, _a, ctx) => ({ password: true, microsoft: Boolean((await ctx.identity()).microsoftSignIn) }),
  mySessions: async (_p, _a, ctx) => {
    const viewer = requireUser(ctx.viewer);
    return listSessions(ctx.em, viewer.userId);
  },
};

export const authMutations: MutationResolvers = {
  registerPatient: async (_p, { input }, ctx) => registration.registerPatient(ctx.em, await ctx.identity(), input, meta(ctx)),
  verifyEmail: async (_p, { token }, ctx) => registration.verifyEmail(ctx.em, await ctx.identity(), token, meta(ctx)),
  resendVerificationEmail: async (_p, { email }, ctx) => registration.resendVerificationEmail(ctx.em, await ctx.identity(), email, meta(ctx)),
  signIn: async (_p, args, ctx) => {
    const outcome = await auth.signIn(ctx.em, await ctx.identity(), args, meta(ctx));
    return outcome.kind === 'signedIn'
      ? { status: 'SIGNED_IN', auth: outcome.tokens, mfaChallenge: null }
      : { status: 'MFA_REQUIRED', auth: null, mfaChallenge: outcome.challenge };
  },
  completeMfaSignIn: async (_p, { challenge, code }, ctx) => {
    if (challenge.length > 2000) throw badUserInput('challenge is malformed', { field: 'challenge' });
    return auth.completeMfaSignIn(ctx.em, await ctx.identity(), challenge, code, meta(ctx));
  },
  refreshSession: async (_p, { refreshToken }, ctx) => auth.refresh(ctx.em, await ctx.identity(), refreshToken, meta(ctx)),
  signOut: async (_p, _a, ctx) => {
    const viewer = requireUser(ctx.viewer);
    if (!viewer.sessionId) return true;
    await inTransaction(ctx.em, async (tx) => {
      await revokeSession(tx, viewer.userId, viewer.sessionId!, 'SIGNED_OUT', (await ctx.identity()).revocations);
      recordAudit(tx, actorOf(viewer, ctx.requestId, ctx.ip), { action: 'auth.sign_out', resourceType: 'Session', resourceId: viewer.sessionId, subjectUserId: viewer.userId, outcome: 'SUCCESS' });
    });
    return true;
  },
  signOutEverywhere: async (_p, _a, ctx) => {
    const viewer = requireUser(ctx.viewer);
    await inTransaction(ctx.em, async (tx) => {
      await revokeAllSessions(tx, viewer.userId, 'SIGNED_OUT_EVERYWHERE', null, (await ctx.identity()).revocations);
      recordAudit(tx, actorOf(viewer, ctx.requestId, ctx.ip), { action: 'auth.sign_out_everywhere', resourceType: 'User', resourceId: viewer.userId, subjectUserId: viewer.userId, outcome: 'SUCCESS' });
    });
    return true;
  },
  revokeSession: async (_p, { id }, ctx) => {
    const viewer = requireUser(ctx.viewer);
    v.uuid(id);
    await inTransaction(ctx.em, async (tx) => {
      await revokeSession(tx, viewer.userId, id, 'REVOKED_BY_USER', (await ctx.identity()).revocations);
      recordAudit(tx, actorOf(viewer, ctx.requestId, ctx.ip), { action: 'auth.revoke_session', resourceType: 'Session', resourceId: id, subjectUserId: viewer.userId, outcome: 'SUCCESS' });
    });
    return true;
  },
  changePassword: async (_p, { currentPassword, newPassword }, ctx) => {
    const viewer = requireUser(ctx.viewer);
    await auth.changePassword(ctx.em, await ctx.identity(), viewer.userId, viewer.sessionId, currentPassword, newPassword, meta(ctx));
    return true;
  },
  requestPasswordReset: async (_p, { email }, ctx) => {
    await auth.requestPasswordReset(ctx.em, await ctx.identity(), email, meta(ctx));
    return true;
  },
  resetPassword: async (_p, { token, newPassword }, ctx) => {
    await auth.resetPassword(ctx.em, await ctx.identity(), token, newPassword, meta(ctx));
    return true;
  },
  beginMfaEnrolment: async (_p, _a, ctx) => {
    const viewer = requireUser(ctx.viewer);
    return inTransaction(ctx.em, async (tx) => {
      const user = await queryOne<{ email: string }>(tx, `select email from users where id = ?`, [viewer.userId]);
      return mfa.beginEnrolment(tx, viewer.userId, user?.email ?? viewer.userId);
    });
  },
  confirmMfaEnrolment: async (_p, { code }, ctx) => {
    const viewer = requireUser(ctx.viewer);
    return inTransaction(ctx.em, async (tx) => {
      const codes = await mfa.confirmEnrolment(tx, viewer.userId, code);
      recordAudit(tx, actorOf(viewer, ctx.requestId, ctx.ip), { action: 'auth.mfa_enabled', resourceType: 'User', resourceId: viewer.userId, subjectUserId: viewer.userId, outcome: 'SUCCESS' });
      enqueueEvent(tx, SECURITY_EVENT_TOPICS.mfaChanged, { userId: viewer.userId, enabled: true });
      return codes;
    });
  },
  disableMfa: async (_p, { code }, ctx) => {
    const viewer = requireUser(ctx.viewer);
    await auth.disableMfa(ctx.em, { ...actorOf(viewer, ctx.requestId, ctx.ip), actorId: viewer.userId }, code);
    return true;
  },
  partnerToken: async (_p, { clientId, clientSecret }, ctx) => {
    const deps = await ctx.identity();
    const issued = await partnerToken(ctx.em, deps.tokens, clientId, clientSecret, { hashes: deps.hashes, client: `ip:${ctx.ip ?? 'unknown'}` });
    return { accessToken: issued.token, expiresAt: issued.expiresAt, scope: issued.scopes.join(' ') };
  },
};
