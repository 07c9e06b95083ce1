// Service configuration read from the environment once, validated through zod schemas, and failing fast
// with one clear line.
import { z } from 'zod';

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
  /** How long a verifier answers from its last known revocations while Redis is unreachable, then fails closed. */
  revocationMaxStalenessSeconds: number;
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

/** A zod schema whose failures are kept as one line each (the first becomes the ConfigError). */
function fail(ctx: z.RefinementCtx, message: string): never {
  ctx.addIssue({ code: 'custom', message });
  return z.NEVER as never;
}

/** Parses with a zod schema; the first issue becomes a one-line ConfigError. */
export function parseConfig<T>(schema: z.ZodType<T>, value: unknown): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new ConfigError(result.error.issues[0]?.message ?? 'invalid configuration');
}

const urlOf = (raw: string): URL | null => {
  try {
    return new URL(raw);
  } catch {
    return null;
  }
};

// The messages never echo a malformed URL (it may hold a password).
const databaseUrlSchema = z.string().transform((raw, ctx) => {
  const url = urlOf(raw);
  if (!url) return fail(ctx, 'DATABASE_URL is not a valid URL (expected postgres://user:password@host:port/database)');
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') return fail(ctx, `DATABASE_URL must start with postgres:// or postgresql:// (got ${url.protocol}//)`);
  if (!url.hostname) return fail(ctx, 'DATABASE_URL has no host');
  if (url.pathname.length <= 1) return fail(ctx, 'DATABASE_URL has no database name');
  return raw;
});

const redisUrlSchema = z
  .string()
  .optional()
  .transform((raw, ctx) => {
    if (!raw) return null;
    const url = urlOf(raw);
    if (!url) return fail(ctx, 'REDIS_URL is not a valid URL (expected redis://host:port)');
    if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') return fail(ctx, `REDIS_URL must start with redis:// or rediss:// (got ${url.protocol}//)`);
    return raw;
  });

/** A port variable (0 = any free port); `fallback` when unset. */
export const portSchema = (name: string, fallback: number) =>
  z
    .string()
    .optional()
    .transform((raw, ctx) => {
      if (raw === undefined || raw === '') return fallback;
      const port = Number(raw);
      if (!Number.isInteger(port) || port < 0 || port > 65535) return fail(ctx, `${name} must be a port number between 0 and 65535 (got "${raw}")`);
      return port;
    });

const nodeEnvSchema = z
  .string()
  .optional()
  .transform((raw, ctx): ServiceConfig['nodeEnv'] => {
    const value = raw || 'production';
    if (value !== 'development' && value !== 'production' && value !== 'test') return fail(ctx, `NODE_ENV must be development, production or test (got "${value}")`);
    return value;
  });

/**
 * NODE_ENV unset means production: development conveniences (a known router secret, the developer inbox,
 * Sandbox, introspection) exist only when asked for by name (`npm start` asks for development).
 */
export function parseNodeEnv(raw: string | undefined): ServiceConfig['nodeEnv'] {
  return parseConfig(nodeEnvSchema, raw);
}

/** The router's shared secret: required unless development or test was asked for explicitly. */
export function requireRouterSecret(env: Env, nodeEnv: ServiceConfig['nodeEnv']): string {
  const secret = env.ROUTER_SECRET || (nodeEnv === 'production' ? '' : 'dev-router-secret');
  if (!secret) throw new ConfigError('ROUTER_SECRET is required in production (NODE_ENV unset means production)');
  return secret;
}

export function parseDatabaseUrl(raw: string): string {
  return parseConfig(databaseUrlSchema, raw);
}

const azureSchema = z
  .object({
    AZURE_AD_TENANT_ID: z.string().optional(),
    AZURE_AD_CLIENT_ID: z.string().optional(),
    AZURE_AD_AUTHORITY_HOST: z.string().optional(),
    AZURE_AD_AUDIENCE: z.string().optional(),
    AZURE_AD_AUTHORITY: z.string().optional(),
    AZURE_AD_ISSUER: z.string().optional(),
    AZURE_AD_JWKS_URL: z.string().optional(),
  })
  .transform((env, ctx): AzureAdConfig | null => {
    const tenantId = env.AZURE_AD_TENANT_ID;
    if (!tenantId) return null;
    const clientId = env.AZURE_AD_CLIENT_ID;
    if (!clientId) return fail(ctx, 'AZURE_AD_CLIENT_ID is required when AZURE_AD_TENANT_ID is set');
    const authorityHost = (env.AZURE_AD_AUTHORITY_HOST ?? 'https://login.microsoftonline.com').replace(/\/$/, '');
    return {
      tenantId,
      clientId,
      audience: env.AZURE_AD_AUDIENCE ?? `api://${clientId}`,
      authority: env.AZURE_AD_AUTHORITY ?? `${authorityHost}/${tenantId}`,
      issuer: env.AZURE_AD_ISSUER ?? `${authorityHost}/${tenantId}/v2.0`,
      jwksUrl: env.AZURE_AD_JWKS_URL ?? `${authorityHost}/${tenantId}/discovery/v2.0/keys`,
    };
  });

const stalenessSchema = z
  .string()
  .optional()
  .transform((raw, ctx) => {
    const n = raw === undefined || raw === '' ? 30 : Number(raw);
    return Number.isFinite(n) && n >= 0 ? n : fail(ctx, `REVOCATION_MAX_STALENESS_SECONDS must be a number of seconds >= 0 (got "${raw}")`);
  });

export function loadAuthConfig(env: Env): AuthConfig {
  return {
    issuer: env.JWT_ISSUER ?? 'clinic-identity',
    audience: env.JWT_AUDIENCE ?? 'clinic-api',
    jwksUrl: env.JWKS_URL ?? null,
    jwksJson: env.JWKS_JSON ?? null,
    azure: parseConfig(azureSchema, env),
    revocationMaxStalenessSeconds: parseConfig(stalenessSchema, env.REVOCATION_MAX_STALENESS_SECONDS),
  };
}

const serviceEnvSchema = z.object({
  NODE_ENV: nodeEnvSchema,
  ROUTER_SECRET: z.string().optional(),
  DB_POOL_MAX: z
    .string()
    .optional()
    .transform((raw, ctx) => {
      const n = raw === undefined ? 10 : Number(raw);
      return Number.isInteger(n) && n >= 1 ? n : fail(ctx, `DB_POOL_MAX must be a positive integer (got "${raw}")`);
    }),
  DB_SCHEMA: z.string().optional(),
  DATABASE_URL: z.string().optional().transform((raw, ctx) => {
    const parsed = databaseUrlSchema.safeParse(raw ?? DEFAULT_DATABASE_URL);
    return parsed.success ? parsed.data : fail(ctx, parsed.error.issues[0]!.message);
  }),
  REDIS_URL: redisUrlSchema,
  LOG_LEVEL: z.string().optional(),
  IDENTITY_URL: z.string().optional(),
});

export function loadServiceConfig(service: string, defaultPort: number, env: Env = process.env): ServiceConfig {
  const e = parseConfig(serviceEnvSchema, env);
  const routerSecret = requireRouterSecret(env, e.NODE_ENV);
  const dbSchema = e.DB_SCHEMA ?? service;
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(dbSchema)) throw new ConfigError(`DB_SCHEMA must be a lowercase identifier (got "${dbSchema}")`);
  return {
    service,
    port: parseConfig(portSchema('PORT', defaultPort), env.PORT),
    nodeEnv: e.NODE_ENV,
    databaseUrl: e.DATABASE_URL,
    dbSchema,
    dbPoolMax: e.DB_POOL_MAX,
    redisUrl: e.REDIS_URL,
    routerSecret,
    logLevel: e.LOG_LEVEL ?? (e.NODE_ENV === 'test' ? 'warn' : 'info'),
    auth: loadAuthConfig(env),
    identityUrl: e.IDENTITY_URL || null,
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
