// Security monitoring of sign-ins: failures counted per account and per IP, progressive lockout, and
// SecurityAlerts on brute force, on a sign-in from an IP range the account never used, and on token reuse.
import type { EntityManager } from '@mikro-orm/postgresql';
import { query, queryOne, json } from '../db.ts';

/** Failures allowed before the account locks; each further failure doubles the lock (capped). */
export const ACCOUNT_FAILURES_BEFORE_LOCK = 5;
const LOCK_BASE_SECONDS = 60;
const LOCK_MAX_SECONDS = 60 * 60;
/** Failures from one IP (any accounts) in the window before it is refused and an alert raised. */
export const IP_FAILURES_BEFORE_BLOCK = 20;
const IP_WINDOW_MINUTES = 15;

export type AlertKind = 'BRUTE_FORCE' | 'NEW_IP_RANGE' | 'TOKEN_REUSE' | 'ACCOUNT_LOCKED';

export async function raiseAlert(em: EntityManager, kind: AlertKind, userId: string | null, ip: string | null, detail: Record<string, unknown> = {}): Promise<void> {
  await query(em, `insert into security_alerts (kind, user_id, ip, detail) values (?, ?, ?, ?::jsonb)`, [kind, userId, ip, json(detail)]);
}

/** The /16 of an IPv4 address or the /48 of an IPv6 one: our stand-in for "where" without a geo database. */
export function ipRange(ip: string | null): string | null {
  if (!ip) return null;
  const v4 = /^(?:::ffff:)?(\d+)\.(\d+)\.\d+\.\d+$/.exec(ip);
  if (v4) return `${v4[1]}.${v4[2]}.0.0/16`;
  if (ip.includes(':')) return `${ip.split(':').slice(0, 3).join(':')}::/48`;
  return ip;
}

export function lockSecondsFor(failures: number): number {
  if (failures < ACCOUNT_FAILURES_BEFORE_LOCK) return 0;
  return Math.min(LOCK_BASE_SECONDS * 2 ** (failures - ACCOUNT_FAILURES_BEFORE_LOCK), LOCK_MAX_SECONDS);
}

export async function ipIsBlocked(em: EntityManager, ip: string | null): Promise<boolean> {
  if (!ip) return false;
  const row = await queryOne<{ n: string }>(
    em,
    `select count(*) as n from sign_in_attempts where ip = ? and not succeeded and at > now() - interval '${IP_WINDOW_MINUTES} minutes'`,
    [ip],
  );
  return Number(row?.n ?? 0) >= IP_FAILURES_BEFORE_BLOCK;
}

/** Records a failure; returns the lock (if any) now in force on the account. */
export async function recordFailure(em: EntityManager, userId: string | null, ip: string | null): Promise<{ lockedUntil: Date | null }> {
  await query(em, `insert into sign_in_attempts (user_id, ip, ip_range, succeeded) values (?, ?, ?, false)`, [userId, ip, ipRange(ip)]);
  let lockedUntil: Date | null = null;
  if (userId) {
    const row = await queryOne<{ failures: number }>(em, `update users set failed_sign_ins = failed_sign_ins + 1 where id = ? returning failed_sign_ins as failures`, [userId]);
    const failures = row?.failures ?? 0;
    const seconds = lockSecondsFor(failures);
    if (seconds > 0) {
      lockedUntil = new Date(Date.now() + seconds * 1000);
      await query(em, `update users set locked_until = ? where id = ?`, [lockedUntil, userId]);
      if (failures === ACCOUNT_FAILURES_BEFORE_LOCK) await raiseAlert(em, 'BRUTE_FORCE', userId, ip, { failures, scope: 'account' });
    }
  }
  if (ip) {
    const row = await queryOne<{ n: string }>(
      em,
      `select count(*) as n from sign_in_attempts where ip = ? and not succeeded and at > now() - interval '${IP_WINDOW_MINUTES} minutes'`,
      [ip],
    );
    if (Number(row?.n) === IP_FAILURES_BEFORE_BLOCK) await raiseAlert(em, 'BRUTE_FORCE', null, ip, { failures: IP_FAILURES_BEFORE_BLOCK, scope: 'ip' });
  }
  return { lockedUntil };
}

/** Records a success, clears the failure count, and raises NEW_IP_RANGE when the account never used this range. */
export async function recordSuccess(em: EntityManager, userId: string, ip: string | null): Promise<{ newIpRange: boolean }> {
  const range = ipRange(ip);
  let newIpRange = false;
  if (range) {
    const seenBefore = await queryOne<{ any: boolean; same: boolean }>(
      em,
      `select bool_or(true) as any, bool_or(ip_range = ?) as same from sign_in_attempts where user_id = ? and succeeded`,
      [range, userId],
    );
    newIpRange = Boolean(seenBefore?.any) && !seenBefore?.same;
    if (newIpRange) await raiseAlert(em, 'NEW_IP_RANGE', userId, ip, { ipRange: range });
  }
  await query(em, `insert into sign_in_attempts (user_id, ip, ip_range, succeeded) values (?, ?, ?, true)`, [userId, ip, range]);
  await query(em, `update users set failed_sign_ins = 0, locked_until = null where id = ?`, [userId]);
  return { newIpRange };
}

export type AlertState = 'OPEN' | 'ACKNOWLEDGED' | 'RESOLVED';

export interface AlertRecord {
  id: string;
  kind: AlertKind;
  userId: string | null;
  ip: string | null;
  detail: Record<string, unknown>;
  createdAt: Date;
  state: AlertState;
  acknowledgedAt: Date | null;
  acknowledgedBy: string | null;
  resolvedAt: Date | null;
  resolvedBy: string | null;
  resolutionNote: string | null;
}

export const ALERT_COLUMNS = `id, kind, user_id as "userId", ip, detail, created_at as "createdAt", state,
  acknowledged_at as "acknowledgedAt", acknowledged_by as "acknowledgedBy", resolved_at as "resolvedAt",
  resolved_by as "resolvedBy", resolution_note as "resolutionNote"`;

export function listAlerts(em: EntityManager, opts: { since?: Date | null; kind?: string | null; state?: AlertState | null; limit: number }): Promise<AlertRecord[]> {
  return query<AlertRecord>(
    em,
    `select ${ALERT_COLUMNS} from security_alerts
      where created_at >= ? and (?::text is null or kind = ?) and (?::text is null or state = ?) order by created_at desc limit ?`,
    [opts.since ?? new Date(0), opts.kind ?? null, opts.kind ?? null, opts.state ?? null, opts.state ?? null, opts.limit],
  );
}
