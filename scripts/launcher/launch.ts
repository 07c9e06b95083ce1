// Starts every subgraph listed in schema/src/subgraphs.ts and the router, in this process, on embedded
// defaults where no DATABASE_URL / REDIS_URL is given. Used by `npm start` and by its own test.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  loadServiceConfig,
  parseNodeEnv,
  startSubgraph,
  type Logger,
  type RunningSubgraph,
  type SubgraphDefinition,
} from '@clinic/service-kit';
import { SUBGRAPHS } from '@clinic/schema/subgraphs';
import { loadRouterConfig } from '../../router/src/config.ts';
import { startRouter, type RunningRouter } from '../../router/src/router.ts';
import { startEmbeddedPostgres, type EmbeddedPostgres } from './embedded-postgres.ts';
import { findOrStartRedis } from './local-redis.ts';
import { freePort } from './ports.ts';
import { DEFAULT_ADMIN } from '../seed-demo.ts';

type Env = Record<string, string | undefined>;

export interface LaunchOptions {
  env: Env;
  logger: Logger;
  /** Random ports for every service (tests); otherwise the ports written in schema/src/subgraphs.ts. */
  randomPorts?: boolean;
}

export interface Launched {
  routerUrl: string;
  router: RunningRouter;
  subgraphs: RunningSubgraph[];
  embedded: boolean;
  stop(): Promise<void>;
}

/**
 * A subgraph package exports `create<Name>Subgraph({ env })` (settings from the launcher's environment,
 * not process.env) or, failing that, a ready definition named after the subgraph.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function definitionOf(name: string, env: Env, routerUrl: () => string): Promise<SubgraphDefinition<any>> {
  const mod = (await import(`@clinic/${name}`)) as Record<string, unknown>;
  const factory = mod[`create${name[0]!.toUpperCase()}${name.slice(1)}Subgraph`];
  // `routerUrl` (known once the router listens) is for subgraphs that call the public API (the assistant).
  if (typeof factory === 'function') return (factory as (opts: { env: Env; routerUrl: () => string }) => SubgraphDefinition)({ env, routerUrl });
  const def = Object.values(mod).find(
    (v): v is SubgraphDefinition => typeof v === 'object' && v !== null && (v as SubgraphDefinition).name === name && 'typeDefs' in v,
  );
  if (!def) throw new Error(`@clinic/${name} exports no subgraph definition named "${name}"`);
  return def;
}

/** In development (asked for by name) `npm start` has an administrator to sign in with (and `npm run seed` uses it). */
function devAdmin(env: Env, logger: Logger): Env {
  if (parseNodeEnv(env.NODE_ENV) === 'production' || env.IDENTITY_ADMIN_EMAIL) return {};
  logger.warn({ email: DEFAULT_ADMIN.email }, 'IDENTITY_ADMIN_EMAIL is not set: a development administrator is created if missing');
  return { IDENTITY_ADMIN_EMAIL: DEFAULT_ADMIN.email, IDENTITY_ADMIN_PASSWORD: env.IDENTITY_ADMIN_PASSWORD ?? DEFAULT_ADMIN.password };
}

/**
 * In development the assistant gets its read-only partner client (to offer free time in chat): the secret is
 * made once and kept in the data folder, identity creates the client with it, the assistant signs in with it.
 */
function devAssistantPartner(env: Env, dataDir: string): Env {
  if (parseNodeEnv(env.NODE_ENV) === 'production' || env.ASSISTANT_PARTNER_CLIENT_ID) return {};
  const file = path.join(dataDir, 'assistant-partner.json');
  if (!existsSync(file)) {
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(file, JSON.stringify({ clientId: 'pc_clinic_assistant_dev', clientSecret: randomBytes(32).toString('base64url') }), { mode: 0o600 });
  }
  const { clientId, clientSecret } = JSON.parse(readFileSync(file, 'utf8')) as { clientId: string; clientSecret: string };
  return {
    IDENTITY_ASSISTANT_CLIENT_ID: clientId,
    IDENTITY_ASSISTANT_CLIENT_SECRET: clientSecret,
    ASSISTANT_PARTNER_CLIENT_ID: clientId,
    ASSISTANT_PARTNER_CLIENT_SECRET: clientSecret,
  };
}

export async function launch({ env, logger, randomPorts = false }: LaunchOptions): Promise<Launched> {
  const stops: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch((error: unknown) => logger.error({ err: error }, 'stop failed'));
  };
  try {
    const dataDir = path.resolve(env.DATA_DIR ?? '.data');
    const embedded = !env.DATABASE_URL;
    if (embedded) logger.info({ dataDir }, 'DATABASE_URL is not set: using embedded PostgreSQL (PGlite) per service');
    let redisUrl = env.REDIS_URL || null;
    if (!redisUrl) {
      const redis = await findOrStartRedis(logger);
      stops.push(redis.stop);
      redisUrl = redis.url;
    }
    const routerSecret = env.ROUTER_SECRET ?? randomBytes(24).toString('base64url');
    // Chat signs its proofs with this key and identity checks them; the assistant never gets it (kit's delegation.ts).
    const delegationSecret = env.ASSISTANT_DELEGATION_SECRET ?? (parseNodeEnv(env.NODE_ENV) === 'production' ? undefined : randomBytes(32).toString('base64url'));
    const delegationKey = (name: string): Env => (name === 'chat' || name === 'identity' ? { ASSISTANT_DELEGATION_SECRET: delegationSecret } : {});
    const { ASSISTANT_DELEGATION_SECRET: _onlyChatAndIdentity, ...everyone } = env;
    const shared: Env = { ...everyone, ...devAdmin(env, logger), ...devAssistantPartner(env, dataDir), REDIS_URL: redisUrl ?? undefined, ROUTER_SECRET: routerSecret, DATA_DIR: dataDir };

    const subgraphs: RunningSubgraph[] = [];
    const urls: Env = {};
    let routerUrl = env.ROUTER_URL ?? `http://127.0.0.1:${env.PORT ?? '4000'}/graphql`;
    for (const entry of SUBGRAPHS) {
      let databaseUrl = env.DATABASE_URL;
      if (embedded) {
        const pg: EmbeddedPostgres = await startEmbeddedPostgres(dataDir, entry.name);
        stops.push(pg.stop);
        databaseUrl = pg.databaseUrl;
      }
      const port = randomPorts ? (entry.name === 'identity' ? await freePort() : 0) : Number(new URL(entry.url).port);
      // Everyone, identity included (it verifies its own tokens), trusts the keys identity publishes,
      // unless keys were configured: so identity's port must be known before it starts.
      if (entry.name === 'identity' && !shared.JWKS_URL && !shared.JWKS_JSON) {
        shared.JWKS_URL = `http://127.0.0.1:${port}/.well-known/jwks.json`;
      }
      const config = loadServiceConfig(entry.name, port, {
        ...shared,
        PORT: String(port),
        DATABASE_URL: databaseUrl,
        DB_POOL_MAX: embedded ? '1' : env.DB_POOL_MAX,
      });
      const running = await startSubgraph(await definitionOf(entry.name, { ...shared, ...delegationKey(entry.name) }, () => routerUrl), config);
      stops.push(running.stop);
      subgraphs.push(running);
      urls[`SUBGRAPH_${entry.name.toUpperCase()}_URL`] = running.url;
      // Everyone trusts the keys identity publishes, unless keys were configured explicitly.
      if (entry.name === 'identity') shared.IDENTITY_URL ??= running.url;
      // The assistant answers in chat through chat's internal routes.
      if (entry.name === 'chat') shared.CHAT_URL ??= running.url;
      // Chat (started after documents) checks and shares message attachments there.
      if (entry.name === 'documents') shared.DOCUMENTS_URL ??= running.url;
    }
    const router = await startRouter(loadRouterConfig({ ...shared, ...urls, PORT: randomPorts ? '0' : (env.PORT ?? '4000') }));
    stops.push(router.stop);
    routerUrl = env.ROUTER_URL ?? router.url;
    return { routerUrl: router.url, router, subgraphs, embedded, stop: stopAll };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
