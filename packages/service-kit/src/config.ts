// Service configuration read from the environment once, validated, and failing fast with one clear line.
export class ConfigError extends Error {
  override name = 'ConfigError';
}

export interface ServiceConfig {
  service: string;
  port: number;
  nodeEnv: 'development' | 'production' | 'test';
  databaseUrl: string;
  /** Postgres schema this service owns; every table of the service lives in it. */
  dbSchema: string;
  /** Pool size; 1 for the embedded PGlite so one service's transactions never interleave. */
  dbPoolMax: number;
  redisUrl: string | null;
  /** Shared secret the router sends; subgraphs refuse requests without it. */
  routerSecret: string;
  logLevel: string;
  auth: AuthConfig;
  /** identity's URL, for services that must ask it (e.g. which local user an Azure AD account is). */
  identityUrl: string | null;
}

export interface AuthConfig {
  issuer: string;
  audience: string;
  /** Where our identity service publishes its keys; null when keys are given inline. */
  jwksUrl: string | null;
  /** Inline JWKS JSON (tests, or a deployment that pins keys). */
  jwksJson: string | null;
  azure: AzureAdConfig | null;
}

export interface AzureAdConfig {
  tenantId: string;
  clientId: string;
  /** Audience of access tokens issued for our API (often `api://<client id>`). */
  audience: string;
  issuer: string;
  jwksUrl: string;
  authority: string;
}

type Env = Record<string, string | undefined>;

const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/clinic';

export function parseDatabaseUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(`DATABASE_URL is not a valid URL (expected postgres://user:password@host:port/database)`);
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new ConfigError(`DATABASE_URL must start with postgres:// or postgresql:// (got ${url.protocol}//)`);
  }
  if (!url.hostname) throw new ConfigError('DATABASE_URL has no host');
  if (url.pathname.length <= 1) throw new ConfigError('DATABASE_URL has no database name');
  return raw;
}

function parseRedisUrl(raw: string | undefined): string | null {
  if (!raw) return null;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError('REDIS_URL is not a valid URL (expected redis://host:port)');
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
    throw new ConfigError(`REDIS_URL must start with redis:// or rediss:// (got ${url.protocol}//)`);
  }
  return raw;
}

function parsePort(raw: string | undefined, fallback: number, name: string): number {
  if (raw === undefined || raw === '') return fallback;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new ConfigError(`${name} must be a port number between 0 and 65535 (got "${raw}")`);
  }
  return port;
}

/**
 * NODE_ENV unset means production: development conveniences (a known router secret, the developer inbox,
 * Sandbox, introspection) exist only when asked for by name (`npm start` asks for development).
 */
export function parseNodeEnv(raw: string | undefined): ServiceConfig['nodeEnv'] {
  const value = raw || 'production';
  if (value !== 'development' && value !== 'production' && value !== 'test') {
    throw new ConfigError(`NODE_ENV must be development, production or test (got "${value}")`);
  }
  return value;
}

/** The router's shared secret: required unless development or test was asked for explicitly. */
export function requireRouterSecret(env: Env, nodeEnv: ServiceConfig['nodeEnv']): string {
  const secret = env.ROUTER_SECRET || (nodeEnv === 'production' ? '' : 'dev-router-secret');
  if (!secret) throw new ConfigError('ROUTER_SECRET is required in production (NODE_ENV unset means production)');
  return secret;
}

export function loadAuthConfig(env: Env): AuthConfig {
  const tenantId = env.AZURE_AD_TENANT_ID;
  let azure: AzureAdConfig | null = null;
  if (tenantId) {
    const clientId = env.AZURE_AD_CLIENT_ID;
    if (!clientId) throw new ConfigError('AZURE_AD_CLIENT_ID is required when AZURE_AD_TENANT_ID is set');
    const authorityHost = (env.AZURE_AD_AUTHORITY_HOST ?? 'https://login.microsoftonline.com').replace(/\/$/, '');
    azure = {
      tenantId,
      clientId,
      audience: env.AZURE_AD_AUDIENCE ?? `api://${clientId}`,
      authority: env.AZURE_AD_AUTHORITY ?? `${authorityHost}/${tenantId}`,
      issuer: env.AZURE_AD_ISSUER ?? `${authorityHost}/${tenantId}/v2.0`,
      jwksUrl: env.AZURE_AD_JWKS_URL ?? `${authorityHost}/${tenantId}/discovery/v2.0/keys`,
    };
  }
  return {
    issuer: env.JWT_ISSUER ?? 'clinic-identity',
    audience: env.JWT_AUDIENCE ?? 'clinic-api',
    jwksUrl: env.JWKS_URL ?? null,
    jwksJson: env.JWKS_JSON ?? null,
    azure,
  };
}

export function loadServiceConfig(service: string, defaultPort: number, env: Env = process.env): ServiceConfig {
  const nodeEnv = parseNodeEnv(env.NODE_ENV);
  const poolMax = env.DB_POOL_MAX === undefined ? 10 : Number(env.DB_POOL_MAX);
  if (!Number.isInteger(poolMax) || poolMax < 1) throw new ConfigError(`DB_POOL_MAX must be a positive integer (got "${env.DB_POOL_MAX}")`);
  const dbSchema = env.DB_SCHEMA ?? service;
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(dbSchema)) throw new ConfigError(`DB_SCHEMA must be a lowercase identifier (got "${dbSchema}")`);
  const port = parsePort(env.PORT, defaultPort, 'PORT');
  const databaseUrl = parseDatabaseUrl(env.DATABASE_URL ?? DEFAULT_DATABASE_URL);
  const redisUrl = parseRedisUrl(env.REDIS_URL);
  return {
    service,
    port,
    nodeEnv,
    databaseUrl,
    dbSchema,
    dbPoolMax: poolMax,
    redisUrl,
    routerSecret: requireRouterSecret(env, nodeEnv),
    logLevel: env.LOG_LEVEL ?? (nodeEnv === 'test' ? 'warn' : 'info'),
    auth: loadAuthConfig(env),
    identityUrl: env.IDENTITY_URL || null,
  };
}

/** For `main.ts` files: run, and turn a ConfigError into one line on stderr and exit code 1. */
export async function runMain(main: () => Promise<unknown>): Promise<void> {
  try {
    await main();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`config error: ${error.message}\n`);
      process.exit(1);
    }
    process.stderr.write(`fatal: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  }
}
