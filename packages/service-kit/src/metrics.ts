// Prometheus metrics (prom-client) for every service, through the kit: GraphQL request rate, latency and
// errors per operation and code, HTTP responses by status, open WebSockets and subscriptions, DB pool use,
// outbox lag, queue depth / oldest age / failures, and the router's subgraph fetch latency. One registry
// per process (one service per process in production); every series carries a `service` label so a test
// process running several services still tells them apart. `/metrics` is never public: see metricsAccess.
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pathOf } from './http.ts';
import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import type { MikroORM } from '@mikro-orm/postgresql';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Queue, Worker } from 'bullmq';

export const METRICS_PATH = '/metrics';

export const metricsRegistry = new Registry();
collectDefaultMetrics({ register: metricsRegistry });

const registers = [metricsRegistry];
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

const graphqlRequests = new Counter({
  name: 'graphql_requests_total',
  help: 'GraphQL operations answered, by service and operation name',
  labelNames: ['service', 'operation'],
  registers,
});
const graphqlDuration = new Histogram({
  name: 'graphql_request_duration_seconds',
  help: 'Time to answer a GraphQL operation, by service and operation name',
  labelNames: ['service', 'operation'],
  buckets: LATENCY_BUCKETS,
  registers,
});
const graphqlErrors = new Counter({
  name: 'graphql_errors_total',
  help: 'GraphQL errors sent to callers, by service, operation name and stable error code',
  labelNames: ['service', 'operation', 'code'],
  registers,
});
const httpResponses = new Counter({
  name: 'http_responses_total',
  help: 'HTTP responses by service, route and status (edge refusals such as 401 and 429 included)',
  labelNames: ['service', 'route', 'status'],
  registers,
});
const subgraphFetchDuration = new Histogram({
  name: 'router_subgraph_fetch_duration_seconds',
  help: 'Router → subgraph HTTP fetch time, by subgraph and outcome (ok, error, timeout)',
  labelNames: ['subgraph', 'outcome'],
  buckets: LATENCY_BUCKETS,
  registers,
});
const queueJobs = new Counter({
  name: 'queue_jobs_total',
  help: 'Queue job attempts finished by this process, by queue and outcome (completed, failed)',
  labelNames: ['queue', 'outcome'],
  registers,
});

/** Sources read at scrape time; each returns the value of its gauge series. */
type Probe = () => Promise<void> | void;
const probes = new Set<Probe>();

function probedGauge(name: string, help: string, labelNames: string[]): Gauge {
  return new Gauge({
    name,
    help,
    labelNames,
    registers,
    async collect() {
      // All probed gauges are refreshed together, once per scrape (the first gauge collected triggers it).
      await refreshProbes();
    },
  });
}
let refreshing: Promise<void> | null = null;
async function refreshProbes(): Promise<void> {
  if (refreshing) return refreshing;
  refreshing = (async () => {
    for (const gauge of probedGauges) gauge.reset();
    // A probe that hangs (a database away) leaves its series out rather than stalling the scrape.
    await Promise.all([...probes].map((probe) => Promise.race([Promise.resolve(probe()).catch(() => {}), delay(2_000)])));
  })().finally(() => (refreshing = null));
  return refreshing;
}
function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

const wsConnections = probedGauge('websocket_connections', 'Open graphql-ws connections', ['service', 'side']);
const subscriptionsOpen = probedGauge('graphql_subscriptions', 'Open GraphQL subscriptions', ['service', 'side']);
const dbPool = probedGauge('db_pool_connections', 'Database pool connections by state (used, free, pending acquires, max)', ['service', 'state']);
const outboxPending = probedGauge('outbox_pending_events', 'Outbox events not yet delivered', ['service']);
const outboxLag = probedGauge('outbox_oldest_pending_age_seconds', 'Age of the oldest undelivered outbox event (0 when none)', ['service']);
const queueDepth = probedGauge('queue_jobs', 'Jobs in a queue by state (waiting, active, delayed, failed)', ['queue', 'state']);
const queueOldest = probedGauge('queue_oldest_waiting_age_seconds', 'Age of the oldest waiting job (0 when none)', ['queue']);
const probedGauges = [wsConnections, subscriptionsOpen, dbPool, outboxPending, outboxLag, queueDepth, queueOldest];

function addProbe(probe: Probe): () => void {
  probes.add(probe);
  return () => probes.delete(probe);
}

// ---- operation names: client-chosen, so bounded before they become label values ----
const MAX_OPERATION_NAMES = 500;
const seenOperations = new Set<string>();
export function operationLabel(name: string | null | undefined): string {
  if (!name) return '(anonymous)';
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,63}$/.test(name)) return '(invalid)';
  if (seenOperations.has(name)) return name;
  if (seenOperations.size >= MAX_OPERATION_NAMES) return '(other)';
  seenOperations.add(name);
  return name;
}

/** Counts a GraphQL error answered outside Apollo (e.g. the router's 401/429 before execution). */
export function countGraphQLError(service: string, code: string, operation: string | null = null): void {
  graphqlErrors.inc({ service, operation: operationLabel(operation), code });
}

/**
 * One answered GraphQL request: its count, latency since `started` (process.hrtime.bigint()) and errors (by the
 * code the caller sees). The plugin below and the router's known-operation lane, which answers without Apollo.
 */
export function countGraphQLRequest(
  service: string,
  operationName: string | null | undefined,
  started: bigint,
  errors?: readonly { extensions?: Record<string, unknown> }[],
): void {
  const operation = operationLabel(operationName);
  graphqlRequests.inc({ service, operation });
  graphqlDuration.observe({ service, operation }, Number(process.hrtime.bigint() - started) / 1e9);
  for (const error of errors ?? []) {
    const code = typeof error.extensions?.code === 'string' ? error.extensions.code : 'INTERNAL_SERVER_ERROR';
    graphqlErrors.inc({ service, operation, code });
  }
}

/** Apollo plugin: request count, latency and errors (by the code the caller sees) per operation name. */
export function metricsPlugin<TContext extends BaseContext>(service: string): ApolloServerPlugin<TContext> {
  return {
    async requestDidStart() {
      const started = process.hrtime.bigint();
      return {
        async willSendResponse({ request, operationName, response }) {
          countGraphQLRequest(service, operationName ?? request.operationName, started, response.body.kind === 'single' ? response.body.singleResult.errors : undefined);
        },
      };
    },
  };
}

const KNOWN_ROUTES = new Set(['/graphql', '/health', '/ready', METRICS_PATH]);
/** Counts the response by status when it is finished. Call first thing in the request handler. */
export function observeHttpResponse(service: string, req: IncomingMessage, res: ServerResponse, path = pathOf(req.url)): void {
  const route = path !== null && KNOWN_ROUTES.has(path) ? path : 'other';
  res.once('finish', () => httpResponses.inc({ service, route, status: String(res.statusCode) }));
}

/** Router: one subgraph fetch's duration and outcome. */
export function observeSubgraphFetch(subgraph: string, seconds: number, outcome: 'ok' | 'error' | 'timeout'): void {
  subgraphFetchDuration.observe({ subgraph, outcome }, seconds);
}

export interface SocketCounts {
  connections: number;
  subscriptions: number;
}
/** Open WebSockets and subscriptions, read at scrape time; `side` tells client-facing from upstream. Returns the unwatch function. */
export function watchSubscriptions(service: string, side: string, stats: () => SocketCounts): () => void {
  return addProbe(() => {
    const s = stats();
    wsConnections.inc({ service, side }, s.connections);
    subscriptionsOpen.inc({ service, side }, s.subscriptions);
  });
}

interface TarnPool {
  numUsed(): number;
  numFree(): number;
  numPendingAcquires(): number;
  max: number;
}
/** DB pool use and, when the service has an outbox, its lag. Returns the unwatch function. */
export function watchOrm(service: string, orm: MikroORM, opts: { outbox: boolean }): () => void {
  return addProbe(async () => {
    const pool = (orm.em.getConnection().getKnex().client as { pool?: TarnPool }).pool;
    if (pool) {
      dbPool.inc({ service, state: 'used' }, pool.numUsed());
      dbPool.inc({ service, state: 'free' }, pool.numFree());
      dbPool.inc({ service, state: 'pending' }, pool.numPendingAcquires());
      dbPool.inc({ service, state: 'max' }, pool.max);
    }
    if (!opts.outbox) return;
    const [row] = await orm.em
      .getConnection()
      .execute<{ pending: number; age: number | null }[]>(
        `select count(*)::int as pending, extract(epoch from (now() - min(created_at)))::float8 as age from outbox_events where published_at is null`,
      );
    outboxPending.inc({ service }, row?.pending ?? 0);
    outboxLag.inc({ service }, Math.max(0, row?.age ?? 0));
  });
}

/** Queue depth by state and the oldest waiting job's age, read at scrape time; failures counted as they happen. */
export function watchQueue(name: string, queue: Queue, worker?: Worker): () => void {
  worker?.on('completed', () => queueJobs.inc({ queue: name, outcome: 'completed' }));
  worker?.on('failed', () => queueJobs.inc({ queue: name, outcome: 'failed' }));
  return addProbe(async () => {
    const counts = await queue.getJobCounts('waiting', 'active', 'delayed', 'failed');
    for (const [state, count] of Object.entries(counts)) queueDepth.inc({ queue: name, state }, count);
    const [oldest] = await queue.getJobs(['wait'], 0, 0, true);
    queueOldest.inc({ queue: name }, oldest ? Math.max(0, (Date.now() - oldest.timestamp) / 1000) : 0);
  });
}

// ---- who may scrape ----
export interface MetricsAccess {
  /** METRICS_TOKEN: scrapers send `Authorization: Bearer <token>`. */
  token: string | null;
  production: boolean;
}

/** Reads METRICS_TOKEN (services whose config does not carry it read the environment here). */
export function metricsAccessFrom(env: Record<string, string | undefined>, production: boolean): MetricsAccess {
  return { token: env.METRICS_TOKEN || null, production };
}

function isLoopback(address: string | undefined): boolean {
  return address === '127.0.0.1' || address === '::1' || address === '::ffff:127.0.0.1';
}

function tokenMatches(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Serves /metrics to whoever may scrape: with METRICS_TOKEN set, only a matching bearer token; without it,
 * nobody in production and only loopback callers elsewhere (a developer's own machine). A refused scrape
 * answers 404 so the endpoint is not advertised to the public.
 */
export async function serveMetrics(req: IncomingMessage, res: ServerResponse, access: MetricsAccess): Promise<void> {
  const header = req.headers.authorization ?? '';
  const bearer = /^Bearer (.+)$/i.exec(header)?.[1];
  const allowed = access.token ? bearer !== undefined && tokenMatches(bearer, access.token) : !access.production && isLoopback(req.socket.remoteAddress);
  if (!allowed || req.method !== 'GET') {
    res.writeHead(404, { 'content-type': 'application/json; charset=utf-8' });
    res.end(JSON.stringify({ error: 'not found' }));
    return;
  }
  const text = await metricsRegistry.metrics();
  res.writeHead(200, { 'content-type': metricsRegistry.contentType });
  res.end(text);
}
