// Where expanded availability is kept: one Redis entry per (doctor, UTC day, emergency slots shown or not,
// doctor's availability version, clinic-wide version). Shared by every replica, so a change made through
// one replica is seen by all (the versions live in Postgres and move with the change itself). Redis is an
// optimisation only: when it is down or slow, every read is a miss and the search expands afresh.
import { Redis } from 'ioredis';
import { redisSpan, type Logger, type TraceContext } from '@clinic/service-kit';

/** A doctor's free slots starting in one UTC day, as computed at `computedAt`. */
export interface DayEntry {
  computedAt: number;
  /** The earliest expiry of a waiting-list hold counted as busy: after it the entry no longer holds. */
  validUntil: number | null;
  /**
   * Flat, four values a slot, in the order the expansion gives: start, end (epoch ms), consultationType,
   * emergency 0|1. Flat because a search parses many entries and shows few of their slots.
   */
  slots: (number | string)[];
}

/** Entries of versions nobody asks for any more fade out by themselves. */
const ENTRY_TTL_MS = 15 * 60_000;
const ERROR_LOG_EVERY_MS = 30_000;

export class AvailabilityCache {
  /** Off: every search expands afresh (the bench compares both in one run). */
  enabled = true;
  readonly stats = { hits: 0, misses: 0, errors: 0 };
  private readonly redis: Redis;
  private lastErrorLog = 0;

  constructor(
    redisUrl: string,
    private readonly prefix: string,
    private readonly logger?: Logger,
  ) {
    // No offline queue: while Redis is away a command fails at once and the search falls back to Postgres.
    this.redis = new Redis(redisUrl, { connectionName: 'appointments-availability', enableOfflineQueue: false, maxRetriesPerRequest: 0, commandTimeout: 250, lazyConnect: false });
    this.redis.on('error', (error) => this.failed(error));
  }

  key(doctorId: string, timeZone: string, day: number, includeEmergency: boolean, version: string, clinicVersion: string): string {
    // `availability2`: entries of the earlier shape (a list of tuples) are never read as this one.
    return `${this.prefix}availability2:${doctorId}:${version}:${clinicVersion}:${timeZone}:${day}:${includeEmergency ? 1 : 0}`;
  }

  /**
   * Entries for the keys; null where missing, unusable at `now`, or Redis could not answer. `trace`: the
   * search's trace context (traceOfEntityManager), so a sampled search shows the read as a span.
   */
  async read(keys: string[], now: number, trace?: TraceContext): Promise<(DayEntry | null)[]> {
    if (!keys.length) return [];
    let raw: (string | null)[];
    try {
      raw = await redisSpan(trace, 'mget', () => this.redis.mget(...keys));
    } catch (error) {
      this.failed(error);
      return keys.map(() => null);
    }
    return raw.map((value) => {
      const entry = value ? (JSON.parse(value) as DayEntry) : null;
      // A hold that has expired since (or a clock set back before the entry was made) invalidates it.
      const usable = entry && now >= entry.computedAt && (entry.validUntil === null || now < entry.validUntil);
      if (usable) this.stats.hits += 1;
      else this.stats.misses += 1;
      return usable ? entry : null;
    });
  }

  async write(entries: [string, DayEntry][], trace?: TraceContext): Promise<void> {
    if (!entries.length) return;
    const batch = this.redis.pipeline();
    for (const [key, entry] of entries) batch.set(key, JSON.stringify(entry), 'PX', ENTRY_TTL_MS);
    try {
      await redisSpan(trace, 'set', () => batch.exec());
    } catch (error) {
      this.failed(error);
    }
  }

  async close(): Promise<void> {
    this.redis.disconnect();
  }

  private failed(error: unknown): void {
    this.stats.errors += 1;
    const now = Date.now();
    if (now - this.lastErrorLog < ERROR_LOG_EVERY_MS) return;
    this.lastErrorLog = now;
    this.logger?.warn({ err: error instanceof Error ? error.message : String(error) }, 'availability cache unavailable; searching without it');
  }
}
