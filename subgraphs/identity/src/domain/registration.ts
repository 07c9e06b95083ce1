// A patient's own registration, which must not tell whether an address has an account: every registration
// does the same password-hash work and gets the same answer; what differs is only the e-mail the address
// receives (a single-use, expiring verification link for a new or still unverified account; "you already
// have an account" for an existing one), and both are within the address's hourly mail budget. Nobody is
// signed in until the link is opened; verifyEmail activates the account and signs in.
import type { EntityManager } from '@mikro-orm/postgresql';
import { enqueueEvent, badUserInput, ACCOUNT_MAIL_TOPICS, traceOfEntityManager, type AccountMailPayload } from '@clinic/service-kit';
import { inTransaction, query, queryOne } from '../db.ts';
import type { IdentityDeps } from './deps.ts';
import { hashPassword, randomSecret, sha256 } from './passwords.ts';
import { audit, clientOf, commitThenThrow, createUser, mayMail, startSession, type AuthTokens, type RequestMeta } from './auth.ts';
import * as v from './validation.ts';

export const VERIFY_LINK_HOURS = 24;

export interface RegistrationStarted {
  email: string;
}

/** A fresh single-use link; `passwordHash`: the password the registration that asked for it chose. */
async function sendVerificationLink(tx: EntityManager, deps: IdentityDeps, userId: string, email: string, passwordHash: string | null): Promise<void> {
  const token = randomSecret();
  await query(tx, `insert into email_verifications (token_hash, user_id, password_hash, expires_at) values (?, ?, ?, now() + interval '${VERIFY_LINK_HOURS} hours')`, [
    sha256(token),
    userId,
    passwordHash,
  ]);
  const link = `${deps.publicUrl}/verify-email?token=${token}`;
  // The link itself travels (notifications delivers the mail); only its hash stays here.
  enqueueEvent(tx, ACCOUNT_MAIL_TOPICS.emailVerificationRequested, { userId, email, link, expiresInMinutes: VERIFY_LINK_HOURS * 60 } satisfies AccountMailPayload);
  deps.devInbox?.push({ to: email, subject: 'Confirm your e-mail address', link, at: new Date().toISOString() });
}

export async function registerPatient(
  em: EntityManager,
  deps: IdentityDeps,
  input: { email: string; displayName: string; password: string },
  meta: RequestMeta,
): Promise<RegistrationStarted> {
  const email = v.email(input.email);
  const password = v.newPassword(input.password, email);
  const displayName = v.text(input.displayName, 'displayName', 200);
  // Always one hash, before looking: neither the answer nor its timing depends on the address having an account.
  const passwordHash = await deps.hashes.run(clientOf(meta), () => hashPassword(password), traceOfEntityManager(em));
  await inTransaction(em, async (tx) => {
    const existing = await queryOne<{ id: string; verified: boolean }>(
      tx,
      `select id, email_verified_at is not null as verified from users where lower(email) = ? for update`,
      [email],
    );
    if (!existing) {
      const userId = await createUser(tx, { email, displayName, password, roles: ['PATIENT'] }, passwordHash, { verified: false });
      audit(tx, userId, meta, { action: 'user.register', outcome: 'SUCCESS', detail: { verified: false } });
      await mayMail(tx, userId, 'email_verification');
      await sendVerificationLink(tx, deps, userId, email, passwordHash);
      return;
    }
    if (!existing.verified) {
      // Registered, never verified: a new link, activating this registration's password if it is the one opened.
      if (!(await mayMail(tx, existing.id, 'email_verification'))) {
        audit(tx, existing.id, meta, { action: 'user.register', outcome: 'DENIED', detail: { reason: 'RATE_LIMITED' } });
        return;
      }
      audit(tx, existing.id, meta, { action: 'user.register', outcome: 'SUCCESS', detail: { verified: false, repeated: true } });
      await sendVerificationLink(tx, deps, existing.id, email, passwordHash);
      return;
    }
    // The owner hears that someone tried to register their address (rate-limited like reset links).
    audit(tx, existing.id, meta, { action: 'user.register', outcome: 'DENIED', detail: { reason: 'EXISTING_ACCOUNT' } });
    if (!(await mayMail(tx, existing.id, 'existing_account'))) return;
    const link = `${deps.publicUrl}/sign-in`;
    enqueueEvent(tx, ACCOUNT_MAIL_TOPICS.registrationAttempted, { userId: existing.id, email, link } satisfies AccountMailPayload);
    deps.devInbox?.push({ to: email, subject: 'You already have an account', link, at: new Date().toISOString() });
  });
  return { email };
}

/** A new link for an unverified account (within the mail budget); the same answer for any other address. */
export async function resendVerificationEmail(em: EntityManager, deps: IdentityDeps, rawEmail: string, meta: RequestMeta): Promise<RegistrationStarted> {
  const email = v.email(rawEmail);
  await inTransaction(em, async (tx) => {
    const user = await queryOne<{ id: string }>(tx, `select id from users where lower(email) = ? and email_verified_at is null and status = 'ACTIVE' for update`, [email]);
    if (!user) return;
    if (!(await mayMail(tx, user.id, 'email_verification'))) {
      audit(tx, user.id, meta, { action: 'auth.verification_resent', outcome: 'DENIED', detail: { reason: 'RATE_LIMITED' } });
      return;
    }
    await sendVerificationLink(tx, deps, user.id, email, null);
    audit(tx, user.id, meta, { action: 'auth.verification_resent', outcome: 'SUCCESS' });
  });
  return { email };
}

/** Spends the link (and every other link of the account), marks the address verified and signs in. */
export async function verifyEmail(em: EntityManager, deps: IdentityDeps, token: string, meta: RequestMeta): Promise<AuthTokens> {
  if (token.length > 200) throw badUserInput('The verification link is invalid', { field: 'token' });
  return commitThenThrow<AuthTokens | Error>(em, async (tx) => {
    const claimed = await queryOne<{ userId: string; passwordHash: string | null }>(
      tx,
      `update email_verifications e set used_at = now() from users u
        where e.token_hash = ? and e.used_at is null and e.expires_at > now() and u.id = e.user_id and u.status = 'ACTIVE'
        returning e.user_id as "userId", e.password_hash as "passwordHash"`,
      [sha256(token)],
    );
    if (!claimed) return badUserInput('The verification link is invalid, used or expired', { field: 'token', reason: 'INVALID_LINK' });
    await query(tx, `update email_verifications set used_at = now() where user_id = ? and used_at is null`, [claimed.userId]);
    await query(tx, `update users set email_verified_at = coalesce(email_verified_at, now()), password_hash = coalesce(?, password_hash), updated_at = now() where id = ?`, [
      claimed.passwordHash,
      claimed.userId,
    ]);
    audit(tx, claimed.userId, meta, { action: 'auth.email_verified', outcome: 'SUCCESS' });
    // The session a registration opens is not announced as a new sign-in.
    return startSession(tx, deps, claimed.userId, meta, 'EMAIL_LINK', false);
  });
}
