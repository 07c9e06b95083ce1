// Sessions and rotating refresh tokens. A session is one token family: each refresh retires the presented
// token and hands out a new one. A retired token presented again means it was stolen (or replayed), so
// the whole family is revoked and a TOKEN_REUSE alert raised. Ending a session also puts it on the token
// revocation list (inside the transaction: if Redis refuses, nothing is half-ended), so its access tokens
// stop within a second everywhere.
import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { unauthenticated, notFound, revocationCutoff, type Revocation, type RevocationList } from '@clinic/service-kit';
import { query, queryOne } from '../db.ts';
import { randomSecret, sha256 } from './passwords.ts';
import { raiseAlert } from './security.ts';

export const REFRESH_TOKEN_DAYS = 30;

export interface SessionRecord {
  id: string;
  userId: string;
  createdAt: Date;
  lastUsedAt: Date;
  expiresAt: Date;
  revokedAt: Date | null;
  ip: string | null;
  userAgent: string | null;
  method: string;
}

const SESSION_COLUMNS = `id, user_id as "userId", created_at as "createdAt", last_used_at as "lastUsedAt", expires_at as "expiresAt",
  revoked_at as "revokedAt", ip, user_agent as "userAgent", method`;

async function newRefreshToken(em: EntityManager, sessionId: string): Promise<string> {
  const token = `${sessionId}.${randomSecret()}`;
  await query(em, `insert into refresh_tokens (token_hash, session_id) values (?, ?)`, [sha256(token), sessionId]);
  return token;
}

export async function openSession(em: EntityManager, userId: string, meta: { ip: string | null; method: string }): Promise<{ sessionId: string; refreshToken: string }> {
  const sessionId = randomUUID();
  await query(em, `insert into sessions (id, user_id, expires_at, ip, method) values (?, ?, now() + interval '${REFRESH_TOKEN_DAYS} days', ?, ?)`, [
    sessionId,
    userId,
    meta.ip,
    meta.method,
  ]);
  return { sessionId, refreshToken: await newRefreshToken(em, sessionId) };
}

export type RotateResult =
  | { kind: 'rotated'; userId: string; sessionId: string; refreshToken: string }
  | { kind: 'reused'; userId: string; sessionId: string };

/** Rotates atomically: of two concurrent refreshes with one token, exactly one wins; the other is reuse. */
export async function rotateRefreshToken(em: EntityManager, presented: string, ip: string | null): Promise<RotateResult> {
  if (presented.length > 200) throw unauthenticated('Refresh token is invalid');
  const hash = sha256(presented);
  const claimed = await queryOne<{ sessionId: string }>(
    em,
    `update refresh_tokens set rotated_at = now() where token_hash = ? and rotated_at is null returning session_id as "sessionId"`,
    [hash],
  );
  if (!claimed) {
    const known = await queryOne<{ sessionId: string; userId: string; revokedAt: Date | null }>(
      em,
      `select s.id as "sessionId", s.user_id as "userId", s.revoked_at as "revokedAt" from refresh_tokens t join sessions s on s.id = t.session_id where t.token_hash = ?`,
      [hash],
    );
    if (!known) throw unauthenticated('Refresh token is invalid');
    if (!known.revokedAt) {
      await query(em, `update sessions set revoked_at = now(), revoked_reason = 'TOKEN_REUSE' where id = ?`, [known.sessionId]);
      await raiseAlert(em, 'TOKEN_REUSE', known.userId, ip, { sessionId: known.sessionId });
    }
    return { kind: 'reused', userId: known.userId, sessionId: known.sessionId };
  }
  const session = await queryOne<SessionRecord & { status: string }>(
    em,
    `select s.id, s.user_id as "userId", s.revoked_at as "revokedAt", s.expires_at as "expiresAt", u.status
       from sessions s join users u on u.id = s.user_id where s.id = ?`,
    [claimed.sessionId],
  );
  if (!session || session.revokedAt || new Date(session.expiresAt) < new Date() || session.status !== 'ACTIVE') {
    throw unauthenticated('This session has ended; sign in again');
  }
  await query(em, `update sessions set last_used_at = now() where id = ?`, [session.id]);
  return { kind: 'rotated', userId: session.userId, sessionId: session.id, refreshToken: await newRefreshToken(em, session.id) };
}

export function listSessions(em: EntityManager, userId: string): Promise<SessionRecord[]> {
  return query<SessionRecord>(
    em,
    `select ${SESSION_COLUMNS} from sessions where user_id = ? and revoked_at is null and expires_at > now() order by created_at desc limit 100`,
    [userId],
  );
}

/** Revoked session ids as entries of the token revocation list. */
export const sessionRevocations = (ids: string[]): Revocation[] => ids.map((sessionId) => ({ kind: 'session', sessionId }));

/** Ends one session of the user: its refresh tokens stop at once, its access tokens within a second. */
export async function revokeSession(em: EntityManager, userId: string, sessionId: string, reason: string, revocations?: RevocationList): Promise<void> {
  const rows = await query(em, `update sessions set revoked_at = now(), revoked_reason = ? where id = ? and user_id = ? and revoked_at is null returning id`, [
    reason,
    sessionId,
    userId,
  ]);
  if (!rows.length) throw notFound('Session');
  await revocations?.revoke(sessionRevocations([sessionId]));
}

/**
 * Ends every session of the user but `except`, and cuts off every token issued to the user so far but those
 * of `except`: Azure AD tokens carry no session id, so only this per-user cutoff stops them.
 */
export async function revokeAllSessions(em: EntityManager, userId: string, reason: string, except: string | null = null, revocations?: RevocationList): Promise<void> {
  const rows = await query<{ id: string }>(
    em,
    `update sessions set revoked_at = now(), revoked_reason = ? where user_id = ? and revoked_at is null and id is distinct from ? returning id`,
    [reason, userId, except],
  );
  await revocations?.revoke([...sessionRevocations(rows.map((r) => r.id)), { kind: 'user', userId, notBefore: revocationCutoff(), exceptSessionId: except }]);
}

export async function sessionIsActive(em: EntityManager, sessionId: string): Promise<boolean> {
  return Boolean(await queryOne(em, `select 1 from sessions where id = ? and revoked_at is null and expires_at > now()`, [sessionId]));
}
