// Sign-in and credentials: registration, password sign-in with lockout and MFA, refresh rotation, sign out,
// change and reset password. Every outcome is audited; failures are committed before the error is thrown,
// so an attacker's failed attempts count even though the request fails.
import type { EntityManager } from '@mikro-orm/postgresql';
import { recordAudit, enqueueEvent, unauthenticated, forbidden, conflict, badUserInput, type AuditActor, type AuditEvent } from '@clinic/service-kit';
import { inTransaction, query, queryOne } from '../db.ts';
import type { IdentityDeps } from './deps.ts';
import { hashPassword, verifyPassword, randomSecret, sha256 } from './passwords.ts';
import { grantsOf, assertRolesExist } from './roles.ts';
import { openSession, rotateRefreshToken, revokeAllSessions } from './sessions.ts';
import { ipIsBlocked, recordFailure, recordSuccess } from './security.ts';
import { issueAccessToken, issueMfaChallenge, verifyMfaChallenge } from './tokens.ts';
import { verifySecondFactor } from './mfa.ts';
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
const audit = (em: EntityManager, userId: string | null, meta: RequestMeta, event: Omit<AuditEvent, 'resourceType' | 'resourceId' | 'subjectUserId'> & Partial<AuditEvent>) =>
  recordAudit(em, actor(userId, meta), { resourceType: 'User', resourceId: userId, subjectUserId: userId, ...event });

/** Runs the work, commits, then throws the refusal it decided on (so counters and audit rows persist). */
async function commitThenThrow<T>(em: EntityManager, work: (tx: EntityManager) => Promise<T | Error>): Promise<Exclude<T, Error>> {
  const result = await inTransaction(em, work);
  if (result instanceof Error) throw result;
  return result as Exclude<T, Error>;
}

export async function startSession(tx: EntityManager, deps: IdentityDeps, userId: string, meta: RequestMeta, method: string): Promise<AuthTokens> {
  await recordSuccess(tx, userId, meta.ip);
  const { sessionId, refreshToken } = await openSession(tx, userId, { ip: meta.ip, method });
  const grants = await grantsOf(tx, userId);
  const access = await issueAccessToken(deps.tokens, { userId, ...grants, sessionId });
  audit(tx, userId, meta, { action: 'auth.sign_in', outcome: 'SUCCESS', detail: { method, sessionId } });
  return { accessToken: access.token, accessTokenExpiresAt: access.expiresAt, refreshToken, sessionId, userId };
}

export async function createUser(
  tx: EntityManager,
  input: { email: string; displayName: string; password: string | null; roles: string[] },
): Promise<string> {
  const email = v.email(input.email);
  const displayName = v.text(input.displayName, 'displayName', 200);
  const password = input.password === null ? null : v.newPassword(input.password, email);
  await assertRolesExist(tx, input.roles);
  if (await queryOne(tx, `select 1 from users where lower(email) = ?`, [email])) throw conflict('An account with this e-mail already exists', { reason: 'EMAIL_TAKEN' });
  const hashed = password ? await hashPassword(password) : null;
  const row = await queryOne<{ id: string }>(tx, `insert into users (email, display_name, password_hash) values (?, ?, ?) returning id`, [email, displayName, hashed]);
  for (const role of input.roles) await query(tx, `insert into user_roles (user_id, role) values (?, ?)`, [row!.id, role]);
  if (input.roles.includes('PATIENT')) await query(tx, `insert into patient_profiles (user_id) values (?)`, [row!.id]);
  if (input.roles.includes('DOCTOR')) {
    await query(tx, `insert into doctor_profiles (user_id) values (?)`, [row!.id]);
    await republishDoctor(tx, row!.id); // the appointments directory learns of the new doctor
  }
  return row!.id;
}

export function registerPatient(em: EntityManager, deps: IdentityDeps, input: { email: string; displayName: string; password: string }, meta: RequestMeta): Promise<AuthTokens> {
  return inTransaction(em, async (tx) => {
    const userId = await createUser(tx, { ...input, roles: ['PATIENT'] });
    audit(tx, userId, meta, { action: 'user.register', outcome: 'SUCCESS' });
    return startSession(tx, deps, userId, meta, 'PASSWORD');
  });
}

export async function signIn(em: EntityManager, deps: IdentityDeps, input: { email: string; password: string }, meta: RequestMeta): Promise<SignInOutcome> {
  const email = v.email(input.email);
  if (input.password.length > 200) throw badUserInput('Password is too long', { field: 'password' });
  return commitThenThrow(em, async (tx) => {
    if (await ipIsBlocked(tx, meta.ip)) {
      audit(tx, null, meta, { action: 'auth.sign_in', outcome: 'DENIED', detail: { reason: 'IP_BLOCKED' } });
      return forbiddenWith('Too many failed sign-ins from this address; try again later', 'IP_BLOCKED');
    }
    const user = await queryOne<{ id: string; hash: string | null; status: string; mfaEnabled: boolean; lockedUntil: Date | null }>(
      tx,
      `select id, password_hash as hash, status, mfa_enabled as "mfaEnabled", locked_until as "lockedUntil" from users where lower(email) = ?`,
      [email],
    );
    if (user?.lockedUntil && new Date(user.lockedUntil) > new Date()) {
      audit(tx, user.id, meta, { action: 'auth.sign_in', outcome: 'DENIED', detail: { reason: 'ACCOUNT_LOCKED' } });
      return forbiddenWith('This account is temporarily locked after repeated failed sign-ins', 'ACCOUNT_LOCKED', new Date(user.lockedUntil));
    }
    const ok = await verifyPassword(user?.hash ?? null, input.password);
    if (!ok || !user) {
      const { lockedUntil } = await recordFailure(tx, user?.id ?? null, meta.ip);
      audit(tx, user?.id ?? null, meta, { action: 'auth.sign_in', outcome: 'FAILURE', detail: { reason: 'BAD_CREDENTIALS', locked: Boolean(lockedUntil) } });
      return withReason(unauthenticated('E-mail or password is wrong'), 'WRONG_CREDENTIALS');
    }
    if (user.status !== 'ACTIVE') {
      audit(tx, user.id, meta, { action: 'auth.sign_in', outcome: 'DENIED', detail: { reason: 'DEACTIVATED' } });
      return forbiddenWith('This account is deactivated', 'DEACTIVATED');
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

function forbiddenWith(message: string, reason: string, lockedUntil?: Date): Error {
  const error = forbidden(message);
  error.extensions.reason = reason;
  if (lockedUntil) error.extensions.retryAfterSeconds = Math.ceil((lockedUntil.getTime() - Date.now()) / 1000);
  return error;
}

export async function completeMfaSignIn(em: EntityManager, deps: IdentityDeps, challenge: string, code: string, meta: RequestMeta): Promise<AuthTokens> {
  const userId = await verifyMfaChallenge(deps.tokens, challenge);
  return commitThenThrow(em, async (tx) => {
    const user = await queryOne<{ lockedUntil: Date | null; status: string }>(tx, `select locked_until as "lockedUntil", status from users where id = ?`, [userId]);
    if (!user || user.status !== 'ACTIVE') return unauthenticated('Sign in again');
    if (user.lockedUntil && new Date(user.lockedUntil) > new Date()) return forbiddenWith('This account is temporarily locked', 'ACCOUNT_LOCKED', new Date(user.lockedUntil));
    if (!(await verifySecondFactor(tx, userId, code))) {
      await recordFailure(tx, userId, meta.ip);
      audit(tx, userId, meta, { action: 'auth.mfa', outcome: 'FAILURE' });
      return withReason(unauthenticated('The code is wrong or has expired'), 'WRONG_CODE');
    }
    return startSession(tx, deps, userId, meta, 'PASSWORD+TOTP');
  });
}

export async function refresh(em: EntityManager, deps: IdentityDeps, refreshToken: string, meta: RequestMeta): Promise<AuthTokens> {
  return commitThenThrow<AuthTokens | Error>(em, async (tx) => {
    const rotated = await rotateRefreshToken(tx, refreshToken, meta.ip);
    if (rotated.kind === 'reused') {
      audit(tx, rotated.userId, meta, { action: 'auth.refresh', outcome: 'DENIED', resourceType: 'Session', resourceId: rotated.sessionId, detail: { reason: 'TOKEN_REUSE' } });
      return unauthenticated('This refresh token was already used; the session has been ended for safety');
    }
    const grants = await grantsOf(tx, rotated.userId);
    const access = await issueAccessToken(deps.tokens, { userId: rotated.userId, ...grants, sessionId: rotated.sessionId });
    audit(tx, rotated.userId, meta, { action: 'auth.refresh', outcome: 'SUCCESS', resourceType: 'Session', resourceId: rotated.sessionId });
    return { accessToken: access.token, accessTokenExpiresAt: access.expiresAt, refreshToken: rotated.refreshToken, sessionId: rotated.sessionId, userId: rotated.userId };
  });
}

export async function changePassword(em: EntityManager, userId: string, sessionId: string | null, current: string, next: string, meta: RequestMeta): Promise<void> {
  await commitThenThrow<undefined | Error>(em, async (tx) => {
    const user = await queryOne<{ hash: string | null; email: string }>(tx, `select password_hash as hash, email from users where id = ?`, [userId]);
    if (!user || !(await verifyPassword(user.hash, current))) {
      audit(tx, userId, meta, { action: 'auth.change_password', outcome: 'FAILURE' });
      return badUserInput('The current password is wrong', { field: 'currentPassword' });
    }
    v.newPassword(next, user.email);
    await query(tx, `update users set password_hash = ?, updated_at = now() where id = ?`, [await hashPassword(next), userId]);
    await revokeAllSessions(tx, userId, 'PASSWORD_CHANGED', sessionId);
    audit(tx, userId, meta, { action: 'auth.change_password', outcome: 'SUCCESS' });
    return undefined;
  });
}

/** Always succeeds from the caller's view (no account discovery); a real account gets a single-use link. */
export async function requestPasswordReset(em: EntityManager, deps: IdentityDeps, rawEmail: string, meta: RequestMeta): Promise<void> {
  const email = v.email(rawEmail);
  await inTransaction(em, async (tx) => {
    const user = await queryOne<{ id: string }>(tx, `select id from users where lower(email) = ? and status = 'ACTIVE'`, [email]);
    if (!user) return;
    const token = randomSecret();
    await query(tx, `insert into password_resets (token_hash, user_id, expires_at) values (?, ?, now() + interval '${RESET_TOKEN_MINUTES} minutes')`, [sha256(token), user.id]);
    // Ids only: the notifications service looks the address up; the link token never enters a queue.
    enqueueEvent(tx, 'user.password_reset_requested', { userId: user.id, expiresInMinutes: RESET_TOKEN_MINUTES });
    audit(tx, user.id, meta, { action: 'auth.password_reset_requested', outcome: 'SUCCESS' });
    deps.devInbox?.push({ to: email, subject: 'Reset your password', link: `${deps.publicUrl}/reset-password?token=${token}`, at: new Date().toISOString() });
  });
}

export async function resetPassword(em: EntityManager, token: string, next: string, meta: RequestMeta): Promise<void> {
  if (token.length > 200) throw badUserInput('The reset link is invalid', { field: 'token' });
  v.newPassword(next);
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
    await query(tx, `update users set password_hash = ?, failed_sign_ins = 0, locked_until = null, updated_at = now() where id = ?`, [await hashPassword(next), claimed.userId]);
    await revokeAllSessions(tx, claimed.userId, 'PASSWORD_RESET');
    audit(tx, claimed.userId, meta, { action: 'auth.password_reset', outcome: 'SUCCESS' });
    return undefined;
  });
}

