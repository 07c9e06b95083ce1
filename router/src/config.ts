// Router configuration from the environment, validated up front.
import path from 'node:path';
import { ConfigError, loadAuthConfig, metricsAccessFrom, parseNodeEnv, requireRouterSecret, type AuthConfig, type MetricsAccess } from '@clinic/service-kit';

export interface RouterConfig {
  port: number;
  nodeEnv: 'development' | 'production' | 'test';
  /** `file`: serve the committed supergraph; `compose`: introspect running subgraphs (development). */
  supergraphMode: 'file' | 'compose';
  supergraphPath: string;
  /** Subgraph name → URL, overriding the URLs written in the supergraph (`<NAME>_URL`; the first when several). */
  subgraphUrls: Record<string, string>;
  /** Subgraph name → every replica URL given (`SUBGRAPH_<NAME>_URL` comma-separated); the router balances over them. */
  subgraphReplicas: Record<string, string[]>;
  routerSecret: string;
  redisUrl: string | null;
  auth: AuthConfig;
  /** Where identity answers "which local user is this Azure AD account" for the edge check. */
  identityUrl: string | null;
  limits: EdgeLimits;
  logLevel: string;
  /** Proxies whose X-Forwarded-For is believed (IPs, CIDRs, `loopback`). */
  trustedProxies: string[];
  /** Who may scrape /metrics (METRICS_TOKEN). */
  metrics: MetricsAccess;
  /** PERSISTED_OPERATIONS (`off` | `enforce`) and the manifest of known first-party operations. */
  persistedOperations: { mode: 'off' | 'enforce'; manifestPath: string };
}

export interface EdgeLimits {
  maxBodyBytes: number;
  maxDepth: number;
  maxAliases: number;
  maxTokens: number;
  maxDirectives: number;
  maxCost: number;
  /** Requests a client may make per window, and the window in seconds. */
  rateLimitPoints: number;
  rateLimitWindowSeconds: number;
  /** Requests per client address per window to the public routes (/auth/*, /.well-known/*), and to POST /auth/token. */
  authRateLimitPoints: number;
  tokenRateLimitPoints: number;
  authRateLimitWindowSeconds: number;
  /**
   * Where those budgets live in Redis (RATE_LIMIT_KEY_PREFIX): the routers of one deployment share it; another
   * deployment (or test run) on the same Redis takes its own, or its clients spend each other's budgets.
   */
  rateLimitKeyPrefix: string;
  /** How deeply nested a request's JSON variables may be. */
  maxVariablesDepth: number;
  upstreamTimeoutMs: number;
  /** How long a failing subgraph replica is left out of the balancing (REPLICA_EJECT_MS). */
  replicaEjectMs: number;
  /** Ping interval of graphql-ws keep-alives on both subscription hops (client↔router, router↔subgraph). */
  wsKeepAliveMs: number;
  /** WebSocket connections and live subscriptions one client may hold on one router at once. */
  wsConnectionsPerClient: number;
  subscriptionsPerClient: number;
}

type Env = Record<string, string | undefined>;

function keyPrefix(env: Env, name: string, fallback: string): string {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^[A-Za-z0-9:_.-]{1,64}$/.test(raw)) throw new ConfigError(`${name} must be 1-64 letters, digits or ':_.-' (got "${raw}")`);
  return raw;
}

function int(env: Env, name: string, fallback: number, min = 0): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) throw new ConfigError(`${name} must be an integer >= ${min} (got "${raw}")`);
  return value;
}

export const DEFAULT_PERSISTED_OPERATIONS_MANIFEST = path.join(__dirname, '..', '..', 'web', 'src', 'gql', 'persisted-documents.json');

export const DEFAULT_SUPERGRAPH_PATH = path.join(__dirname, '..', '..', 'schema', 'supergraph.graphql');

export function loadRouterConfig(env: Env = process.env): RouterConfig {
  const nodeEnv = parseNodeEnv(env.NODE_ENV);
  const mode = env.SUPERGRAPH_MODE ?? 'file';
  if (mode !== 'file' && mode !== 'compose') throw new ConfigError(`SUPERGRAPH_MODE must be file or compose (got "${mode}")`);
  const routerSecret = requireRouterSecret(env, nodeEnv);
  const subgraphUrls: Record<string, string> = {};
  const subgraphReplicas: Record<string, string[]> = {};
  for (const [key, value] of Object.entries(env)) {
    const match = /^SUBGRAPH_([A-Z0-9_]+)_URL$/.exec(key);
    if (match?.[1] && value) {
      const urls = value.split(',').map((u) => u.trim()).filter(Boolean);
      for (const url of urls) {
        try {
          new URL(url);
        } catch {
          throw new ConfigError(`${key} is not a valid URL (or comma-separated list of URLs)`);
        }
      }
      if (!urls.length) throw new ConfigError(`${key} is empty`);
      subgraphUrls[match[1].toLowerCase()] = urls[0]!;
      subgraphReplicas[match[1].toLowerCase()] = urls;
    }
  }
  const persistedMode = env.PERSISTED_OPERATIONS || 'off';
  if (persistedMode !== 'off' && persistedMode !== 'enforce') throw new ConfigError(`PERSISTED_OPERATIONS must be off or enforce (got "${persistedMode}")`);
  if (env.REDIS_URL && !/^rediss?:\/\//.test(env.REDIS_URL)) throw new ConfigError('REDIS_URL must start with redis:// or rediss://');
  return {
    port: int(env, 'PORT', 4000),
    nodeEnv,
    supergraphMode: mode,
    supergraphPath: env.SUPERGRAPH_PATH ?? DEFAULT_SUPERGRAPH_PATH,
    subgraphUrls,
    subgraphReplicas,
    routerSecret,
    redisUrl: env.REDIS_URL || null,
    auth: loadAuthConfig(env),
    identityUrl: subgraphUrls.identity ?? env.IDENTITY_URL ?? null,
    logLevel: env.LOG_LEVEL ?? (nodeEnv === 'test' ? 'warn' : 'info'),
    // The launcher's web server proxies from loopback; in production name your load balancers.
    trustedProxies: (env.TRUSTED_PROXIES ?? (nodeEnv === 'production' ? '' : 'loopback'))
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    metrics: metricsAccessFrom(env, nodeEnv === 'production'),
    persistedOperations: { mode: persistedMode, manifestPath: env.PERSISTED_OPERATIONS_MANIFEST || DEFAULT_PERSISTED_OPERATIONS_MANIFEST },
    limits: {
      maxBodyBytes: int(env, 'MAX_BODY_BYTES', 100_000, 1),
      maxDepth: int(env, 'MAX_DEPTH', 12, 1),
      maxAliases: int(env, 'MAX_ALIASES', 15, 0),
      maxTokens: int(env, 'MAX_TOKENS', 3_000, 1),
      maxDirectives: int(env, 'MAX_DIRECTIVES', 50, 0),
      maxCost: int(env, 'MAX_COST', 5_000, 1),
      rateLimitPoints: int(env, 'RATE_LIMIT_POINTS', 600, 1),
      rateLimitWindowSeconds: int(env, 'RATE_LIMIT_WINDOW_SECONDS', 60, 1),
      authRateLimitPoints: int(env, 'AUTH_RATE_LIMIT_POINTS', 60, 1),
      tokenRateLimitPoints: int(env, 'AUTH_TOKEN_RATE_LIMIT_POINTS', 10, 1),
      authRateLimitWindowSeconds: int(env, 'AUTH_RATE_LIMIT_WINDOW_SECONDS', 60, 1),
      rateLimitKeyPrefix: keyPrefix(env, 'RATE_LIMIT_KEY_PREFIX', 'router:rl'),
      maxVariablesDepth: int(env, 'MAX_VARIABLES_DEPTH', 32, 1),
      upstreamTimeoutMs: int(env, 'UPSTREAM_TIMEOUT_MS', 10_000, 1),
      replicaEjectMs: int(env, 'REPLICA_EJECT_MS', 10_000, 1),
      wsKeepAliveMs: int(env, 'WS_KEEPALIVE_MS', 12_000, 1_000),
      wsConnectionsPerClient: int(env, 'WS_CONNECTIONS_PER_CLIENT', 50, 1),
      subscriptionsPerClient: int(env, 'SUBSCRIPTIONS_PER_CLIENT', 500, 1),
    },
  };
}
