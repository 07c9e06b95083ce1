// identity's signing keys kept in its database, so every replica signs with the same key and a restart
// changes nothing. Private keys are encrypted (AES-256-GCM) with a key derived from the configured
// JWT_KEYS_ENCRYPTION_KEY. The JWKS publishes the current key, the next one (so verifiers know it before
// it signs anything) and recently retired ones (so tokens they signed verify until they expire).
//
// Rotation (rotateSigningKeys): current → retired, next → current, a new next. Replicas pick the change up
// within `refreshMs`; meanwhile they still sign with the retired key, which stays published, so no
// request fails during a rotation.
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes, randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import type { Logger } from '@clinic/service-kit';
import { query } from '../db.ts';
import { fromPrivateJwk, type SigningKey } from './keys.ts';

/** Longest token lifetime (partners, 30 min) plus the verifiers' JWKS cache (5 min), with margin. */
export const RETIRED_PUBLISHED_MS = 60 * 60 * 1000;
/** Retired keys are deleted after this (nothing they signed can still be valid). */
const RETIRED_KEPT_MS = 7 * 24 * 3600 * 1000;

export type KeyEncryptionKey = Buffer;

/** Derives the AES key from the configured secret (any string of at least 32 characters). */
export function keyEncryptionKey(secret: string): KeyEncryptionKey {
  return Buffer.from(hkdfSync('sha256', secret, 'clinic-identity', 'signing-keys', 32));
}

function encrypt(kek: KeyEncryptionKey, kid: string, jwk: JWK): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', kek, iv);
  cipher.setAAD(Buffer.from(kid));
  const body = Buffer.concat([cipher.update(JSON.stringify(jwk), 'utf8'), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64');
}

function decrypt(kek: KeyEncryptionKey, kid: string, sealed: string): JWK {
  const raw = Buffer.from(sealed, 'base64');
  const decipher = createDecipheriv('aes-256-gcm', kek, raw.subarray(0, 12));
  decipher.setAAD(Buffer.from(kid));
  decipher.setAuthTag(raw.subarray(12, 28));
  try {
    return JSON.parse(Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8')) as JWK;
  } catch {
    throw new Error(`signing key ${kid} cannot be decrypted: JWT_KEYS_ENCRYPTION_KEY differs from the one it was stored with`);
  }
}

async function newKeyRow(tx: EntityManager, kek: KeyEncryptionKey, state: 'current' | 'next'): Promise<void> {
  const { privateKey } = await generateKeyPair('ES256', { extractable: true });
  const kid = randomUUID();
  const jwk: JWK = { ...(await exportJWK(privateKey)), kid, alg: 'ES256' };
  const { d: _private, ...pub } = jwk;
  await query(
    tx,
    `insert into signing_keys (kid, state, private_jwk, public_jwk, activated_at) values (?, ?, ?, ?::jsonb, ${state === 'current' ? 'now()' : 'null'})`,
    [kid, state, encrypt(kek, kid, jwk), JSON.stringify({ ...pub, use: 'sig' })],
  );
}

const lock = (tx: EntityManager) => query(tx, `select pg_advisory_xact_lock(hashtext('identity-signing-keys'))`);

/** Makes sure a current and a next key exist (the first replica to start creates them). */
export async function ensureSigningKeys(em: EntityManager, kek: KeyEncryptionKey): Promise<void> {
  await em.fork().transactional(async (tx) => {
    await lock(tx);
    const states = (await query<{ state: string }>(tx, `select state from signing_keys where state in ('current', 'next')`)).map((r) => r.state);
    if (!states.includes('current')) await newKeyRow(tx, kek, 'current');
    if (!states.includes('next')) await newKeyRow(tx, kek, 'next');
  });
}

/** The rotation: current → retired, next → current, a fresh next; drops keys retired long ago. */
export async function rotateSigningKeys(em: EntityManager, kek: KeyEncryptionKey): Promise<{ retired: string | null; current: string; next: string }> {
  return em.fork().transactional(async (tx) => {
    await lock(tx);
    const [retired] = await query<{ kid: string }>(tx, `update signing_keys set state = 'retired', retired_at = now() where state = 'current' returning kid`);
    const promoted = await query<{ kid: string }>(tx, `update signing_keys set state = 'current', activated_at = now() where state = 'next' returning kid`);
    if (!promoted.length) await newKeyRow(tx, kek, 'current');
    await newKeyRow(tx, kek, 'next');
    await query(tx, `delete from signing_keys where state = 'retired' and retired_at < ?`, [new Date(Date.now() - RETIRED_KEPT_MS)]);
    const rows = await query<{ kid: string; state: string }>(tx, `select kid, state from signing_keys where state in ('current', 'next')`);
    return {
      retired: retired?.kid ?? null,
      current: rows.find((r) => r.state === 'current')!.kid,
      next: rows.find((r) => r.state === 'next')!.kid,
    };
  });
}

/** What a replica signs with and publishes; `current` may change under it after a rotation. */
export interface KeyRing {
  readonly current: SigningKey;
  /** Public keys to publish: current, next, recently retired. */
  publicJwks(): JWK[];
  /** Re-reads the store now (the periodic refresh does this every `refreshMs`). */
  refresh(): Promise<void>;
  close(): void;
}

/** A ring over one fixed key (JWT_PRIVATE_JWK, or the test stack's key): nothing to rotate. */
export function fixedKeyRing(key: SigningKey, extraPublic: JWK[] = []): KeyRing {
  return { current: key, publicJwks: () => [key.publicJwk, ...extraPublic], refresh: async () => {}, close: () => {} };
}

/** Opens the store: creates the first keys if needed, loads them, and refreshes every `refreshMs` (15 s). */
export async function openKeyStore(orm: MikroORM, kek: KeyEncryptionKey, opts: { refreshMs?: number; logger?: Logger } = {}): Promise<KeyRing> {
  await ensureSigningKeys(orm.em.fork(), kek);
  let current: SigningKey | null = null;
  let published: JWK[] = [];
  const load = async () => {
    const rows = await query<{ kid: string; state: string; private_jwk: string; public_jwk: JWK }>(
      orm.em.fork(),
      `select kid, state, private_jwk, public_jwk from signing_keys
        where state in ('current', 'next') or retired_at > ? order by created_at`,
      [new Date(Date.now() - RETIRED_PUBLISHED_MS)],
    );
    const row = rows.find((r) => r.state === 'current');
    if (!row) throw new Error('the signing-key store has no current key');
    if (current?.kid !== row.kid) current = await fromPrivateJwk(decrypt(kek, row.kid, row.private_jwk));
    published = rows.map((r) => ({ ...r.public_jwk, alg: 'ES256', use: 'sig' }));
  };
  await load();
  const timer = setInterval(() => {
    load().catch((error: unknown) => opts.logger?.warn({ err: error }, 'signing keys could not be refreshed; keeping the ones loaded'));
  }, opts.refreshMs ?? 15_000);
  timer.unref();
  return {
    get current() {
      return current!;
    },
    publicJwks: () => published,
    refresh: load,
    close: () => clearInterval(timer),
  };
}
