// Test helpers shared by every workspace: real Postgres and Redis from the environment (defaulting to
// localhost), a fresh schema per test file, and a key pair whose tokens every service under test trusts.
import { randomBytes, randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, SignJWT, type JWK, type KeyLike } from 'jose';
import { Client } from 'pg';
import { loadServiceConfig, type ServiceConfig } from '../config.ts';

export * from './graphql-client.ts';

export const TEST_DATABASE_URL = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/clinic_test';
export const TEST_REDIS_URL = process.env.REDIS_URL || 'redis://127.0.0.1:6379';

export interface TestKeys {
  kid: string;
  privateKey: KeyLike;
  jwksJson: string;
}

export async function createTestKeys(): Promise<TestKeys> {
  const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
  const kid = randomUUID();
  const jwk: JWK = { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' };
  return { kid, privateKey, jwksJson: JSON.stringify({ keys: [jwk] }) };
}

export async function signTestToken(
  keys: TestKeys,
  claims: { sub: string; roles?: string[]; permissions?: string[]; scope?: string; tokenUse?: 'access' | 'partner'; expiresIn?: string | number },
  opts: { issuer?: string; audience?: string } = {},
): Promise<string> {
  return new SignJWT({
    roles: claims.roles ?? [],
    permissions: claims.permissions ?? [],
    scope: claims.scope,
    token_use: claims.tokenUse ?? 'access',
  })
    .setProtectedHeader({ alg: 'ES256', kid: keys.kid })
    .setSubject(claims.sub)
    .setIssuer(opts.issuer ?? 'clinic-identity')
    .setAudience(opts.audience ?? 'clinic-api')
    .setIssuedAt()
    .setExpirationTime(claims.expiresIn ?? '5m')
    .sign(keys.privateKey);
}

export function uniqueSchema(service: string): string {
  return `t_${service}_${randomBytes(4).toString('hex')}`;
}

/** A config for a service under test: random port, its own throwaway schema, the test keys, real Postgres/Redis. */
export function testServiceConfig(service: string, keys: TestKeys, env: Record<string, string | undefined> = {}): ServiceConfig {
  return loadServiceConfig(service, 0, {
    NODE_ENV: 'test',
    DATABASE_URL: TEST_DATABASE_URL,
    REDIS_URL: TEST_REDIS_URL,
    DB_SCHEMA: uniqueSchema(service),
    ROUTER_SECRET: 'test-router-secret',
    JWKS_JSON: keys.jwksJson,
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent',
    DB_POOL_MAX: process.env.TEST_DB_POOL_MAX,
    ...env,
  });
}

export async function dropSchema(schema: string, databaseUrl = TEST_DATABASE_URL): Promise<void> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(`drop schema if exists "${schema}" cascade`);
  } finally {
    await client.end();
  }
}
