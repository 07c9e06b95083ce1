// Test helpers shared by every workspace: real Postgres and Redis from the environment (defaulting to
// localhost), a fresh schema per test file, and a key pair whose tokens every service under test trusts.
import { randomBytes, randomUUID } from 'node:crypto';
import net from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type JWK, type KeyLike } from 'jose';
import { Client } from 'pg';
import { loadServiceConfig, type ServiceConfig } from '../config.ts';

export * from './graphql-client.ts';
export * from './sentry-ingest.ts';

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
  claims: { sub: string; roles?: string[]; permissions?: string[]; scope?: string; tokenUse?: 'access' | 'partner'; expiresIn?: string | number; extra?: Record<string, unknown> },
  opts: { issuer?: string; audience?: string } = {},
): Promise<string> {
  return new SignJWT({
    roles: claims.roles ?? [],
    permissions: claims.permissions ?? [],
    scope: claims.scope,
    token_use: claims.tokenUse ?? 'access',
    // Claims only some tokens carry (a session id `sid`, the assistant's delegation `act`).
    ...claims.extra,
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

/**
 * A private `redis-server` on a free port, for tests that stop Redis (never the shared one). `stop()` and
 * `start()` again reuse the port, so clients pointed at it see an outage and then a recovery.
 */
export interface OwnRedis {
  url: string;
  stop(): Promise<void>;
  start(): Promise<void>;
}

export async function startOwnRedis(): Promise<OwnRedis> {
  const { createServer } = await import('node:net');
  const { spawn } = await import('node:child_process');
  const port = await new Promise<number>((resolve, reject) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port: free } = probe.address() as { port: number };
      probe.close(() => resolve(free));
    });
    probe.on('error', reject);
  });
  let child: ReturnType<typeof spawn> | null = null;
  const own: OwnRedis = {
    url: `redis://127.0.0.1:${port}`,
    async start() {
      child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'inherit'] });
      await new Promise<void>((resolve, reject) => {
        let seen = '';
        child!.stdout!.on('data', (chunk: Buffer) => {
          seen += chunk.toString();
          if (/Ready to accept connections/i.test(seen)) resolve();
        });
        child!.once('exit', (code) => reject(new Error(`redis-server exited (${code}): ${seen.slice(-500)}`)));
      });
    },
    async stop() {
      const running = child;
      child = null;
      if (!running || running.exitCode !== null) return;
      await new Promise<void>((resolve) => {
        running.once('exit', () => resolve());
        running.kill('SIGKILL');
      });
    },
  };
  await own.start();
  return own;
}

export interface VerifiedPatient {
  userId: string;
  accessToken: string;
  refreshToken: string;
}

async function postGraphql<T>(url: string, query: string, variables: Record<string, unknown>): Promise<T> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query, variables }) });
  const body = (await res.json()) as { data?: T; errors?: { message: string; extensions?: { code?: string } }[] };
  if (body.errors?.length || !body.data) throw new Error(`${query.slice(0, 60)}… failed: ${JSON.stringify(body.errors)}`);
  return body.data;
}

/**
 * Registers a patient the way a person does, through the router (`graphqlUrl`): registerPatient, the
 * verification link from the developer inbox (read as an ADMIN, `adminToken`), then verifyEmail, which
 * signs in. The one helper every suite uses, so none repeats the flow.
 */
export async function registerVerifiedPatient(
  graphqlUrl: string,
  input: { email: string; password: string; displayName: string },
  adminToken: string,
): Promise<VerifiedPatient> {
  await postGraphql(graphqlUrl, `mutation($input: RegisterPatientInput!) { registerPatient(input: $input) { email } }`, { input });
  const token = await verificationToken(graphqlUrl, input.email, adminToken);
  const data = await postGraphql<{ verifyEmail: { accessToken: string; refreshToken: string; user: { id: string } } }>(
    graphqlUrl,
    `mutation($token: String!) { verifyEmail(token: $token) { accessToken refreshToken user { id } } }`,
    { token },
  );
  return { userId: data.verifyEmail.user.id, accessToken: data.verifyEmail.accessToken, refreshToken: data.verifyEmail.refreshToken };
}

/** The token of the newest verification link sent to `email`, from the developer inbox (ADMIN only). */
export async function verificationToken(graphqlUrl: string, email: string, adminToken: string): Promise<string> {
  const res = await fetch(new URL('/auth/dev/inbox', graphqlUrl), { headers: { authorization: `Bearer ${adminToken}` } });
  if (res.status !== 200) throw new Error(`the developer inbox answered ${res.status}`);
  const { messages } = (await res.json()) as { messages: { to: string; link: string }[] };
  const link = [...messages].reverse().find((m) => m.to.toLowerCase() === email.toLowerCase() && m.link.includes('/verify-email?token='))?.link;
  if (!link) throw new Error(`no verification link was sent to ${email}`);
  return new URL(link).searchParams.get('token')!;
}

/** Writes one raw request to 127.0.0.1:`port` (fetch never sends such targets) and reads the answer until the server closes. */
export function rawHttpRequest(port: number, lines: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(`${lines}\r\nHost: localhost\r\nConnection: close\r\n\r\n`));
    let answer = '';
    const timer = setTimeout(() => socket.destroy(), 5_000);
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString('latin1')));
    socket.on('error', () => {});
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(answer);
    });
  });
}
