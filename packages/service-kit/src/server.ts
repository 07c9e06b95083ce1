// Boots one subgraph: ORM + migrations, Apollo Server with buildSubgraphSchema, graphql-ws on the same
// path, /health and /ready, router-secret check, request ids, and a graceful stop that drains requests.
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DocumentNode } from 'graphql';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginInlineTraceDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper';
import { WebSocketServer } from 'ws';
import type { PubSubEngine } from 'graphql-subscriptions';
import type { EntityManager, EntitySchema, MikroORM } from '@mikro-orm/postgresql';
import type { ServiceConfig } from './config.ts';
import { createLogger, type Logger } from './logger.ts';
import { createOrm, type MigrationObject } from './orm.ts';
import { createErrorFormatter } from './errors.ts';
import { createErrorTracker, errorTrackingPlugin } from './error-tracking.ts';
import { createTokenVerifier, type AzureUserResolver, type TokenVerifier, type Viewer } from './auth.ts';
import { createEventBus, type EventBus } from './pubsub.ts';
import { createRevocationList, type RevocationList } from './revocation.ts';
import { pathOf, refuseRequestTarget, refuseUpgradeTarget, requestIdOf, sendGraphQLError, sendJson, serveGraphQL } from './http.ts';
import { hasRouterSecret } from './router-secret.ts';
import { CALLER_BATCH_HEADER, serveCallerBatch } from './caller-batch.ts';
import { checkReadiness } from './health.ts';
import { createAzureUserLookup } from './azure-users.ts';
import { serveSubgraphSubscriptions, type SubscriptionStats } from './subscriptions.ts';
import { OutboxEventSchema } from './outbox.ts';
import { traceIdsToBind, traceIncoming, type TraceContext } from './telemetry.ts';
import { tracedFork } from './traced-em.ts';
import { delegatedAccessPlugin } from './delegation.ts';
import { METRICS_PATH, metricsAccessFrom, metricsPlugin, observeHttpResponse, serveMetrics, watchOrm, watchSubscriptions } from './metrics.ts';

export const GRAPHQL_PATH = '/graphql';

/** What every request of every subgraph knows; a subgraph extends it with its own loaders and services. */
export interface RequestContext {
  viewer: Viewer;
  requestId: string;
  /** The end client's address as the router saw it (for audit and security monitoring). */
  ip: string | null;
  logger: Logger;
  /** A fresh identity map per request; its SQL statements are spans of the request's trace. */
  em: EntityManager;
  /**
   * The request's trace context (no async context carries it): hand it on to what makes spans of its own
   * (redisSpan, clientSpan, inSpan's parent) or captures errors. ROOT_CONTEXT when tracing is off.
   */
  traceContext?: TraceContext;
  pubsub: PubSubEngine;
  /**
   * The caller's verified Authorization header as received over HTTP (absent over WebSocket), for a service
   * that acts through the public API with the caller's own rights (the assistant). Never log it.
   */
  authorization?: string;
}

export interface SubgraphDeps {
  config: ServiceConfig;
  orm: MikroORM;
  pubsub: PubSubEngine;
  logger: Logger;
  verifier: TokenVerifier;
  /** Revoked sessions, users and partners: identity writes, every verifier reads. */
  revocations?: RevocationList;
}

export interface SubgraphDefinition<TContext extends RequestContext = RequestContext> {
  name: string;
  typeDefs: DocumentNode;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  resolvers: GraphQLResolverMap<any>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  entities: EntitySchema<any>[];
  migrations: MigrationObject[];
  /** Adds the subgraph's own per-request parts (DataLoaders, domain services) to the base context. */
  context?: (base: RequestContext, deps: SubgraphDeps) => TContext | Promise<TContext>;
  /** Background work owned by the subgraph (outbox relay, workers); returns its stop function. */
  background?: (deps: SubgraphDeps) => Promise<() => Promise<void>>;
  /**
   * Extra HTTP routes beside /graphql (e.g. identity's JWKS and sign-in callbacks), keyed by exact path.
   * They are public: the router proxies the ones clients need; check the router secret yourself if not.
   */
  httpRoutes?: (deps: SubgraphDeps) => Record<string, (req: IncomingMessage, res: ServerResponse) => void | Promise<void>>;
  /** Maps an Azure AD user to ours; identity answers from its tables, others ask identity. */
  resolveAzureUser?: AzureUserResolver;
  /** The subgraph's own Apollo Server plugins (e.g. an answer cache that skips execution), after the kit's. */
  // `any` as for resolvers: a definition of a richer context still passes where the kit's own is expected.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  plugins?(deps: SubgraphDeps): ApolloServerPlugin<any>[];
}

export interface RunningSubgraph extends SubgraphDeps {
  name: string;
  url: string;
  port: number;
  httpServer: http.Server;
  /** Open graphql-ws connections and subscriptions (tests assert nothing is left open). */
  subscriptionStats(): SubscriptionStats;
  stop(): Promise<void>;
}

/**
 * A property computed on first read and then kept on the object read (a plain value from then on; assigning
 * replaces it). Defined on a prototype, each object made from it computes its own.
 */
export function lazyProperty<T extends object, K extends keyof T>(target: T, key: K, make: () => T[K]): void {
  const settle = (self: T, value: T[K]) => Object.defineProperty(self, key, { value, writable: true, enumerable: true, configurable: true });
  Object.defineProperty(target, key, {
    get(this: T) {
      const value = make();
      settle(this, value);
      return value;
    },
    set(this: T, value: T[K]) {
      settle(this, value);
    },
    enumerable: true,
    configurable: true,
  });
}

const MAX_BODY_BYTES = 1_000_000;
/** A router's batch of per-caller fills (one subscription event's subscribers): many small queries. */
const MAX_BATCH_BODY_BYTES = 8_000_000;

/** Requests reach subgraphs only from the router, which sets x-forwarded-for to the end client. */
function clientIpOf(req: IncomingMessage): string | null {
  const forwarded = req.headers['x-forwarded-for'];
  const first = (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(',')[0]?.trim();
  return first || null;
}

/**
 * A client that hangs up before its answer (a closed tab, a router timeout, a cancelled fetch) is not a
 * fault of ours: it is logged once at info with what the request was, never as an error.
 */
export function isClientAbort(req: IncomingMessage, res: ServerResponse, error?: unknown): boolean {
  const code = (error as { code?: string } | undefined)?.code;
  if (code === 'ECONNRESET' || code === 'ERR_STREAM_PREMATURE_CLOSE' || code === 'EPIPE') return true;
  if (error instanceof Error && error.message === 'aborted') return true;
  return req.destroyed && !res.writableFinished;
}

function logClientAbort(logger: Logger, req: IncomingMessage, startedAt: number): void {
  logger.info(
    { requestId: requestIdOf(req), method: req.method, path: new URL(req.url ?? '/', 'http://localhost').pathname, afterMs: Date.now() - startedAt },
    'client closed the connection before the answer',
  );
}

export interface StartSubgraphOptions {
  /** Where the subgraph logs (default: a pino logger named after it at config.logLevel). */
  logger?: Logger;
}

export async function startSubgraph<TContext extends RequestContext>(
  def: SubgraphDefinition<TContext>,
  config: ServiceConfig,
  startOpts: StartSubgraphOptions = {},
): Promise<RunningSubgraph> {
  const logger = startOpts.logger ?? createLogger(def.name, config.logLevel);
  const orm = await createOrm({ config, entities: def.entities, migrations: def.migrations, logger });
  const bus: EventBus = createEventBus(config.redisUrl, logger, def.name);
  const resolveAzureUser =
    def.resolveAzureUser ??
    (config.auth.azure && config.identityUrl ? createAzureUserLookup({ identityUrl: config.identityUrl, routerSecret: config.routerSecret }) : undefined);
  const revocations = createRevocationList(config.redisUrl, { logger, name: def.name, maxStalenessSeconds: config.auth.revocationMaxStalenessSeconds });
  const verifier = createTokenVerifier(config.auth, { resolveAzureUser, revocations });
  const deps: SubgraphDeps = { config, orm, pubsub: bus.pubsub, logger, verifier, revocations };
  const schema = buildSubgraphSchema([{ typeDefs: def.typeDefs, resolvers: def.resolvers }]);

  const buildContext = async (authorization: string | undefined, requestId: string, ip: string | null, trace?: TraceContext): Promise<TContext> =>
    contextFor(await verifier.verify(authorization, trace), requestId, ip, authorization, trace);
  const contextFor = async (viewer: Viewer, requestId: string, ip: string | null, authorization?: string, trace?: TraceContext): Promise<TContext> => {
    // The EntityManager and the child logger are made when first used: a request answered from a cache may
    // need neither (forking an EntityManager is a good part of a small request's CPU). They live on the
    // context's prototype, which Apollo Server keeps when it copies the context for an operation; a subgraph
    // adds its own fields with Object.assign (a spread would leave them behind).
    const lazy = {} as RequestContext;
    lazyProperty(lazy, 'em', () => tracedFork(orm, trace));
    lazyProperty(lazy, 'logger', () => logger.child({ requestId, ...(trace ? traceIdsToBind(trace) : {}) }));
    const base: RequestContext = Object.assign(Object.create(lazy) as RequestContext, {
      viewer,
      requestId,
      ip,
      ...(trace ? { traceContext: trace } : {}),
      pubsub: bus.pubsub,
      ...(authorization && viewer.kind === 'user' ? { authorization } : {}),
    });
    if (!def.context) return base as TContext;
    const context = await def.context(base, deps);
    // A spread ({ ...base }) would drop em and logger without a type error: refuse it on the first request.
    if (Object.getPrototypeOf(context) !== lazy) throw new Error(`${def.name}: the subgraph's context must extend the kit's with Object.assign(base, {...}), not a copy`);
    return context;
  };

  const routes = def.httpRoutes?.(deps) ?? {};
  const httpServer = http.createServer({ keepAliveTimeout: 65_000 });
  const wsServer = new WebSocketServer({ noServer: true });
  const errors = createErrorTracker(def.name, logger);
  const subscriptions = serveSubgraphSubscriptions({ schema, wsServer, verifier, routerSecret: config.routerSecret, revocations, logger, context: contextFor, errors });

  const apollo = new ApolloServer<TContext>({
    schema,
    introspection: true,
    formatError: createErrorFormatter(),
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer }),
      ApolloServerPluginLandingPageDisabled(),
      ApolloServerPluginInlineTraceDisabled(),
      // No @cacheControl hints in any subgraph (the router decides what is cacheable, see its http-cache.ts):
      // the plugin would only wrap every field's resolver to compute a maxAge of 0.
      ApolloServerPluginCacheControlDisabled(),
      metricsPlugin(def.name),
      errorTrackingPlugin(errors),
      delegatedAccessPlugin<TContext>(),
      ...(def.plugins?.(deps) ?? []),
    ],
  });
  const metricsAccess = metricsAccessFrom(process.env, config.nodeEnv === 'production');
  const unwatch = [
    watchSubscriptions(def.name, 'client', subscriptions.stats),
    watchOrm(def.name, orm, { outbox: def.entities.includes(OutboxEventSchema) }),
  ];
  await apollo.start();

  httpServer.on('request', (req, res) => {
    const path = pathOf(req.url);
    observeHttpResponse(def.name, req, res, path);
    if (path === null) return refuseRequestTarget(res);
    const startedAt = Date.now();
    if (path === '/health') return sendJson(res, 200, { status: 'ok', service: def.name });
    if (path === METRICS_PATH) {
      serveMetrics(req, res, metricsAccess).catch((error: unknown) => {
        logger.error({ err: error }, 'metrics failed');
        if (!res.headersSent) sendJson(res, 500, { error: 'internal error' });
      });
      return;
    }
    if (path === '/ready') {
      void checkReadiness(orm, config.redisUrl).then((r) => sendJson(res, r.ok ? 200 : 503, { service: def.name, ...r }));
      return;
    }
    const route = routes[path];
    if (route) {
      traceIncoming(req, res, path, (trace) => {
        Promise.resolve(route(req, res)).catch((error: unknown) => {
          if (isClientAbort(req, res, error)) return logClientAbort(logger, req, startedAt);
          errors.capture(error, { requestId: requestIdOf(req), trace });
          if (!res.headersSent) sendJson(res, 500, { error: 'internal error' });
          else res.end();
        });
      });
      return;
    }
    if (path !== GRAPHQL_PATH) return sendJson(res, 404, { error: 'not found' });
    if (!hasRouterSecret(req, config.routerSecret)) {
      return sendGraphQLError(res, 403, 'FORBIDDEN', 'Subgraphs accept requests only from the router');
    }
    // The subgraph's span of the request's trace (the router's traceparent), around everything it does.
    traceIncoming(req, res, path, (trace) => {
      const served =
        req.method === 'POST' && req.headers[CALLER_BATCH_HEADER] === 'per-caller'
          ? serveCallerBatch(apollo, req, res, { maxBodyBytes: MAX_BATCH_BODY_BYTES, context: (authorization, requestId, ip) => buildContext(authorization, requestId, ip, trace) })
          : serveGraphQL(apollo, req, res, {
              maxBodyBytes: MAX_BODY_BYTES,
              context: (r: IncomingMessage, requestId) => buildContext(r.headers.authorization, requestId, clientIpOf(r), trace),
            });
      served.catch((error: unknown) => {
        if (isClientAbort(req, res, error)) return logClientAbort(logger, req, startedAt);
        errors.capture(error, { requestId: requestIdOf(req), trace });
        if (!res.headersSent) sendGraphQLError(res, 500, 'INTERNAL_SERVER_ERROR', 'Internal server error');
        else res.end();
      });
    });
  });
  httpServer.on('upgrade', (req, socket, head) => {
    const path = pathOf(req.url);
    if (path === null) return refuseUpgradeTarget(socket);
    if (path !== GRAPHQL_PATH || !hasRouterSecret(req, config.routerSecret)) {
      socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\n\r\n');
      return;
    }
    wsServer.handleUpgrade(req, socket, head, (ws) => wsServer.emit('connection', ws, req));
  });

  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(config.port, () => resolve());
  });
  const port = (httpServer.address() as AddressInfo).port;
  const stopBackground = def.background ? await def.background(deps) : async () => {};
  const url = `http://127.0.0.1:${port}${GRAPHQL_PATH}`;
  logger.info({ url }, 'subgraph ready');

  let stopping: Promise<void> | null = null;
  const stop = () => {
    stopping ??= (async () => {
      for (const stopWatching of unwatch) stopWatching();
      await stopBackground();
      await subscriptions.dispose();
      wsServer.close();
      // Drains in-flight HTTP requests, then closes the server.
      await apollo.stop();
      await bus.close();
      await revocations.close();
      await orm.close(true);
      await errors.close();
      logger.info('subgraph stopped');
    })();
    return stopping;
  };
  return { ...deps, name: def.name, url, port, httpServer, subscriptionStats: subscriptions.stats, stop };
}
