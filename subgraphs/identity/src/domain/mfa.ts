// TOTP multi-factor authentication (RFC 6238 via otplib): enrol with an otpauth URI / QR code, confirm one
// code to switch it on (and receive single-use recovery codes), then every sign-in needs a second factor.
// A TOTP code is single-use: the last accepted time-step is kept per user and a code of that step or an
// earlier one is refused (a code seen over a shoulder or in a log cannot be replayed within its window).
import { authenticator } from 'otplib';
import QRCode from 'qrcode';
import type { EntityManager } from '@mikro-orm/postgresql';
import { badUserInput, conflict } from '@clinic/service-kit';
import { query, queryOne } from '../db.ts';
import { randomSecret, sha256 } from './passwords.ts';

authenticator.options = { window: 1 };
const ISSUER = 'Clinic';
const RECOVERY_CODES = 10;

export interface MfaEnrolment {
  secret: string;
  otpauthUri: string;
  qrCodeDataUrl: string;
}

export async function beginEnrolment(em: EntityManager, userId: string, email: string): Promise<MfaEnrolment> {
  const user = await queryOne<{ mfaEnabled: boolean }>(em, `select mfa_enabled as "mfaEnabled" from users where id = ?`, [userId]);
  if (user?.mfaEnabled) throw conflict('Multi-factor authentication is already on');
  const secret = authenticator.generateSecret(20);
  await query(em, `update users set mfa_pending_secret = ? where id = ?`, [secret, userId]);
  const otpauthUri = authenticator.keyuri(email, ISSUER, secret);
  return { secret, otpauthUri, qrCodeDataUrl: await QRCode.toDataURL(otpauthUri) };
}

function checkCodeFormat(code: string): string {
  const c = code.replace(/\s/g, '');
  if (!/^[0-9]{6}$/.test(c) && !/^[A-Za-z0-9_-]{8,40}$/.test(c)) throw badUserInput('The code is malformed', { field: 'code' });
  return c;
}

export async function confirmEnrolment(em: EntityManager, userId: string, code: string): Promise<string[]> {
  const c = checkCodeFormat(code);
  const user = await queryOne<{ pending: string | null }>(em, `select mfa_pending_secret as pending from users where id = ?`, [userId]);
  if (!user?.pending) throw badUserInput('Start enrolment first');
  const step = acceptedStep(c, user.pending);
  if (step === null) throw badUserInput('The code does not match; check the device clock and try again', { field: 'code' });
  await query(em, `update users set mfa_secret = mfa_pending_secret, mfa_pending_secret = null, mfa_enabled = true, totp_last_step = ? where id = ?`, [step, userId]);
  await query(em, `delete from mfa_recovery_codes where user_id = ?`, [userId]);
  const codes = Array.from({ length: RECOVERY_CODES }, () => randomSecret(8));
  for (const rc of codes) await query(em, `insert into mfa_recovery_codes (user_id, code_hash) values (?, ?)`, [userId, sha256(rc)]);
  return codes;
}

/** The time-step a code belongs to (within the accepted window), or null when it matches none. */
function acceptedStep(code: string, secret: string): number | null {
  const delta = authenticator.checkDelta(code, secret);
  if (delta === null) return null;
  return Math.floor(Date.now() / 1000 / authenticator.allOptions().step) + delta;
}

/** A current TOTP code not used before, or an unused recovery code (which is then spent). */
export async function verifySecondFactor(em: EntityManager, userId: string, code: string): Promise<boolean> {
  const c = checkCodeFormat(code);
  if (/^[0-9]{6}$/.test(c)) {
    const user = await queryOne<{ secret: string | null }>(em, `select mfa_secret as secret from users where id = ?`, [userId]);
    const step = user?.secret ? acceptedStep(c, user.secret) : null;
    if (step === null) return false;
    // Atomic: of two requests with one code, only the first moves the step forward.
    const claimed = await query(em, `update users set totp_last_step = ? where id = ? and (totp_last_step is null or totp_last_step < ?) returning id`, [step, userId, step]);
    return claimed.length > 0;
  }
  const spent = await query(em, `update mfa_recovery_codes set used_at = now() where user_id = ? and code_hash = ? and used_at is null returning user_id`, [
    userId,
    sha256(c),
  ]);
  return spent.length > 0;
}

export async function disable(em: EntityManager, userId: string): Promise<void> {
  await query(em, `update users set mfa_enabled = false, mfa_secret = null, mfa_pending_secret = null, totp_last_step = null where id = ?`, [userId]);
  await query(em, `delete from mfa_recovery_codes where user_id = ?`, [userId]);
}
