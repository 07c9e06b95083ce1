// Key material helpers and the pinned-key mode: JWT_PRIVATE_JWK from the environment. Without it identity
// keeps its keys in its database (key-store.ts), encrypted with JWT_KEYS_ENCRYPTION_KEY; outside production
// that encryption key may be generated once under <DATA_DIR or .data>/keys/ (developer convenience).
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { ConfigError } from '@clinic/service-kit';
import { exportJWK, importJWK, type JWK, type KeyLike } from 'jose';

export interface SigningKey {
  kid: string;
  privateKey: KeyLike;
  publicKey: KeyLike;
  /** The public half as published in the JWKS. */
  publicJwk: JWK;
}

export async function fromPrivateJwk(jwk: JWK): Promise<SigningKey> {
  if (!jwk.kid) throw new Error('JWT_PRIVATE_JWK must carry a "kid"');
  const privateKey = (await importJWK({ ...jwk, alg: 'ES256' }, 'ES256')) as KeyLike;
  const { d: _private, ...pub } = jwk;
  const publicKey = (await importJWK({ ...pub, alg: 'ES256' }, 'ES256')) as KeyLike;
  return { kid: jwk.kid, privateKey, publicKey, publicJwk: { ...pub, alg: 'ES256', use: 'sig' } };
}

/** Which key mode the environment asks for; production must configure one of the two. */
export function keySettings(env: Record<string, string | undefined>): { pinned: string } | { encryptionSecret: string } {
  if (env.JWT_PRIVATE_JWK) return { pinned: env.JWT_PRIVATE_JWK };
  const secret = env.JWT_KEYS_ENCRYPTION_KEY;
  if (secret) {
    if (secret.length < 32) throw new ConfigError('JWT_KEYS_ENCRYPTION_KEY must be at least 32 characters (e.g. openssl rand -base64 32)');
    return { encryptionSecret: secret };
  }
  if ((env.NODE_ENV ?? 'development') === 'production') {
    throw new ConfigError('identity needs its signing keys in production: set JWT_KEYS_ENCRYPTION_KEY (keys kept in the database, shared by replicas, rotatable) or JWT_PRIVATE_JWK');
  }
  // Development only: a generated encryption key kept with the other local data.
  const dir = path.join(env.DATA_DIR ?? '.data', 'keys');
  const file = path.join(dir, 'identity-keys-encryption-key');
  if (!existsSync(file)) {
    mkdirSync(dir, { recursive: true });
    writeFileSync(file, randomBytes(32).toString('base64'), { mode: 0o600 });
  }
  return { encryptionSecret: readFileSync(file, 'utf8').trim() };
}

/** A key given directly (tests: the stack's test keys, so the router trusts what identity signs). */
export async function signingKeyFrom(kid: string, privateKey: KeyLike): Promise<SigningKey> {
  return fromPrivateJwk({ ...(await exportJWK(privateKey)), kid });
}
