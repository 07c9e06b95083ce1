// graphql-ws on the router's own URL. A client authenticates once in `connection_init`
// ({ authorization: "Bearer ..." }); the router verifies it like an HTTP request (bad token: close 4401),
// rate-limits, applies the same armor limits and @authenticated/@requiresScopes check to each
// subscription, plans it against the current supergraph, and serves it through the owning subgraph.
// When the token expires, every subscription of the connection ends with UNAUTHENTICATED and the
// socket closes with 4401 so the client reconnects with a fresh token; so do they when the session is
// revoked (sign-out, deactivation…: a message on the revocation channel).
import type http from 'node:http';
import { randomUUID } from 'node:crypto';
import {
  getOperationAST,
  GraphQLError,
  parse,
  specifiedRules,
  validate,
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
  type ValidationRule,
} from 'graphql';
import { getVariableValues } from 'graphql/execution/values';
import { WebSocketServer } from 'ws';
import { useServer, type Extra } from 'graphql-ws/use/ws';
import type { Context as WsContext } from 'graphql-ws';
import type { ApolloGateway, GraphQLDataSource } from '@apollo/gateway';
import {
  DomainError,
  EventQueue,
  forbidden,
  isDelegated,
  expiredTokenResult,
  pathOf,
  refuseUpgradeTarget,
  trackedResult,
  requestIdOf,
  revocationMatches,
  timerAt,
  viewerExpiresAt,
  WS_CLOSE_UNAUTHORIZED,
  type ErrorTracker,
  type Logger,
  type RevocationList,
  type TokenVerifier,
  type Viewer,
} from '@clinic/service-kit';
import type { RouterContext } from '../context.ts';
import { checkOperationAccess } from '../access-directives.ts';
import type { ClientRateLimiter } from '../rate-limit.ts';
import { buildSupergraphView, type SubscriptionPlan, type SupergraphView } from './supergraph-view.ts';
import { UpstreamPool } from './upstream.ts';
import { FederatedSubscriptions } from './federated-subscription.ts';
import { BatchedFill } from './batched-fill.ts';
import { subscriptionSource, type PersistedGuard } from './persisted-guard.ts';
import { sendNext } from './client-frames.ts';
import { ClientHoldings, type HoldingLimits } from './client-holdings.ts';
import type { ReplicaPool } from '../replicas.ts';

export const WS_CLOSE_TOO_MANY_REQUESTS = 4429;

export interface SubscriptionServerOptions {
  httpServer: http.Server;
  path: string;
  gateway: ApolloGateway;
  verifier: TokenVerifier;
  rateLimiter: ClientRateLimiter;
  clientKey: (viewer: Viewer, clientIp: string | null) => string;
  /** The end client's address (X-Forwarded-For from trusted proxies only). */
  clientIpOf: (req: http.IncomingMessage) => string | null;
  routerSecret: string;
  /** graphql-armor's validation rules (depth, aliases, directives, cost). */
  validationRules: ValidationRule[];
  maxTokens: number;
  maxMessageBytes: number;
  /** The data source the gateway would use for a subgraph (same headers, timeouts, URL overrides). */
  dataSourceFor: (name: string, url: string) => GraphQLDataSource & { url?: string };
  logger: Logger;
  /** Unexpected errors of the router's own subscription work are captured here (once, with the request id). */
  errors?: ErrorTracker;
  /** Ping interval on both hops. */
  keepAliveMs?: number;
  /** Revoked sessions: their open connections are closed with 4401. */
  revocations?: Pick<RevocationList, 'onRevoked'>;
  /** Persisted operations (the manifest, and whether first-party callers are held to it). */
  persisted?: PersistedGuard;
  /** A subgraph's replicas, when it has several: subscriptions are spread over them and fail over. */
  replicasFor?: (serviceName: string) => ReplicaPool | undefined;
  /** Timeout of the per-event fill requests (UPSTREAM_TIMEOUT_MS). */
  upstreamTimeoutMs?: number;
  /** How many connections and live subscriptions one client may hold on this router at once. */
  holdingLimits: HoldingLimits;
}

export interface SubscriptionServerStats {
  /** Client connections and client subscriptions. */
  connections: number;
  subscriptions: number;
  /** Distinct subscriptions opened on subgraphs, and the (multiplexed) graphql-ws connections they use. */
  upstreamSubscriptions: number;
  upstreamConnections: number;
  /** HTTP requests sent to fill in other subgraphs' fields of events, and the per-caller fetches they carried. */
  fillRequests: number;
  fillFetches: number;
}

export interface SubscriptionServer {
  stats(): SubscriptionServerStats;
  close(): Promise<void>;
}

interface Connection {
  context: RouterContext;
  /** The rate limit's key for this caller: what its connections and subscriptions are counted under. */
  client: string;
  live: Set<EventQueue<ExecutionResult>>;
  cancelExpiry: (() => void) | null;
}

interface Prepared {
  connection: Connection;
  /** The client's socket and its id for this subscription: events are written to it directly (client-frames.ts). */
  socket: Ctx['extra']['socket'];
  id: string;
  view: SupergraphView;
  plan: SubscriptionPlan;
  document: DocumentNode;
  query: string;
  variables: Record<string, unknown>;
  /** Gives back the subscription's place under the client's cap. */
  release: () => void;
}

type Ctx = WsContext<Record<string, unknown>, Extra>;

const err = (message: string, code: string) => new GraphQLError(message, { extensions: { code } });

export function attachSubscriptionServer(opts: SubscriptionServerOptions): SubscriptionServer {
  const keepAliveMs = opts.keepAliveMs ?? 12_000;
  let view: SupergraphView | null = null;
  opts.gateway.onSchemaLoadOrUpdate(({ apiSchema, coreSupergraphSdl }) => {
    try {
      view = buildSupergraphView(coreSupergraphSdl, apiSchema, opts.dataSourceFor);
    } catch (error) {
      opts.logger.error({ err: error }, 'could not build the subscription planner; keeping the previous one');
    }
  });

  const connections = new Map<Ctx, Connection>();
  const holdings = new ClientHoldings(opts.holdingLimits);
  const upstream = new UpstreamPool(opts.routerSecret, keepAliveMs, opts.logger);
  const fill = new BatchedFill(opts.routerSecret, opts.upstreamTimeoutMs ?? 10_000, opts.replicasFor);
  const federated = new FederatedSubscriptions(upstream, fill, opts.logger, opts.errors);
  const rules = [...specifiedRules, ...opts.validationRules];
  const wsServer = new WebSocketServer({ noServer: true, maxPayload: opts.maxMessageBytes });

  opts.httpServer.on('upgrade', (req, socket, head) => {
    const path = pathOf(req.url);
    if (path === null) return refuseUpgradeTarget(socket);
    if (path !== opts.path) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
      return;
    }
    wsServer.handleUpgrade(req, socket, head, (ws) => wsServer.emit('connection', ws, req));
  });

  const expire = (ctx: Ctx, connection: Connection, reason = 'Token has expired') => {
    for (const queue of connection.live) queue.end(expiredTokenResult());
    setTimeout(() => ctx.extra.socket.close(WS_CLOSE_UNAUTHORIZED, reason), 100).unref();
  };
  const stopListening = opts.revocations?.onRevoked((revocation) => {
    for (const [ctx, connection] of connections) {
      if (revocationMatches(connection.context.viewer, revocation)) expire(ctx, connection, 'This session has ended; sign in again');
    }
  });

  const prepare = async (
    ctx: Ctx,
    id: string,
    connection: Connection,
    payload: { query: string; operationName?: string | null; variables?: Record<string, unknown> | null; extensions?: Record<string, unknown> | null },
    release: () => void,
  ): Promise<Prepared | readonly GraphQLError[]> => {
    const viewer = connection.context.viewer;
    const expiresAt = viewerExpiresAt(viewer);
    if (expiresAt !== null && expiresAt <= Date.now()) return [err('Token has expired; reconnect with a fresh token', 'UNAUTHENTICATED')];
    const current = view;
    if (!current) return [err('The supergraph is not loaded yet; retry shortly', 'SERVICE_UNAVAILABLE')];
    const decision = await opts.rateLimiter.consume(opts.clientKey(viewer, connection.context.clientIp));
    if (!decision.allowed) return [err(`Too many requests; retry in ${decision.retryAfterSeconds}s`, 'RATE_LIMITED')];

    const source = subscriptionSource(opts.persisted, viewer, payload);
    if (source instanceof GraphQLError) return [source];
    let document: DocumentNode;
    try {
      document = parse(source, { maxTokens: opts.maxTokens });
    } catch (error) {
      return [error instanceof GraphQLError ? error : err('Could not parse the operation', 'GRAPHQL_PARSE_FAILED')];
    }
    const operationName = payload.operationName ?? undefined;
    const operation = getOperationAST(document, operationName);
    if (!operation) return [err('Unable to identify the operation to run', 'BAD_REQUEST')];
    if (operation.operation !== 'subscription') {
      return [err('This WebSocket serves subscriptions; send queries and mutations over HTTP POST to the same URL', 'BAD_REQUEST')];
    }
    if (!current.apiSchema.getSubscriptionType()) return [err('This supergraph has no Subscription type', 'GRAPHQL_VALIDATION_FAILED')];
    const invalid = validate(current.apiSchema, document, rules);
    if (invalid.length) return invalid.map((e) => (e.extensions.code ? e : new GraphQLError(e.message, { nodes: e.nodes, extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } })));
    const refusal = checkOperationAccess(current.accessSchema, document, viewer, operationName);
    if (refusal) {
      if (refusal.extensions.code === 'UNAUTHENTICATED') {
        ctx.extra.socket.close(WS_CLOSE_UNAUTHORIZED, refusal.message.slice(0, 120));
      }
      return [refusal];
    }
    const coerced = getVariableValues(current.apiSchema, operation.variableDefinitions ?? [], payload.variables ?? {}, { maxErrors: 10 });
    if (coerced.errors) return coerced.errors.map((e) => new GraphQLError(e.message, { extensions: { code: 'BAD_USER_INPUT' } }));
    let plan: SubscriptionPlan;
    try {
      plan = current.plan(document, operationName);
    } catch (error) {
      opts.logger.warn({ err: error }, 'could not plan a subscription');
      return [err('This subscription cannot be planned', 'BAD_REQUEST')];
    }
    // Variables as the client sent them (the subgraph coerces again); coercion above only validates.
    return { connection, socket: ctx.extra.socket, id, view: current, plan, document, query: source, variables: payload.variables ?? {}, release };
  };

  const cleanup = useServer<Record<string, unknown>>(
    {
      onConnect: async (ctx) => {
        const params = ctx.connectionParams ?? {};
        const raw = params.authorization ?? params.Authorization;
        const authorization = typeof raw === 'string' && raw ? raw : undefined;
        const req = ctx.extra.request;
        const clientIp = opts.clientIpOf(req);
        let viewer: Viewer;
        try {
          viewer = await opts.verifier.verify(authorization);
          // The assistant's token for a patient runs a few queries and mutations, never a subscription.
          if (isDelegated(viewer)) throw forbidden('This token may not subscribe');
        } catch (error) {
          const reason = error instanceof DomainError ? error.message : 'Token is invalid';
          ctx.extra.socket.close(WS_CLOSE_UNAUTHORIZED, reason.slice(0, 120));
          return false;
        }
        const client = opts.clientKey(viewer, clientIp);
        const decision = await opts.rateLimiter.consume(client);
        if (!decision.allowed) {
          ctx.extra.socket.close(WS_CLOSE_TOO_MANY_REQUESTS, `Too many requests; retry in ${decision.retryAfterSeconds}s`);
          return false;
        }
        if (!holdings.openConnection(client)) {
          ctx.extra.socket.close(WS_CLOSE_TOO_MANY_REQUESTS, 'Too many open connections; close one and retry');
          return false;
        }
        const requestId = req.headers['x-request-id'] ? requestIdOf(req) : randomUUID();
        const context: RouterContext = { viewer, authorization, requestId, clientIp };
        const connection: Connection = {
          context,
          client,
          live: new Set(),
          cancelExpiry: null,
        };
        const expiresAt = viewerExpiresAt(viewer);
        if (expiresAt !== null) connection.cancelExpiry = timerAt(expiresAt, () => expire(ctx, connection));
        connections.set(ctx, connection);
        return true;
      },
      onSubscribe: async (ctx, id, payload) => {
        const connection = connections.get(ctx);
        if (!connection) return [err('The connection is closing', 'UNAUTHENTICATED')];
        const release = holdings.reserveSubscription(connection.client);
        if (!release) return [err(`Too many subscriptions open (at most ${opts.holdingLimits.subscriptions}); complete one and retry`, 'TOO_MANY_SUBSCRIPTIONS')];
        let prepared: Prepared | readonly GraphQLError[];
        try {
          prepared = await prepare(ctx, id, connection, payload, release);
        } catch (error) {
          release();
          throw error;
        }
        if (Array.isArray(prepared)) {
          release();
          return prepared as readonly GraphQLError[];
        }
        const args: ExecutionArgs = {
          schema: (prepared as Prepared).view.apiSchema,
          document: (prepared as Prepared).document,
          operationName: payload.operationName,
          variableValues: payload.variables,
          contextValue: prepared,
        };
        return args;
      },
      subscribe: (args) => {
        const { connection, socket, id, view: current, plan, document, query, variables, release } = args.contextValue as Prepared;
        const serviceName = plan.primary.serviceName;
        const source = current.dataSources.get(serviceName) as { url?: string } | undefined;
        const subgraphUrl = source?.url ?? current.subgraphUrls.get(serviceName);
        if (!subgraphUrl) {
          release();
          return { errors: [err(`No URL for the ${serviceName} service`, 'SERVICE_UNAVAILABLE')] };
        }
        const { requestId } = connection.context;
        let queue: ReturnType<typeof federated.open>;
        try {
          queue = federated.open(
            {
              view: current,
              plan,
              document,
              query,
              operationName: args.operationName ?? undefined,
              variables,
              context: connection.context,
              subgraphUrl,
              replicas: opts.replicasFor?.(serviceName),
            },
            // As graphql-ws's onNext below would: a fault of the router's is captured and masked to its stable code.
            (result) => queue.isClosed || sendNext(socket, id, opts.errors ? trackedResult(result, opts.errors, requestId) : result),
          );
        } catch (error) {
          release();
          throw error;
        }
        connection.live.add(queue);
        queue.onClosed(() => {
          connection.live.delete(queue);
          release();
        });
        return queue;
      },
      execute: () => ({ errors: [err('This WebSocket serves subscriptions only', 'BAD_REQUEST')] }),
      // An event's errors as the client may see them: a fault of the router's is captured and masked to its
      // stable code; a subgraph's (already captured there, masked) and coded errors pass. Events themselves
      // are written directly (client-frames.ts, the same masking); this sees a subscription's last message.
      onNext: (ctx, _id, _payload, _args, result) =>
        opts.errors ? trackedResult(result as ExecutionResult, opts.errors, connections.get(ctx)?.context.requestId) : undefined,
      onClose: async (ctx) => {
        const connection = connections.get(ctx);
        connections.delete(ctx);
        if (!connection) return;
        holdings.closeConnection(connection.client);
        connection.cancelExpiry?.();
        for (const queue of [...connection.live]) await queue.return();
      },
    },
    wsServer,
    keepAliveMs,
  );

  return {
    stats() {
      let subscriptions = 0;
      for (const c of connections.values()) subscriptions += c.live.size;
      return {
        connections: connections.size,
        subscriptions,
        upstreamSubscriptions: federated.upstreamSubscriptions,
        upstreamConnections: upstream.openClients,
        fillRequests: fill.stats.requests,
        fillFetches: fill.stats.fetches,
      };
    },
    async close() {
      stopListening?.();
      await cleanup.dispose();
      for (const connection of connections.values()) connection.cancelExpiry?.();
      connections.clear();
      await federated.close();
      await upstream.dispose();
    },
  };
}
