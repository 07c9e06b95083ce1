// The identity service's signing key: JWT_PRIVATE_JWK from the environment, else one generated on first
// start in development or test and kept under <DATA_DIR or .data>/keys/ so restarts keep issuing verifiable
// tokens. Production refuses to start without the configured key.
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { ConfigError, parseNodeEnv } from '@clinic/service-kit';
import { exportJWK, generateKeyPair, importJWK, type JWK, type KeyLike } from 'jose';

export interface SigningKey {
  kid: string;
  privateKey: KeyLike;
  publicKey: KeyLike;
  /** The public half as published in the JWKS. */
  publicJwk: JWK;
}

async function fromPrivateJwk(jwk: JWK): Promise<SigningKey> {
  if (!jwk.kid) throw new Error('JWT_PRIVATE_JWK must carry a "kid"');
  const privateKey = (await importJWK({ ...jwk, alg: 'ES256' }, 'ES256')) as KeyLike;
  const { d: _private, ...pub } = jwk;
  const publicKey = (await importJWK({ ...pub, alg: 'ES256' }, 'ES256')) as KeyLike;
  return { kid: jwk.kid, privateKey, publicKey, publicJwk: { ...pub, alg: 'ES256', use: 'sig' } };
}

/** A key made up by one process is a secret nobody manages and other replicas cannot share: not in production. */
export function requireSigningKeyConfig(env: Record<string, string | undefined>): void {
  if (!env.JWT_PRIVATE_JWK && parseNodeEnv(env.NODE_ENV) === 'production') {
    throw new ConfigError('JWT_PRIVATE_JWK is required in production (NODE_ENV unset means production)');
  }
}

export async function loadSigningKey(env: Record<string, string | undefined> = process.env): Promise<SigningKey> {
  if (env.JWT_PRIVATE_JWK) return fromPrivateJwk(JSON.parse(env.JWT_PRIVATE_JWK) as JWK);
  requireSigningKeyConfig(env);
  const dir = path.join(env.DATA_DIR ?? '.data', 'keys');
  const file = path.join(dir, 'identity-signing-key.json');
  if (existsSync(file)) return fromPrivateJwk(JSON.parse(readFileSync(file, 'utf8')) as JWK);
  const { privateKey } = await generateKeyPair('ES256', { extractable: true });
  const jwk = { ...(await exportJWK(privateKey)), kid: randomUUID(), alg: 'ES256' };
  mkdirSync(dir, { recursive: true });
  writeFileSync(file, JSON.stringify(jwk), { mode: 0o600 });
  return fromPrivateJwk(jwk);
}

/** A key given directly (tests: the stack's test keys, so the router trusts what identity signs). */
export async function signingKeyFrom(kid: string, privateKey: KeyLike): Promise<SigningKey> {
  return fromPrivateJwk({ ...(await exportJWK(privateKey)), kid });
}
