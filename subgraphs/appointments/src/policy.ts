// The clinic's booking policy: notice, horizon, deadlines and hold times. Settings, not constants, so a
// clinic can tune them per deployment (environment variables, read once at start).
import { ConfigError } from '@clinic/service-kit';

export interface BookingPolicy {
  /** Slots starting sooner than this are not offered. */
  minNoticeMinutes: number;
  /** Slots further ahead than this are not offered. */
  horizonDays: number;
  /** Patients cannot cancel or reschedule an approved appointment within this many hours of its start. */
  changeDeadlineHours: number;
  /** An undecided request releases its slot after this long. */
  requestTtlHours: number;
  /** How long a waiting-list offer is held for one patient before the next one is asked. */
  waitlistOfferMinutes: number;
  /** Largest search range in one query. */
  maxSearchDays: number;
}

export const DEFAULT_POLICY: BookingPolicy = {
  minNoticeMinutes: 60,
  horizonDays: 90,
  changeDeadlineHours: 24,
  requestTtlHours: 48,
  waitlistOfferMinutes: 30,
  maxSearchDays: 62,
};

function positive(env: Record<string, string | undefined>, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) throw new ConfigError(`${name} must be a non-negative integer (got "${raw}")`);
  return value;
}

export function loadBookingPolicy(env: Record<string, string | undefined> = process.env): BookingPolicy {
  return {
    minNoticeMinutes: positive(env, 'BOOKING_MIN_NOTICE_MINUTES', DEFAULT_POLICY.minNoticeMinutes),
    horizonDays: positive(env, 'BOOKING_HORIZON_DAYS', DEFAULT_POLICY.horizonDays),
    changeDeadlineHours: positive(env, 'BOOKING_CHANGE_DEADLINE_HOURS', DEFAULT_POLICY.changeDeadlineHours),
    requestTtlHours: positive(env, 'BOOKING_REQUEST_TTL_HOURS', DEFAULT_POLICY.requestTtlHours),
    waitlistOfferMinutes: positive(env, 'WAITLIST_OFFER_MINUTES', DEFAULT_POLICY.waitlistOfferMinutes),
    maxSearchDays: DEFAULT_POLICY.maxSearchDays,
  };
}

/** What domain operations need besides the database: the policy and a clock tests can move. */
export interface Clinic {
  policy: BookingPolicy;
  now(): Date;
}
