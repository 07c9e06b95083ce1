// The single endpoint: HTTP for queries and mutations on /graphql, graphql-ws subscriptions on the same
// URL, edge token check, rate limiting, armor limits, body cap, health, and a graceful stop.
// Subgraph traffic goes through the gateway (subscriptions: see ./subscriptions/).
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync } from 'node:fs';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';
import type { ApolloGateway } from '@apollo/gateway';
import {
  ConfigError,
  createAzureUserLookup,
  createErrorFormatter,
  createErrorTracker,
  errorTrackingPlugin,
  createLogger,
  createRedis,
  createRevocationList,
  createTokenVerifier,
  pingRedis,
  requestIdOf,
  sendGraphQLError,
  sendJson,
  serveGraphQL,
  DomainError,
  delegatedAccessPlugin,
  METRICS_PATH,
  countGraphQLError,
  metricsPlugin,
  observeHttpResponse,
  pathOf,
  refuseRequestTarget,
  serveMetrics,
  watchSubscriptions,
  type AzureUserResolver,
  type Logger,
  type Viewer,
} from '@clinic/service-kit';
import type { Redis } from 'ioredis';
import type { RouterConfig } from './config.ts';
import type { RouterContext } from './context.ts';
import { createGateway, replicaPoolFor, subgraphUrl, SubgraphSource } from './gateway.ts';
import { edgeProtection, hideLimits, parseOptions } from './edge-limits.ts';
import { createRateLimiter } from './rate-limit.ts';
import { createSyncedRateLimiter } from './local-rate-limit.ts';
import { accessDirectives, withAccessFilter } from './access-filter.ts';
import { createClientIpResolver, createPeerTrust, type ClientIpOf } from './client-ip.ts';
import { incomingTraceContext, startServerSpan, traceIds, type TraceContext } from '@clinic/service-kit/telemetry';
import { boundedLogger, clientWentAway } from './logging.ts';
import { requestChecksPlugin } from './request-checks.ts';
import { loadPersistedOperations, persistedOperationsPlugin, persistedQueryCache } from './persisted-operations.ts';
import { proxyToSubgraph, publicRouteFor, type PublicTarget } from './public-routes.ts';
import { attachSubscriptionServer, type SubscriptionServer } from './subscriptions/server.ts';
import { subscriptionsOverHttpRefused } from './subscriptions/http-guard.ts';
import { httpCachePlugin } from './http-cache.ts';
import { withSingleFetchLane } from './single-fetch.ts';
import { createKnownOperations, type ReplayContext } from './known-operations.ts';

export const ROUTER_PATH = '/graphql';

export interface RunningRouter {
  url: string;
  port: number;
  httpServer: http.Server;
  gateway: ApolloGateway;
  logger: Logger;
  /** The graphql-ws side: open client connections, subscriptions and upstream connections. */
  subscriptions: SubscriptionServer;
  stop(): Promise<void>;
}

export interface RouterOptions {
  /** Supergraph SDL to serve instead of reading `config.supergraphPath` (tests). */
  supergraphSdl?: string;
  resolveAzureUser?: AzureUserResolver;
  /** Where the router logs (tests collect lines); default: pino on stdout at LOG_LEVEL. */
  logger?: Logger;
}

function clientKey(viewer: Viewer, clientIp: string | null | undefined): string {
  if (viewer.kind === 'user') return `user:${viewer.userId}`;
  if (viewer.kind === 'partner') return `partner:${viewer.clientId}`;
  return `ip:${clientIp ?? 'unknown'}`;
}

export async function startRouter(config: RouterConfig, opts: RouterOptions = {}): Promise<RunningRouter> {
  const production = config.nodeEnv === 'production';
  const logger = boundedLogger(opts.logger ?? createLogger('router', config.logLevel));
  // Azure AD users are mapped to ours by identity, asked at the URL the loaded supergraph gives it.
  let azureLookup: AzureUserResolver | undefined;
  const resolveAzureUser: AzureUserResolver | undefined =
    opts.resolveAzureUser ??
    (config.auth.azure
      ? (tenantId, objectId) => {
          azureLookup ??= createAzureUserLookup({
            identityUrl: subgraphUrls.get('identity') ?? config.identityUrl ?? 'http://localhost:4001/graphql',
            routerSecret: config.routerSecret,
          });
          return azureLookup(tenantId, objectId);
        }
      : undefined);
  // Signed-out sessions, deactivated users and revoked partners stop at the edge within a second.
  const revocations = createRevocationList(config.redisUrl, { logger, name: 'router', maxStalenessSeconds: config.auth.revocationMaxStalenessSeconds });
  // Signatures are checked once per token; revocation still on every request (see rememberVerified).
  const verifier = createTokenVerifier(config.auth, { resolveAzureUser, revocations });
  let clientIpOf: ClientIpOf;
  let peerTrusted: (req: IncomingMessage) => boolean;
  try {
    clientIpOf = createClientIpResolver(config.trustedProxies);
    peerTrusted = createPeerTrust(config.trustedProxies);
  } catch (error) {
    throw new ConfigError((error as Error).message);
  }
  const redis: Redis | null = config.redisUrl ? createRedis(config.redisUrl, 'router-ratelimit') : null;
  if (!redis) logger.warn('REDIS_URL is not set: rate limits are per router process');
  // Decided locally and synchronised with Redis in the background: no round trip before the query.
  const budgets = config.limits.rateLimitKeyPrefix;
  const rateLimiter = createSyncedRateLimiter({ points: config.limits.rateLimitPoints, windowSeconds: config.limits.rateLimitWindowSeconds, redis, keyPrefix: `${budgets}:synced` });
  // The public routes are keyed by client address (they are where credentials are tried), POST /auth/token more strictly.
  const authWindow = config.limits.authRateLimitWindowSeconds;
  const publicRouteLimiter = createRateLimiter({ points: config.limits.authRateLimitPoints, windowSeconds: authWindow, redis, keyPrefix: `${budgets}:public` });
  const tokenLimiter = createRateLimiter({ points: config.limits.tokenRateLimitPoints, windowSeconds: authWindow, redis, keyPrefix: `${budgets}:token` });
  const gateway = createGateway(config, opts.supergraphSdl);
  // Subgraph name → URL as the loaded supergraph (with overrides) says, for the public-route proxy.
  const subgraphUrls = new Map<string, string>();
  gateway.onSchemaLoadOrUpdate(({ coreSupergraphSdl }) => {
    for (const match of coreSupergraphSdl.matchAll(/@join__graph\(name: "([^"]+)", url: "([^"]+)"\)/g)) {
      subgraphUrls.set(match[1]!, subgraphUrl(config, match[1]!, match[2]));
    }
  });
  const httpServer = http.createServer({ keepAliveTimeout: 65_000 });
  const armor = edgeProtection(config.limits, production);
  const formatError = createErrorFormatter();
  const errors = createErrorTracker('router', logger);
  // The web app's manifest: preloads APQ; enforced for first-party callers with PERSISTED_OPERATIONS=enforce.
  const persisted = config.persistedOperations.mode === 'enforce' || existsSync(config.persistedOperations.manifestPath)
    ? loadPersistedOperations(config.persistedOperations.manifestPath)
    : null;
  // Registered before apollo.start() so it sees the first supergraph load.
  const subscriptions = attachSubscriptionServer({
    httpServer,
    errors,
    path: ROUTER_PATH,
    gateway,
    verifier,
    rateLimiter,
    clientKey,
    clientIpOf,
    routerSecret: config.routerSecret,
    validationRules: armor.validationRules,
    maxTokens: config.limits.maxTokens,
    maxMessageBytes: config.limits.maxBodyBytes,
    dataSourceFor: (name, url) => new SubgraphSource(subgraphUrl(config, name, url), config.routerSecret, config.limits.upstreamTimeoutMs, name, replicaPoolFor(config, name)),
    logger,
    keepAliveMs: config.limits.wsKeepAliveMs,
    revocations,
    persisted: { mode: config.persistedOperations.mode, operations: persisted },
    replicasFor: (name) => replicaPoolFor(config, name),
    upstreamTimeoutMs: config.limits.upstreamTimeoutMs,
    holdingLimits: { connections: config.limits.wsConnectionsPerClient, subscriptions: config.limits.subscriptionsPerClient },
  });

  const access = accessDirectives((listener) => gateway.onSchemaLoadOrUpdate(({ coreSupergraphSdl }) => listener(coreSupergraphSdl)));
  // Operations already answered once skip Apollo Server's pipeline (see known-operations.ts).
  const knownOperations = createKnownOperations({
    maxVariablesDepth: config.limits.maxVariablesDepth,
    persisted: { mode: config.persistedOperations.mode, operations: persisted },
    allReadable: access.allReadable,
    logger,
  });
  const apollo = new ApolloServer<RouterContext>({
    gateway: knownOperations.gateway(withAccessFilter(gateway, withSingleFetchLane)),
    persistedQueries: { cache: persistedQueryCache(persisted) },
    introspection: !production,
    csrfPrevention: true,
    allowBatchedHttpRequests: false,
    includeStacktraceInErrorResponses: false,
    validationRules: armor.validationRules,
    parseOptions: parseOptions(config.limits),
    formatError: (formatted, error) => hideLimits(formatError(formatted, error), production),
    plugins: [
      subscriptionsOverHttpRefused<RouterContext>(),
      requestChecksPlugin<RouterContext>({ maxVariablesDepth: config.limits.maxVariablesDepth }),
      ApolloServerPluginDrainHttpServer({ httpServer }),
      production ? ApolloServerPluginLandingPageDisabled() : ApolloServerPluginLandingPageLocalDefault({ embed: true }),
      ...armor.plugins,
      access.plugin,
      metricsPlugin<RouterContext>('router'),
      errorTrackingPlugin<RouterContext>(errors),
      // The assistant's token for a patient: appointment operations only (see the kit's delegation.ts).
      delegatedAccessPlugin<RouterContext>(),
      persistedOperationsPlugin(config.persistedOperations.mode, persisted),
      httpCachePlugin(),
      knownOperations.plugin,
    ],
  });
  await apollo.start();
  const unwatch = [
    watchSubscriptions('router', 'client', subscriptions.stats),
    watchSubscriptions('router', 'upstream', () => {
      const s = subscriptions.stats();
      return { connections: s.upstreamConnections, subscriptions: s.upstreamSubscriptions };
    }),
  ];

  const handleGraphQL = async (req: IncomingMessage, res: ServerResponse, traceContext: TraceContext | undefined) => {
    const requestId = requestIdOf(req);
    const authorization = req.headers.authorization;
    let viewer: Viewer;
    try {
      viewer = await verifier.verify(authorization);
    } catch (error) {
      const message = error instanceof DomainError ? error.message : 'Token is invalid';
      countGraphQLError('router', 'UNAUTHENTICATED');
      return sendGraphQLError(res, 401, 'UNAUTHENTICATED', message, { 'www-authenticate': 'Bearer', 'x-request-id': requestId });
    }
    const clientIp = clientIpOf(req);
    const decision = await rateLimiter.consume(clientKey(viewer, clientIp));
    if (!decision.allowed) {
      countGraphQLError('router', 'RATE_LIMITED');
      return sendGraphQLError(res, 429, 'RATE_LIMITED', 'Too many requests; slow down and retry later', {
        'retry-after': String(decision.retryAfterSeconds),
        'x-request-id': requestId,
      });
    }
    req.headers['x-request-id'] = requestId;
    // `*/*` (what most HTTP clients send) gets JSON exactly as no Accept does, without Apollo's content negotiation per request.
    if (req.headers.accept === '*/*') delete req.headers.accept;
    const context: ReplayContext = { viewer, authorization, requestId, clientIp, traceContext };
    await serveGraphQL(apollo, req, res, {
      maxBodyBytes: config.limits.maxBodyBytes,
      answerFirst: (body) => knownOperations.answer(req, res, body, context),
      context: async () => context,
    });
  };

  const servePublicRoute = async (req: IncomingMessage, res: ServerResponse, route: PublicTarget, target: string) => {
    const clientIp = clientIpOf(req);
    const key = `ip:${clientIp ?? 'unknown'}`;
    const isTokenCall = req.method === 'POST' && route.pathAndQuery.split('?')[0] === '/auth/token';
    const decision = isTokenCall ? await tokenLimiter.consume(key) : await publicRouteLimiter.consume(key);
    if (!decision.allowed) {
      req.resume();
      return sendJson(res, 429, { error: 'too_many_requests' }, { 'retry-after': String(decision.retryAfterSeconds) });
    }
    proxyToSubgraph(req, res, route, target, clientIp);
  };

  httpServer.on('request', (req, res) => {
    const path = pathOf(req.url);
    observeHttpResponse('router', req, res, path);
    if (path === null) return refuseRequestTarget(res);
    if (path === '/health') return sendJson(res, 200, { status: 'ok', service: 'router' });
    if (path === METRICS_PATH) {
      serveMetrics(req, res, config.metrics).catch((error: unknown) => {
        logger.error({ err: error }, 'metrics failed');
        if (!res.headersSent) sendJson(res, 500, { error: 'internal error' });
      });
      return;
    }
    if (path === '/ready') {
      const check = redis && config.redisUrl ? pingRedis(config.redisUrl).then(() => 'ok' as const) : Promise.resolve('ok' as const);
      void check.then(
        (redisCheck) => sendJson(res, 200, { service: 'router', ok: true, checks: { supergraph: 'ok', redis: redisCheck } }),
        (error: Error) => sendJson(res, 503, { service: 'router', ok: false, checks: { supergraph: 'ok', redis: error.message } }),
      );
      return;
    }
    if (path === '/' && req.method === 'GET') {
      res.writeHead(302, { location: ROUTER_PATH });
      return res.end();
    }
    const publicRoute = publicRouteFor(req.url);
    if (publicRoute === 'invalid') return sendJson(res, 400, { error: 'bad request target' }, { connection: 'close' });
    if (publicRoute) {
      const target = subgraphUrls.get(publicRoute.subgraph);
      if (!target) return sendJson(res, 404, { error: 'not found' });
      servePublicRoute(req, res, publicRoute, target).catch((error: unknown) => {
        logger.error({ err: error }, 'public route failed');
        if (!res.headersSent) sendJson(res, 500, { error: 'internal error' });
      });
      return;
    }
    if (path !== ROUTER_PATH) return sendJson(res, 404, { error: 'not found' });
    // One trace per client request; a client's own traceparent is believed only from a trusted proxy. Its
    // context goes along explicitly (no async context in the router, see tracing.ts).
    const method = req.method ?? 'GET';
    const span = startServerSpan(`${method} ${ROUTER_PATH}`, incomingTraceContext(req.headers, peerTrusted(req)), { 'http.request.method': method, 'url.path': ROUTER_PATH });
    handleGraphQL(req, res, span?.context).then(
      () => span?.end(res.statusCode),
      (error: unknown) => {
        if (clientWentAway(req, error)) {
          // nginx calls this 499: the client hung up before the answer; nothing failed here.
          logger.info({ requestId: req.headers['x-request-id'], method, ...traceIds(span?.context) }, 'client closed request');
          span?.end(499);
          return;
        }
        const requestId = typeof req.headers['x-request-id'] === 'string' ? req.headers['x-request-id'] : undefined;
        // Recorded on the request's span (still open) as well.
        errors.capture(error, { requestId, trace: span?.context });
        span?.end(500, true);
        if (!res.headersSent) sendGraphQLError(res, 500, 'INTERNAL_SERVER_ERROR', 'Internal server error');
        else res.end();
      },
    );
  });

  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(config.port, () => resolve());
  });
  const port = (httpServer.address() as AddressInfo).port;
  const url = `http://localhost:${port}${ROUTER_PATH}`;
  logger.info({ url }, 'router ready');

  let stopping: Promise<void> | null = null;
  return {
    url,
    port,
    httpServer,
    gateway,
    logger,
    subscriptions,
    stop: () => {
      stopping ??= (async () => {
        for (const stopWatching of unwatch) stopWatching();
        rateLimiter.close();
        await subscriptions.close();
        await apollo.stop();
        await revocations.close();
        redis?.disconnect();
        await errors.close();
        logger.info('router stopped');
      })();
      return stopping;
    },
  };
}
