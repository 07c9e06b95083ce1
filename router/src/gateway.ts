// The Apollo Gateway: loads the committed supergraph (or composes from running subgraphs in development)
// and calls subgraphs over keep-alive connections, forwarding the caller's token and the request id.
import { readFileSync } from 'node:fs';
import { ApolloGateway, IntrospectAndCompose, RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import type { GatewayGraphQLResponse } from '@apollo/server-gateway-interface';
import { GraphQLError } from 'graphql';
import { REQUEST_ID_HEADER, ROUTER_SECRET_HEADER, observeSubgraphFetch } from '@clinic/service-kit';
import type { RouterConfig } from './config.ts';
import type { RouterContext } from './context.ts';
import { withRouterEnforcedSecurity } from './access-directives.ts';
import { ReplicaPool, REPLICA_DOWN_STATUSES, connectionNeverSent, isIdempotentBody } from './replicas.ts';
import { mergeInFlight } from './inflight-merge.ts';
import { callSubgraph } from './subgraph-call.ts';
import { requestSubgraph, SubgraphResponse, type SubgraphRequestInit } from './subgraph-http.ts';
import { clientSpan } from '@clinic/service-kit/telemetry';
import { rememberPlan, takeReplay } from './single-fetch.ts';

/**
 * A subgraph's 4xx that carries a GraphQL error body (e.g. BAD_USER_INPUT for a variable it refused)
 * is a GraphQL result, not a transport failure: hand it to the gateway as one, so the client sees
 * the subgraph's error and code instead of a generic 500 (and the router logs no error for it).
 */
async function asGraphQLResult(response: SubgraphResponse): Promise<SubgraphResponse> {
  if (response.status < 400 || response.status >= 500 || !/json/.test(response.headers.get('content-type') ?? '')) return response;
  let errors: unknown;
  try {
    errors = ((await response.json()) as { errors?: unknown }).errors;
  } catch {
    errors = undefined;
  }
  return Array.isArray(errors) && errors.length ? response.withStatus(200) : response;
}

/**
 * fetch with pooled keep-alive sockets and a hard upstream timeout; its latency is a metric per subgraph.
 * With a replica pool: balanced, a failing replica ejected, and an idempotent fetch retried on another.
 */
export function createSubgraphFetcher(timeoutMs: number, subgraph = 'unknown', pool?: ReplicaPool) {
  return async (url: string, init?: SubgraphRequestInit): Promise<SubgraphResponse> => {
    const targets = pool && pool.size > 1 ? pool.order() : [url];
    const idempotent = isIdempotentBody(init?.body);
    for (let i = 0; ; i++) {
      const target = targets[i]!;
      const another = i < targets.length - 1;
      const started = performance.now();
      const seconds = () => (performance.now() - started) / 1000;
      try {
        // The call's client span (tracing on) carries the trace to the subgraph in its traceparent.
        const response = await clientSpan(target, init?.traceContext, (traceHeaders) =>
          requestSubgraph(target, traceHeaders ? { ...init, headers: { ...init?.headers, ...traceHeaders } } : init, timeoutMs),
        );
        observeSubgraphFetch(subgraph, seconds(), response.status >= 500 ? 'error' : 'ok');
        if (pool && REPLICA_DOWN_STATUSES.has(response.status)) {
          pool.failed(target);
          if (idempotent && another) continue;
        } else {
          pool?.succeeded(target);
        }
        return await asGraphQLResult(response);
      } catch (error) {
        if ((error as { name?: string }).name === 'AbortError' || (error as { type?: string }).type === 'aborted') {
          // Slow is not down: no ejection, and no second try that would double the wait.
          observeSubgraphFetch(subgraph, seconds(), 'timeout');
          throw new GraphQLError('A service took too long to answer', { extensions: { code: 'UPSTREAM_TIMEOUT' } });
        }
        observeSubgraphFetch(subgraph, seconds(), 'error');
        pool?.failed(target);
        if (another && (idempotent || connectionNeverSent(error))) continue;
        throw new GraphQLError('A service is unavailable', { extensions: { code: 'SERVICE_UNAVAILABLE' } });
      }
    }
  };
}

const pools = new WeakMap<RouterConfig, Map<string, ReplicaPool>>();
/** The one replica pool of a subgraph per router (shared by the gateway and the subscription executor). */
export function replicaPoolFor(config: RouterConfig, name: string): ReplicaPool | undefined {
  const urls = config.subgraphReplicas?.[name];
  if (!urls || urls.length < 2) return undefined;
  let byName = pools.get(config);
  if (!byName) pools.set(config, (byName = new Map()));
  let pool = byName.get(name);
  if (!pool) byName.set(name, (pool = new ReplicaPool(urls, { ejectMs: config.limits.replicaEjectMs })));
  return pool;
}

/** Calls one subgraph over HTTP; also used by the subscription executor for `_entities` fetches. */
export class SubgraphSource extends RemoteGraphQLDataSource<RouterContext> {
  constructor(url: string, private readonly routerSecret: string, timeoutMs: number, name?: string, pool?: ReplicaPool) {
    // Identical reads in flight for the same caller go upstream once (see inflight-merge.ts).
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    super({ url, fetcher: mergeInFlight(createSubgraphFetcher(timeoutMs, name, pool)) as any });
  }

  /** The same steps as the base class, without node-fetch objects nobody reads (see subgraph-call.ts). */
  override process(options: GraphQLDataSourceProcessOptions<RouterContext>): Promise<GatewayGraphQLResponse> {
    // The single-fetch lane may have fetched this very call already (its answer had errors: see single-fetch.ts).
    const replayed = options.context && options.request.query ? takeReplay(options.context, this, options.request.query) : undefined;
    return replayed ?? callSubgraph(this, options);
  }

  override willSendRequest({ request, context }: GraphQLDataSourceProcessOptions<RouterContext>): void {
    const headers = request.http?.headers;
    if (!headers) return;
    headers.set(ROUTER_SECRET_HEADER, this.routerSecret);
    // Introspection during composition has no request context.
    if (context && 'requestId' in context) {
      headers.set(REQUEST_ID_HEADER, context.requestId);
      if (context.authorization) headers.set('authorization', context.authorization);
      if (context.clientIp) headers.set('x-forwarded-for', context.clientIp);
    }
  }

  /**
   * A subgraph answers 400 when a value the router passed through unread cannot be read there (a custom
   * scalar such as a DateTime without its offset, as a variable or inline): that is the caller's input, so
   * it goes back as the subgraph's own message with BAD_USER_INPUT, not as an opaque "400: Bad Request"
   * that the router would report as an internal error.
   */
  override async errorFromResponse(response: Parameters<RemoteGraphQLDataSource['errorFromResponse']>[0]): Promise<GraphQLError> {
    if (response.status !== 400) return super.errorFromResponse(response);
    const body = (await this.parseBody(response).catch(() => null)) as { errors?: { message?: unknown }[] } | string | null;
    const message = typeof body === 'object' ? body?.errors?.[0]?.message : undefined;
    if (typeof message === 'string') return new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT' } });
    return new GraphQLError(`${response.status}: ${response.statusText}`);
  }
}

export function subgraphUrl(config: RouterConfig, name: string, url: string | undefined): string {
  const resolved = config.subgraphUrls[name] ?? url;
  if (!resolved) throw new Error(`No URL for subgraph ${name}: set SUBGRAPH_${name.toUpperCase()}_URL`);
  return resolved;
}

export function createGateway(config: RouterConfig, supergraphSdl?: string): ApolloGateway {
  // Stock @apollo/gateway reports usage to Apollo (hourly and when it stops) and probes cloud metadata services
  // to label the report; a clinic's router sends nothing outside the clinic. This variable is its only switch.
  process.env.APOLLO_TELEMETRY_DISABLED = 'true';
  const buildService = ({ name, url }: { name: string; url?: string }) =>
    new SubgraphSource(subgraphUrl(config, name, url), config.routerSecret, config.limits.upstreamTimeoutMs, name, replicaPoolFor(config, name));
  if (config.supergraphMode === 'compose') {
    const subgraphs = Object.entries(config.subgraphUrls).map(([name, url]) => ({ name, url }));
    const compose = new IntrospectAndCompose({ subgraphs, pollIntervalInMs: 10_000 });
    return new ApolloGateway({
      buildService,
      experimental_didResolveQueryPlan: rememberPlan,
      supergraphSdl: async (options) => {
        const result = await compose.initialize({ ...options, update: (sdl) => options.update(withRouterEnforcedSecurity(sdl)) });
        return { ...result, supergraphSdl: withRouterEnforcedSecurity(result.supergraphSdl) };
      },
    });
  }
  const sdl = supergraphSdl ?? readFileSync(config.supergraphPath, 'utf8');
  return new ApolloGateway({ supergraphSdl: withRouterEnforcedSecurity(sdl), buildService, experimental_didResolveQueryPlan: rememberPlan });
}
