// Token revocation, so a token stops working within seconds of sign-out, session revocation, refresh-token
// reuse, deactivation or partner revocation instead of living out its 10 (users) or 30 (partners) minutes.
// Identity writes entries to Redis (each expiring with the longest token lifetime) and publishes them on
// one channel; every verifier (router and subgraphs) checks them after the signature through a small local
// cache (CACHE_MS) that the published message updates at once, and the router closes the WebSockets of a
// revoked session (4401). A key still in use is re-read in the background before its answer expires, so
// requests do not wait for Redis in series (the bound stays CACHE_MS). Without Redis (the embedded single-process start) one in-process list serves all.
//
// Beyond CACHE_MS an answer is kept while the feed is provably complete: every revoke() counts itself in
// REVOCATION_COUNT_KEY in the same MULTI as its message, and each verifier reads that count every
// FEED_CHECK_MS; when the count grew by exactly the messages it received, it missed none, so what it read
// (after the count it started from) plus what the messages told it is still the truth as of that check. A
// caller who comes back every few seconds (a chat user's next message, a subscriber's next event) then costs
// no Redis read. Any mismatch (a dropped subscriber connection, a restarted Redis) starts a new count and
// answers fall back to CACHE_MS; so does a check that fails. No answer is ever older than CACHE_MS unconfirmed.
//
// Per-user cutoffs ("every token of this user issued before T") cover tokens without a session id, i.e.
// Azure AD access tokens: they are set on sign-out everywhere, password change/reset, deactivation and an
// admin's "revoke all sessions", and kept for longer than Azure AD tokens live.
//
// Redis unreachable: a verifier answers from what it last knew for at most `maxStalenessSeconds`
// (REVOCATION_MAX_STALENESS_SECONDS, default 30); after that it refuses revocable tokens (UNAUTHENTICATED,
// reason REVOCATION_UNAVAILABLE) until Redis answers again, so a revocation is never missed for long.
import { EventEmitter } from 'node:events';
import { Redis } from 'ioredis';
import type { Logger } from './logger.ts';
import type { Viewer } from './auth.ts';
import { DomainError } from './errors.ts';
import { createRedis } from './pubsub.ts';
import { redisSpan, type TraceContext } from './telemetry.ts';

export const REVOCATION_CHANNEL = 'clinic:token-revocations';
/** Longest access-token lifetime (partners: 30 min) plus clock skew: after it, every revoked token has expired anyway. */
export const REVOCATION_TTL_SECONDS = 31 * 60;
/** Per-user cutoffs outlive every Azure AD access token (60–90 min by default, at most 28 h with CAE). */
export const USER_CUTOFF_TTL_SECONDS = 28 * 60 * 60;
export const DEFAULT_REVOCATION_MAX_STALENESS_SECONDS = 30;
/** How long a verifier trusts its local answer when no message arrives (a missed message costs at most this). */
const CACHE_MS = 1_000;
/**
 * A key checked again within this long of its answer expiring is re-read in the background (one MGET for
 * all such keys), so a caller who keeps sending requests never waits for Redis, and no answer is ever
 * older than CACHE_MS: the bound is unchanged, only who waits for the read is.
 */
const REFRESH_AHEAD_MS = 400;
const CACHE_MAX = 10_000;
/** Counts every revoke() (see the top of the file). */
export const REVOCATION_COUNT_KEY = 'revoked:count';
/** How often a verifier compares that count with the messages it received. */
const FEED_CHECK_MS = 400;
/** Checks in a row that find messages missing before the feed counts again from scratch. */
const FEED_GAPS_BEFORE_RESTART = 3;

export type Revocation =
  /** One session (sign-out, revoked by the user, refresh-token reuse, password change/reset). */
  | { kind: 'session'; sessionId: string }
  /**
   * Every token of the user issued before `notBefore` (epoch seconds), Azure AD ones included, except those
   * of `exceptSessionId` (the session that changed the password keeps going).
   */
  | { kind: 'user'; userId: string; notBefore: number; exceptSessionId?: string | null }
  /** Every token of the partner client issued before `notBefore` (epoch seconds). */
  | { kind: 'partner'; clientId: string; notBefore: number };

/**
 * The cutoff for "everything issued so far", in fractional epoch seconds. Our tokens carry their issue time
 * in milliseconds (`iat_ms`), so a token issued a moment later survives; Azure AD tokens only have whole
 * seconds, so one issued within the same second is cut off too (the safe side).
 */
export const revocationCutoff = (nowMs = Date.now()): number => nowMs / 1000;

/** What the check needs from a verified token. */
export interface RevocableToken {
  kind: 'user' | 'partner';
  /** User id or partner client id. */
  subject: string;
  sessionId: string | null;
  /** When issued, epoch seconds (fractional when the token says so in `iat_ms`). */
  issuedAt: number;
}

export interface RevocationCheck {
  /** `trace`: the request's trace context; a read from Redis is a span of it (of the first request asking in a batch). */
  isRevoked(token: RevocableToken, trace?: TraceContext): Promise<boolean>;
}

export interface RevocationList extends RevocationCheck {
  revoke(entries: Revocation[]): Promise<void>;
  /** Called for every revocation, from any process; returns an unsubscribe function. */
  onRevoked(listener: (revocation: Revocation) => void): () => void;
  close(): Promise<void>;
}

const keyOf = (r: Revocation): string =>
  r.kind === 'session' ? `revoked:sid:${r.sessionId}` : r.kind === 'user' ? `revoked:user:${r.userId}` : `revoked:partner:${r.clientId}`;
const valueOf = (r: Revocation): string =>
  r.kind === 'session' ? '1' : r.kind === 'user' && r.exceptSessionId ? `${r.notBefore}:${r.exceptSessionId}` : String(r.notBefore);
const ttlOf = (r: Revocation): number => (r.kind === 'user' ? USER_CUTOFF_TTL_SECONDS : REVOCATION_TTL_SECONDS);

/** Is a token (iat, session) cut off by this "not before" entry? */
function cutOff(issuedAtSeconds: number, sessionId: string | null, value: string): boolean {
  const [notBefore, exceptSessionId] = value.split(':');
  if (exceptSessionId && sessionId === exceptSessionId) return false;
  return issuedAtSeconds < Number(notBefore);
}

function keysOf(token: RevocableToken): string[] {
  const keys = [token.kind === 'user' ? `revoked:user:${token.subject}` : `revoked:partner:${token.subject}`];
  if (token.sessionId) keys.push(`revoked:sid:${token.sessionId}`);
  return keys;
}

function revokedBy(token: RevocableToken, key: string, value: string | null): boolean {
  if (value === null) return false;
  if (key.startsWith('revoked:sid:')) return true;
  return cutOff(token.issuedAt, token.sessionId, value);
}

/** Does this revocation end this viewer's token? (The router uses it for open WebSockets.) */
export function revocationMatches(viewer: Viewer, r: Revocation): boolean {
  if (viewer.kind === 'user') {
    if (r.kind === 'session') return viewer.sessionId === r.sessionId;
    return r.kind === 'user' && viewer.userId === r.userId && cutOff((viewer.issuedAt ?? 0) / 1000, viewer.sessionId, valueOf(r));
  }
  if (viewer.kind === 'partner') return r.kind === 'partner' && viewer.clientId === r.clientId && cutOff((viewer.issuedAt ?? 0) / 1000, null, valueOf(r));
  return false;
}

function parseMessage(message: string): Revocation[] {
  try {
    const parsed = JSON.parse(message) as unknown;
    return Array.isArray(parsed) ? (parsed as Revocation[]).filter((r) => r && typeof r === 'object' && typeof r.kind === 'string') : [];
  } catch {
    return [];
  }
}

/** The one in-process list of a process without Redis (every service of the embedded start shares it). */
const local = { entries: new Map<string, { value: string; expiresAt: number }>(), events: new EventEmitter().setMaxListeners(0) };

function createLocalRevocationList(): RevocationList {
  return {
    async revoke(entries) {
      for (const r of entries) local.entries.set(keyOf(r), { value: valueOf(r), expiresAt: Date.now() + ttlOf(r) * 1000 });
      for (const r of entries) local.events.emit('revoked', r);
    },
    async isRevoked(token) {
      const now = Date.now();
      return keysOf(token).some((key) => {
        const entry = local.entries.get(key);
        if (entry && entry.expiresAt <= now) local.entries.delete(key);
        return Boolean(entry && entry.expiresAt > now && revokedBy(token, key, entry.value));
      });
    },
    onRevoked(listener) {
      local.events.on('revoked', listener);
      return () => local.events.off('revoked', listener);
    },
    async close() {},
  };
}

export interface RevocationListOptions {
  logger?: Logger;
  name?: string;
  /** How long answers from the last known entries are acceptable while Redis is unreachable. */
  maxStalenessSeconds?: number;
  /** The clock (ms); tests move it instead of sleeping. */
  now?: () => number;
}

/** Raised instead of an answer when the list has been unreachable for longer than the staleness allowed. */
export const revocationUnavailable = () =>
  new DomainError('UNAUTHENTICATED', 'Sign-in cannot be checked right now; try again in a moment', { reason: 'REVOCATION_UNAVAILABLE', retryable: true });

export function createRevocationList(redisUrl: string | null, opts: RevocationListOptions = {}): RevocationList {
  if (!redisUrl) return createLocalRevocationList();
  const name = opts.name ?? 'service';
  const clock = opts.now ?? Date.now;
  const maxStalenessMs = (opts.maxStalenessSeconds ?? DEFAULT_REVOCATION_MAX_STALENESS_SECONDS) * 1000;
  /** When Redis last answered a check (a process just started gets the same grace as one that just lost it). */
  let confirmedAt = clock();
  // Commands wait for the connection (a process just started checks too) but never long: a sign-out must
  // not hang while Redis is away, and a check must not stall every request.
  const client = new Redis(redisUrl, { connectionName: `${name}-revocations`, maxRetriesPerRequest: 1, commandTimeout: 500, enableOfflineQueue: true });
  client.on('error', () => {});
  let subscriber: Redis | null = null;
  const events = new EventEmitter().setMaxListeners(0);
  /** `learnedAt`: when Redis was asked (a read) or the message arrived: what the answer is true as of. */
  const cache = new Map<string, { value: string | null; until: number; learnedAt: number }>();
  let warnedAt = 0;

  // The feed's completeness (see the top of the file): messages received, and the count and time it is checked from.
  let received = 0;
  let feed: { count: number; received: number; since: number; gaps: number } | null = null;
  /** When the last check found the feed complete since `feed.since` (0: not confirmed). */
  let feedConfirmedAt = 0;
  const checkFeed = async () => {
    const askedAt = clock();
    try {
      const count = Number((await client.get(REVOCATION_COUNT_KEY)) ?? 0);
      confirmedAt = clock();
      if (feed && count - feed.count === received - feed.received) {
        feedConfirmedAt = askedAt;
        feed.gaps = 0;
      } else if (!feed || count < feed.count || ++feed.gaps >= FEED_GAPS_BEFORE_RESTART) {
        // A message in flight makes a gap for a moment; one that stays was missed: count again from here, and
        // what was learned before is re-read once its second is up.
        feed = { count, received, since: askedAt, gaps: 0 };
        feedConfirmedAt = 0;
      }
    } catch {
      // Unanswered: nothing is confirmed, answers fall back to CACHE_MS (and the staleness rule).
      feed = null;
      feedConfirmedAt = 0;
    }
  };
  let checking: Promise<void> | null = null;
  const feedTimer = setInterval(() => {
    checking ??= checkFeed().finally(() => (checking = null));
  }, FEED_CHECK_MS).unref();
  /** Is this answer still the truth (within the bound) without reading Redis again? */
  const current = (entry: { until: number; learnedAt: number } | undefined, now: number) =>
    entry !== undefined && (entry.until > now || (feed !== null && feedConfirmedAt > 0 && entry.learnedAt >= feed.since && now - feedConfirmedAt <= CACHE_MS));

  const remember = (key: string, value: string | null, learnedAt = clock()) => {
    if (cache.size >= CACHE_MAX) cache.clear();
    cache.set(key, { value, until: clock() + CACHE_MS, learnedAt });
  };
  /** Answers read from Redis (asked at `askedAt`); a read sent before a revocation arrived by message must not undo it. */
  const rememberRead = (key: string, value: string | null, askedAt: number) => {
    const known = cache.get(key)?.value;
    remember(key, value === null && known != null ? known : value, askedAt);
  };
  const dueForRefresh = new Set<string>();
  let refreshing = false;
  const refreshAhead = () => {
    if (refreshing || !dueForRefresh.size) return;
    refreshing = true;
    setImmediate(() => {
      const keys = [...dueForRefresh];
      dueForRefresh.clear();
      const askedAt = clock();
      client
        .mget(...keys)
        .then((values) => {
          confirmedAt = clock();
          keys.forEach((key, i) => rememberRead(key, values[i] ?? null, askedAt));
        })
        // Unanswered: the keys expire as usual and the next check reads (or applies the staleness rule).
        .catch(() => {})
        .finally(() => {
          refreshing = false;
          refreshAhead();
        });
    });
  };
  const listen = () => {
    if (subscriber) return;
    subscriber = createRedis(redisUrl, `${name}-revocations-sub`);
    subscriber.on('error', () => {});
    // Messages published while the subscriber is away are lost: nothing learned before counts as complete.
    subscriber.on('close', () => {
      feed = null;
      feedConfirmedAt = 0;
    });
    subscriber.on('message', (_channel: string, message: string) => {
      received += 1;
      for (const r of parseMessage(message)) {
        remember(keyOf(r), valueOf(r));
        events.emit('revoked', r);
      }
    });
    void subscriber.subscribe(REVOCATION_CHANNEL).catch((error: unknown) => opts.logger?.warn({ err: error }, 'could not subscribe to token revocations'));
  };
  listen();

  // Keys missing from the cache, asked for within one turn of the event loop, are read together: one event
  // re-checks every subscriber's token (the kit's subscriptions.ts), and a thousand subscribers whose
  // answers have expired then cost one MGET, not a thousand.
  let reading: { keys: Set<string>; done: Promise<void> } | null = null;
  const read = (keys: string[], trace: TraceContext | undefined): Promise<void> => {
    if (!reading) {
      const batch = new Set<string>();
      const done = new Promise<void>((resolve, reject) =>
        setImmediate(() => {
          reading = null;
          const all = [...batch];
          const askedAt = clock();
          redisSpan(trace, 'mget', () => client.mget(...all)).then((values) => {
            confirmedAt = clock();
            all.forEach((key, i) => rememberRead(key, values[i] ?? null, askedAt));
            resolve();
          }, reject);
        }),
      );
      reading = { keys: batch, done };
    }
    for (const key of keys) reading.keys.add(key);
    return reading.done;
  };

  return {
    async revoke(entries) {
      if (!entries.length) return;
      const multi = client.multi();
      for (const r of entries) multi.set(keyOf(r), valueOf(r), 'EX', ttlOf(r));
      multi.incr(REVOCATION_COUNT_KEY);
      multi.publish(REVOCATION_CHANNEL, JSON.stringify(entries));
      await multi.exec();
      for (const r of entries) remember(keyOf(r), valueOf(r));
    },
    async isRevoked(token, trace) {
      const keys = keysOf(token);
      const now = clock();
      const missing = keys.filter((key) => !current(cache.get(key), now));
      for (const key of keys) {
        const entry = cache.get(key);
        if (entry && entry.until > now && entry.until - now <= REFRESH_AHEAD_MS && !current({ until: 0, learnedAt: entry.learnedAt }, now)) dueForRefresh.add(key);
      }
      refreshAhead();
      if (missing.length) {
        try {
          await read(missing, trace);
        } catch (error) {
          // Redis away: a short outage is answered from what was last known (refusing every request for a
          // blip would sign everyone out); a longer one fails closed, since revocations may be missed.
          const stale = clock() - confirmedAt > maxStalenessMs;
          if (now - warnedAt > 10_000) {
            warnedAt = now;
            opts.logger?.warn({ err: error, stale }, stale ? 'token revocation list unreachable for too long; refusing tokens' : 'token revocation list unreachable; using the last known entries');
          }
          if (stale) throw revocationUnavailable();
        }
      }
      return keys.some((key) => revokedBy(token, key, cache.get(key)?.value ?? null));
    },
    onRevoked(listener) {
      events.on('revoked', listener);
      return () => events.off('revoked', listener);
    },
    async close() {
      clearInterval(feedTimer);
      events.removeAllListeners();
      subscriber?.disconnect();
      client.disconnect();
    },
  };
}
