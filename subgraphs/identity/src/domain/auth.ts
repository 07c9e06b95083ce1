// Sign-in and credentials: registration, password sign-in with lockout and MFA, refresh rotation, sign out,
// change and reset password. Every outcome is audited; failures are committed before the error is thrown,
// so an attacker's failed attempts count even though the request fails. Password hashes are computed
// through the per-client hash gate and outside database transactions (a hash never holds a connection).
// A locked account answers exactly like a wrong password, so lockout does not reveal which addresses exist;
// wrong current passwords and MFA codes presented with a valid token count toward the same lockout.
import type { EntityManager } from '@mikro-orm/postgresql';
import { recordAudit, enqueueEvent, SECURITY_EVENT_TOPICS, ACCOUNT_MAIL_TOPICS, type AccountMailPayload, unauthenticated, forbidden, conflict, badUserInput, traceOfEntityManager, type AuditActor, type AuditEvent } from '@clinic/service-kit';
import { inTransaction, query, queryOne } from '../db.ts';
import type { IdentityDeps } from './deps.ts';
import { hashPassword, verifyPassword, randomSecret, sha256 } from './passwords.ts';
import { grantsOf, assertRolesExist } from './roles.ts';
import { openSession, rotateRefreshToken, revokeAllSessions, sessionRevocations } from './sessions.ts';
import { ipIsBlocked, recordFailure, recordSuccess } from './security.ts';
import { issueAccessToken, issueMfaChallenge, verifyMfaChallenge } from './tokens.ts';
import { verifySecondFactor, disable as mfaDisable } from './mfa.ts';
import { republishDoctor } from './profiles.ts';
import * as v from './validation.ts';

export interface RequestMeta {
  ip: string | null;
  requestId: string;
}

export interface AuthTokens {
  accessToken: string;
  accessTokenExpiresAt: Date;
  refreshToken: string;
  sessionId: string;
  userId: string;
}

export type SignInOutcome = { kind: 'signedIn'; tokens: AuthTokens } | { kind: 'mfaRequired'; challenge: string };

const RESET_TOKEN_MINUTES = 30;

const actor = (userId: string | null, meta: RequestMeta): AuditActor => ({ actorId: userId, actorKind: userId ? 'user' : 'anonymous', ...meta });
export const audit = (em: EntityManager, userId: string | null, meta: RequestMeta, event: Omit<AuditEvent, 'resourceType' | 'resourceId' | 'subjectUserId'> & Partial<AuditEvent>) =>
  recordAudit(em, actor(userId, meta), { resourceType: 'User', resourceId: userId, subjectUserId: userId, ...event });

/** Runs the work, commits, then throws the refusal it decided on (so counters and audit rows persist). */
export async function commitThenThrow<T>(em: EntityManager, work: (tx: EntityManager) => Promise<T | Error>): Promise<Exclude<T, Error>> {
  const result = await inTransaction(em, work);
  if (result instanceof Error) throw result;
  return result as Exclude<T, Error>;
}

/** `announce`: tell the account holder about this sign-in (not for the session a registration opens). */
export async function startSession(tx: EntityManager, deps: IdentityDeps, userId: string, meta: RequestMeta, method: string, announce = true): Promise<AuthTokens> {
  await recordSuccess(tx, userId, meta.ip);
  const { sessionId, refreshToken } = await openSession(tx, userId, { ip: meta.ip, method });
  const grants = await grantsOf(tx, userId);
  const access = await issueAccessToken(deps.tokens, { userId, ...grants, sessionId });
  audit(tx, userId, meta, { action: 'auth.sign_in', outcome: 'SUCCESS', detail: { method, sessionId } });
  // The account holder is told about every new sign-in (notifications: a SECURITY notice).
  if (announce) enqueueEvent(tx, SECURITY_EVENT_TOPICS.signedIn, { userId, method });
  return { accessToken: access.token, accessTokenExpiresAt: access.expiresAt, refreshToken, sessionId, userId };
}

/**
 * `passwordHash`: computed by the caller outside the transaction (through the hash gate). `verified`: false
 * only for a patient's own registration (the address is proven by its link); admins, imports and Microsoft
 * create verified accounts.
 */
export async function createUser(
  tx: EntityManager,
  input: { email: string; displayName: string; password: string | null; roles: string[] },
  passwordHash?: string,
  opts: { verified?: boolean } = {},
): Promise<string> {
  const email = v.email(input.email);
  const displayName = v.text(input.displayName, 'displayName', 200);
  const password = input.password === null ? null : v.newPassword(input.password, email);
  await assertRolesExist(tx, input.roles);
  if (await queryOne(tx, `select 1 from users where lower(email) = ?`, [email])) throw conflict('An account with this e-mail already exists', { reason: 'EMAIL_TAKEN' });
  const hashed = password ? (passwordHash ?? (await hashPassword(password))) : null;
  const row = await queryOne<{ id: string }>(
    tx,
    `insert into users (email, display_name, password_hash, email_verified_at) values (?, ?, ?, case when ? then now() end) returning id`,
    [email, displayName, hashed, opts.verified ?? true],
  );
  for (const role of input.roles) await query(tx, `insert into user_roles (user_id, role) values (?, ?)`, [row!.id, role]);
  if (input.roles.includes('PATIENT')) await query(tx, `insert into patient_profiles (user_id) values (?)`, [row!.id]);
  if (input.roles.includes('DOCTOR')) {
    await query(tx, `insert into doctor_profiles (user_id) values (?)`, [row!.id]);
    await republishDoctor(tx, row!.id); // the appointments directory learns of the new doctor
  }
  return row!.id;
}

/** Mails an address may trigger without signing in, per hour (reset links, "you already have an account"). */
export const ACCOUNT_MAILS_PER_HOUR = 3;

/** Records a mail to the account unless its hourly budget is spent; false means: send nothing. */
export async function mayMail(tx: EntityManager, userId: string, kind: string): Promise<boolean> {
  const sent = await queryOne<{ n: string }>(tx, `select count(*) as n from account_mails where user_id = ? and created_at > now() - interval '1 hour'`, [userId]);
  if (Number(sent?.n ?? 0) >= ACCOUNT_MAILS_PER_HOUR) return false;
  await query(tx, `insert into account_mails (user_id, kind) values (?, ?)`, [userId, kind]);
  return true;
}

const BAD_CREDENTIALS = 'E-mail or password is wrong (after repeated failures an account is locked for a while)';
const isLocked = (lockedUntil: Date | null) => Boolean(lockedUntil && new Date(lockedUntil) > new Date());
/** Whose hash budget a request spends: the client's address. */
export const clientOf = (meta: RequestMeta) => `ip:${meta.ip ?? 'unknown'}`;

export async function signIn(em: EntityManager, deps: IdentityDeps, input: { email: string; password: string }, meta: RequestMeta): Promise<SignInOutcome> {
  const email = v.email(input.email);
  if (input.password.length > 200) throw badUserInput('Password is too long', { field: 'password' });
  const reader = em.fork();
  if (await ipIsBlocked(reader, meta.ip)) {
    return commitThenThrow(em, async (tx) => {
      audit(tx, null, meta, { action: 'auth.sign_in', outcome: 'DENIED', detail: { reason: 'IP_BLOCKED' } });
      return forbiddenWith('Too many failed sign-ins from this address; try again later', 'IP_BLOCKED');
    });
  }
  const user = await queryOne<{ id: string; hash: string | null; status: string; mfaEnabled: boolean; lockedUntil: Date | null; verified: boolean }>(
    reader,
    `select id, password_hash as hash, status, mfa_enabled as "mfaEnabled", locked_until as "lockedUntil", email_verified_at is not null as verified
       from users where lower(email) = ?`,
    [email],
  );
  // Always one hash (unknown and locked accounts too), so neither timing nor answer tells them apart.
  const ok = await deps.hashes.run(clientOf(meta), () => verifyPassword(user?.hash ?? null, input.password), traceOfEntityManager(em));
  return commitThenThrow(em, async (tx) => {
    if (user && isLocked(user.lockedUntil)) {
      audit(tx, user.id, meta, { action: 'auth.sign_in', outcome: 'DENIED', detail: { reason: 'ACCOUNT_LOCKED' } });
      return withReason(unauthenticated(BAD_CREDENTIALS), 'WRONG_CREDENTIALS');
    }
    if (!ok || !user) {
      const { lockedUntil } = await recordFailure(tx, user?.id ?? null, meta.ip);
      audit(tx, user?.id ?? null, meta, { action: 'auth.sign_in', outcome: 'FAILURE', detail: { reason: 'BAD_CREDENTIALS', locked: Boolean(lockedUntil) } });
      return withReason(unauthenticated(BAD_CREDENTIALS), 'WRONG_CREDENTIALS');
    }
    if (user.status !== 'ACTIVE') {
      audit(tx, user.id, meta, { action: 'auth.sign_in', outcome: 'DENIED', detail: { reason: 'DEACTIVATED' } });
      return forbiddenWith('This account is deactivated', 'DEACTIVATED');
    }
    // Only someone who knows the password learns this; resendVerificationEmail sends the link again.
    if (!user.verified) {
      audit(tx, user.id, meta, { action: 'auth.sign_in', outcome: 'DENIED', detail: { reason: 'EMAIL_NOT_VERIFIED' } });
      return forbiddenWith('Confirm your e-mail address first: open the link we sent you (or ask for a new one)', 'EMAIL_NOT_VERIFIED');
    }
    if (user.mfaEnabled) return { kind: 'mfaRequired' as const, challenge: await issueMfaChallenge(deps.tokens, user.id) };
    return { kind: 'signedIn' as const, tokens: await startSession(tx, deps, user.id, meta, 'PASSWORD') };
  });
}

/** A stable `extensions.reason` beside the code, so clients say exactly what happened (in their language). */
function withReason<E extends ReturnType<typeof unauthenticated>>(error: E, reason: string): E {
  error.extensions.reason = reason;
  return error;
}

export function forbiddenWith(message: string, reason: string, lockedUntil?: Date): Error {
  const error = forbidden(message);
  error.extensions.reason = reason;
  if (lockedUntil) error.extensions.retryAfterSeconds = Math.ceil((lockedUntil.getTime() - Date.now()) / 1000);
  return error;
}

export async function completeMfaSignIn(em: EntityManager, deps: IdentityDeps, challenge: string, code: string, meta: RequestMeta): Promise<AuthTokens> {
  const { userId, challengeId, expiresAt } = await verifyMfaChallenge(deps.tokens, challenge);
  return commitThenThrow(em, async (tx) => {
    const user = await queryOne<{ lockedUntil: Date | null; status: string }>(tx, `select locked_until as "lockedUntil", status from users where id = ?`, [userId]);
    if (!user || user.status !== 'ACTIVE') return unauthenticated('Sign in again');
    if (isLocked(user.lockedUntil)) return forbiddenWith('This account is temporarily locked', 'ACCOUNT_LOCKED', new Date(user.lockedUntil!));
    if (!(await verifySecondFactor(tx, userId, code))) {
      await recordFailure(tx, userId, meta.ip);
      audit(tx, userId, meta, { action: 'auth.mfa', outcome: 'FAILURE' });
      return withReason(unauthenticated('The code is wrong, already used or has expired'), 'WRONG_CODE');
    }
    // A challenge signs in once: a second use (a replayed request, a stolen challenge) is refused.
    const spent = await query(tx, `insert into used_mfa_challenges (jti, expires_at) values (?, ?) on conflict (jti) do nothing returning jti`, [challengeId, expiresAt]);
    if (!spent.length) {
      audit(tx, userId, meta, { action: 'auth.mfa', outcome: 'DENIED', detail: { reason: 'CHALLENGE_REUSED' } });
      return unauthenticated('This sign-in challenge was already used; sign in again');
    }
    await query(tx, `delete from used_mfa_challenges where expires_at < now()`);
    return startSession(tx, deps, userId, meta, 'PASSWORD+TOTP');
  });
}

/** Turning MFA off needs a current code; wrong codes (a stolen token guessing) count toward lockout. */
export async function disableMfa(em: EntityManager, viewer: AuditActor & { actorId: string }, code: string): Promise<void> {
  const userId = viewer.actorId;
  const meta = { ip: viewer.ip ?? null, requestId: viewer.requestId ?? '' };
  await commitThenThrow<undefined | Error>(em, async (tx) => {
    const user = await queryOne<{ lockedUntil: Date | null }>(tx, `select locked_until as "lockedUntil" from users where id = ? for update`, [userId]);
    if (user && isLocked(user.lockedUntil)) return forbiddenWith('This account is temporarily locked after repeated failures', 'ACCOUNT_LOCKED', new Date(user.lockedUntil!));
    if (!(await verifySecondFactor(tx, userId, code))) {
      await recordFailure(tx, userId, meta.ip);
      recordAudit(tx, viewer, { action: 'auth.mfa_disabled', resourceType: 'User', resourceId: userId, subjectUserId: userId, outcome: 'FAILURE' });
      return badUserInput('The code is wrong', { field: 'code' });
    }
    await mfaDisable(tx, userId);
    recordAudit(tx, viewer, { action: 'auth.mfa_disabled', resourceType: 'User', resourceId: userId, subjectUserId: userId, outcome: 'SUCCESS' });
    enqueueEvent(tx, SECURITY_EVENT_TOPICS.mfaChanged, { userId, enabled: false });
    return undefined;
  });
}

export async function refresh(em: EntityManager, deps: IdentityDeps, refreshToken: string, meta: RequestMeta): Promise<AuthTokens> {
  return commitThenThrow<AuthTokens | Error>(em, async (tx) => {
    const rotated = await rotateRefreshToken(tx, refreshToken, meta.ip);
    if (rotated.kind === 'reused') {
      await deps.revocations.revoke(sessionRevocations([rotated.sessionId]));
      audit(tx, rotated.userId, meta, { action: 'auth.refresh', outcome: 'DENIED', resourceType: 'Session', resourceId: rotated.sessionId, detail: { reason: 'TOKEN_REUSE' } });
      return unauthenticated('This refresh token was already used; the session has been ended for safety');
    }
    const grants = await grantsOf(tx, rotated.userId);
    const access = await issueAccessToken(deps.tokens, { userId: rotated.userId, ...grants, sessionId: rotated.sessionId });
    audit(tx, rotated.userId, meta, { action: 'auth.refresh', outcome: 'SUCCESS', resourceType: 'Session', resourceId: rotated.sessionId });
    return { accessToken: access.token, accessTokenExpiresAt: access.expiresAt, refreshToken: rotated.refreshToken, sessionId: rotated.sessionId, userId: rotated.userId };
  });
}

export async function changePassword(em: EntityManager, deps: IdentityDeps, userId: string, sessionId: string | null, current: string, next: string, meta: RequestMeta): Promise<void> {
  const user = await queryOne<{ hash: string | null; email: string; lockedUntil: Date | null }>(
    em.fork(),
    `select password_hash as hash, email, locked_until as "lockedUntil" from users where id = ?`,
    [userId],
  );
  if (!user) throw unauthenticated();
  if (isLocked(user.lockedUntil)) throw forbiddenWith('This account is temporarily locked after repeated failures', 'ACCOUNT_LOCKED', new Date(user.lockedUntil!));
  const ok = await deps.hashes.run(clientOf(meta), () => verifyPassword(user.hash, current), traceOfEntityManager(em));
  // A stolen token guessing the password counts toward the same lockout as sign-in.
  if (!ok) {
    return commitThenThrow<never>(em, async (tx) => {
      await recordFailure(tx, userId, meta.ip);
      audit(tx, userId, meta, { action: 'auth.change_password', outcome: 'FAILURE' });
      return badUserInput('The current password is wrong', { field: 'currentPassword' });
    });
  }
  v.newPassword(next, user.email);
  const hashed = await deps.hashes.run(clientOf(meta), () => hashPassword(next), traceOfEntityManager(em));
  await commitThenThrow<undefined | Error>(em, async (tx) => {
    await query(tx, `update users set password_hash = ?, updated_at = now() where id = ?`, [hashed, userId]);
    await revokeAllSessions(tx, userId, 'PASSWORD_CHANGED', sessionId, deps.revocations);
    audit(tx, userId, meta, { action: 'auth.change_password', outcome: 'SUCCESS' });
    enqueueEvent(tx, SECURITY_EVENT_TOPICS.passwordChanged, { userId });
    return undefined;
  });
}

/**
 * Always succeeds from the caller's view (no account discovery); a real account gets a single-use link,
 * at most ACCOUNT_MAILS_PER_HOUR an hour (beyond that the same answer, and no mail: no mail bombing).
 */
export async function requestPasswordReset(em: EntityManager, deps: IdentityDeps, rawEmail: string, meta: RequestMeta): Promise<void> {
  const email = v.email(rawEmail);
  await inTransaction(em, async (tx) => {
    const user = await queryOne<{ id: string }>(tx, `select id from users where lower(email) = ? and status = 'ACTIVE' for update`, [email]);
    if (!user) return;
    if (!(await mayMail(tx, user.id, 'password_reset'))) {
      audit(tx, user.id, meta, { action: 'auth.password_reset_requested', outcome: 'DENIED', detail: { reason: 'RATE_LIMITED' } });
      return;
    }
    const token = randomSecret();
    await query(tx, `insert into password_resets (token_hash, user_id, expires_at) values (?, ?, now() + interval '${RESET_TOKEN_MINUTES} minutes')`, [sha256(token), user.id]);
    const link = `${deps.publicUrl}/reset-password?token=${token}`;
    // The link travels to notifications (which sends the mail); only the token's hash is kept here.
    enqueueEvent(tx, ACCOUNT_MAIL_TOPICS.passwordResetRequested, { userId: user.id, email, link, expiresInMinutes: RESET_TOKEN_MINUTES } satisfies AccountMailPayload);
    audit(tx, user.id, meta, { action: 'auth.password_reset_requested', outcome: 'SUCCESS' });
    deps.devInbox?.push({ to: email, subject: 'Reset your password', link, at: new Date().toISOString() });
  });
}

export async function resetPassword(em: EntityManager, deps: IdentityDeps, token: string, next: string, meta: RequestMeta): Promise<void> {
  if (token.length > 200) throw badUserInput('The reset link is invalid', { field: 'token' });
  v.newPassword(next);
  const hashed = await deps.hashes.run(clientOf(meta), () => hashPassword(next), traceOfEntityManager(em));
  await commitThenThrow<undefined | Error>(em, async (tx) => {
    const claimed = await queryOne<{ userId: string; email: string }>(
      tx,
      `update password_resets r set used_at = now() from users u
        where r.token_hash = ? and r.used_at is null and r.expires_at > now() and u.id = r.user_id
        returning r.user_id as "userId", u.email`,
      [sha256(token)],
    );
    if (!claimed) return badUserInput('The reset link is invalid, used or expired', { field: 'token' });
    v.newPassword(next, claimed.email); // throws: the transaction rolls back and the link stays usable
    // The link came through the address: it is verified now too.
    await query(tx, `update users set password_hash = ?, failed_sign_ins = 0, locked_until = null, email_verified_at = coalesce(email_verified_at, now()), updated_at = now() where id = ?`, [
      hashed,
      claimed.userId,
    ]);
    await revokeAllSessions(tx, claimed.userId, 'PASSWORD_RESET', null, deps.revocations);
    audit(tx, claimed.userId, meta, { action: 'auth.password_reset', outcome: 'SUCCESS' });
    enqueueEvent(tx, SECURITY_EVENT_TOPICS.passwordChanged, { userId: claimed.userId });
    return undefined;
  });
}

