// Token revocation, so a token stops working within seconds of sign-out, session revocation, refresh-token
// reuse, deactivation or partner revocation instead of living out its 10 (users) or 30 (partners) minutes.
// Identity writes entries to Redis (each expiring with the longest token lifetime) and publishes them on
// one channel; every verifier (router and subgraphs) checks them after the signature through a small local
// cache (CACHE_MS) that the published message updates at once, and the router closes the WebSockets of a
// revoked session (4401). Without Redis (the embedded single-process start) one in-process list serves all.
import { EventEmitter } from 'node:events';
import { Redis } from 'ioredis';
import type { Logger } from './logger.ts';
import type { Viewer } from './auth.ts';
import { createRedis } from './pubsub.ts';

export const REVOCATION_CHANNEL = 'clinic:token-revocations';
/** Longest access-token lifetime (partners: 30 min) plus clock skew: after it, every revoked token has expired anyway. */
export const REVOCATION_TTL_SECONDS = 31 * 60;
/** How long a verifier trusts its local answer when no message arrives (a missed message costs at most this). */
const CACHE_MS = 1_000;
const CACHE_MAX = 10_000;

export type Revocation =
  /** One session (sign-out, revoked by the user, refresh-token reuse, password change/reset). */
  | { kind: 'session'; sessionId: string }
  /** Every token of the user issued at or before `notBefore` (epoch seconds): deactivation. */
  | { kind: 'user'; userId: string; notBefore: number }
  /** Every token of the partner client issued at or before `notBefore` (epoch seconds). */
  | { kind: 'partner'; clientId: string; notBefore: number };

/** What the check needs from a verified token. */
export interface RevocableToken {
  kind: 'user' | 'partner';
  /** User id or partner client id. */
  subject: string;
  sessionId: string | null;
  /** `iat`, epoch seconds. */
  issuedAt: number;
}

export interface RevocationCheck {
  isRevoked(token: RevocableToken): Promise<boolean>;
}

export interface RevocationList extends RevocationCheck {
  revoke(entries: Revocation[]): Promise<void>;
  /** Called for every revocation, from any process; returns an unsubscribe function. */
  onRevoked(listener: (revocation: Revocation) => void): () => void;
  close(): Promise<void>;
}

const keyOf = (r: Revocation): string =>
  r.kind === 'session' ? `revoked:sid:${r.sessionId}` : r.kind === 'user' ? `revoked:user:${r.userId}` : `revoked:partner:${r.clientId}`;
const valueOf = (r: Revocation): string => (r.kind === 'session' ? '1' : String(r.notBefore));

function keysOf(token: RevocableToken): string[] {
  const keys = [token.kind === 'user' ? `revoked:user:${token.subject}` : `revoked:partner:${token.subject}`];
  if (token.sessionId) keys.push(`revoked:sid:${token.sessionId}`);
  return keys;
}

function revokedBy(token: RevocableToken, key: string, value: string | null): boolean {
  if (value === null) return false;
  if (key.startsWith('revoked:sid:')) return true;
  return token.issuedAt <= Number(value);
}

/** Does this revocation end this viewer's token? (The router uses it for open WebSockets.) */
export function revocationMatches(viewer: Viewer, r: Revocation): boolean {
  if (viewer.kind === 'user') {
    if (r.kind === 'session') return viewer.sessionId === r.sessionId;
    return r.kind === 'user' && viewer.userId === r.userId && (viewer.issuedAt ?? 0) <= r.notBefore * 1000;
  }
  if (viewer.kind === 'partner') return r.kind === 'partner' && viewer.clientId === r.clientId && (viewer.issuedAt ?? 0) <= r.notBefore * 1000;
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
      const expiresAt = Date.now() + REVOCATION_TTL_SECONDS * 1000;
      for (const r of entries) local.entries.set(keyOf(r), { value: valueOf(r), expiresAt });
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

export function createRevocationList(redisUrl: string | null, opts: { logger?: Logger; name?: string } = {}): RevocationList {
  if (!redisUrl) return createLocalRevocationList();
  const name = opts.name ?? 'service';
  // Commands wait for the connection (a process just started checks too) but never long: a sign-out must
  // not hang while Redis is away, and a check must not stall every request.
  const client = new Redis(redisUrl, { connectionName: `${name}-revocations`, maxRetriesPerRequest: 1, commandTimeout: 500, enableOfflineQueue: true });
  client.on('error', () => {});
  let subscriber: Redis | null = null;
  const events = new EventEmitter().setMaxListeners(0);
  const cache = new Map<string, { value: string | null; until: number }>();
  let warnedAt = 0;

  const remember = (key: string, value: string | null) => {
    if (cache.size >= CACHE_MAX) cache.clear();
    cache.set(key, { value, until: Date.now() + CACHE_MS });
  };
  const listen = () => {
    if (subscriber) return;
    subscriber = createRedis(redisUrl, `${name}-revocations-sub`);
    subscriber.on('error', () => {});
    subscriber.on('message', (_channel: string, message: string) => {
      for (const r of parseMessage(message)) {
        remember(keyOf(r), valueOf(r));
        events.emit('revoked', r);
      }
    });
    void subscriber.subscribe(REVOCATION_CHANNEL).catch((error: unknown) => opts.logger?.warn({ err: error }, 'could not subscribe to token revocations'));
  };
  listen();

  return {
    async revoke(entries) {
      if (!entries.length) return;
      const multi = client.multi();
      for (const r of entries) multi.set(keyOf(r), valueOf(r), 'EX', REVOCATION_TTL_SECONDS);
      multi.publish(REVOCATION_CHANNEL, JSON.stringify(entries));
      await multi.exec();
      for (const r of entries) remember(keyOf(r), valueOf(r));
    },
    async isRevoked(token) {
      const keys = keysOf(token);
      const now = Date.now();
      const missing = keys.filter((key) => (cache.get(key)?.until ?? 0) <= now);
      if (missing.length) {
        try {
          const values = await client.mget(...missing);
          missing.forEach((key, i) => remember(key, values[i] ?? null));
        } catch (error) {
          // Redis away: answer from what was last known rather than refuse every request; say so.
          if (now - warnedAt > 10_000) {
            warnedAt = now;
            opts.logger?.warn({ err: error }, 'token revocation list unreachable; using the last known entries');
          }
        }
      }
      return keys.some((key) => revokedBy(token, key, cache.get(key)?.value ?? null));
    },
    onRevoked(listener) {
      events.on('revoked', listener);
      return () => events.off('revoked', listener);
    },
    async close() {
      events.removeAllListeners();
      subscriber?.disconnect();
      client.disconnect();
    },
  };
}
