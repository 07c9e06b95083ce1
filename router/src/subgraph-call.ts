// What RemoteGraphQLDataSource.process does for one subgraph call, without node-fetch's Headers and Request
// objects that it builds on every call and that the router's fetcher (./subgraph-http.ts) never reads: the
// headers are a plain map, the body is serialised once (query first, so replicas.ts can tell a read from a
// mutation without parsing it), and the subgraph's Cache-Control still restricts the response's cache policy.
import type { FetcherHeaders, FetcherResponse } from '@apollo/utils.fetcher';
import type { GraphQLDataSourceProcessOptions, RemoteGraphQLDataSource } from '@apollo/gateway';
import { GraphQLDataSourceRequestKind } from '@apollo/gateway/dist/datasources/types';
import { parseCacheControlHeader } from '@apollo/gateway/dist/datasources/parseCacheControlHeader';
import type { GatewayGraphQLResponse } from '@apollo/server-gateway-interface';
import type { RouterContext } from './context.ts';

/** Header names are case-insensitive: kept lower-case, as Node sends them anyway. */
export class PlainHeaders implements FetcherHeaders {
  private readonly map = new Map<string, string>();
  constructor(from?: Iterable<[string, string]>) {
    if (from) for (const [name, value] of from) this.append(name, value);
  }
  append(name: string, value: string): void {
    const key = name.toLowerCase();
    const had = this.map.get(key);
    this.map.set(key, had === undefined ? value : `${had}, ${value}`);
  }
  delete(name: string): void {
    this.map.delete(name.toLowerCase());
  }
  get(name: string): string | null {
    return this.map.get(name.toLowerCase()) ?? null;
  }
  has(name: string): boolean {
    return this.map.has(name.toLowerCase());
  }
  set(name: string, value: string): void {
    this.map.set(name.toLowerCase(), value);
  }
  entries() {
    return this.map.entries();
  }
  keys() {
    return this.map.keys();
  }
  values() {
    return this.map.values();
  }
  [Symbol.iterator]() {
    return this.map.entries();
  }
  toObject(): Record<string, string> {
    return Object.fromEntries(this.map);
  }
}

const isObject = (value: unknown): value is object => value !== null && typeof value === 'object' && !Array.isArray(value);

/** One subgraph call as RemoteGraphQLDataSource makes it (apq off, as the router's sources are). */
export async function callSubgraph(
  source: RemoteGraphQLDataSource<RouterContext>,
  options: GraphQLDataSourceProcessOptions<RouterContext>,
): Promise<GatewayGraphQLResponse> {
  const { request } = options;
  const context = options.context as RouterContext;
  const headers = new PlainHeaders(request.http?.headers);
  headers.set('content-type', 'application/json');
  request.http = { method: 'POST', url: source.url, headers };
  await source.willSendRequest?.(options);
  if (!request.query) throw new Error('Missing query');
  const incoming = options.kind === GraphQLDataSourceRequestKind.INCOMING_OPERATION ? options : null;
  const policy = source.honorSubgraphCacheControlHeader ? incoming?.incomingRequestContext.overallCachePolicy : undefined;
  const overallCachePolicy = policy && 'restrict' in policy ? policy : null;

  const { http, query, ...rest } = request;
  const init = {
    method: http!.method,
    headers: http!.headers instanceof PlainHeaders ? http!.headers.toObject() : Object.fromEntries(http!.headers),
    body: JSON.stringify({ query, ...rest }),
    traceContext: context?.traceContext,
  };
  const fetched: FetcherResponse = await source.fetcher(http!.url, init);
  if (!fetched.ok) throw await source.errorFromResponse(fetched);
  const body = await source.parseBody(fetched, undefined, context);
  if (!isObject(body)) throw new Error(`Expected JSON response body, but received: ${String(body)}`);
  const response: GatewayGraphQLResponse = { ...body, http: fetched };
  const processed = source.didReceiveResponse
    ? await source.didReceiveResponse({ response, request: { query, ...rest }, context, pathInIncomingRequest: incoming?.pathInIncomingRequest })
    : response;
  if (overallCachePolicy) {
    const parsed = parseCacheControlHeader(fetched.headers.get('cache-control'));
    const hint: { maxAge: number; scope?: 'PRIVATE' | 'PUBLIC' } = { maxAge: 0 };
    const maxAge = parsed['max-age'];
    if (typeof maxAge === 'string' && /^[0-9]+$/.test(maxAge)) hint.maxAge = Number(maxAge);
    if (parsed['private'] === true) hint.scope = 'PRIVATE';
    if (parsed['public'] === true) hint.scope = 'PUBLIC';
    overallCachePolicy.restrict(hint as Parameters<typeof overallCachePolicy.restrict>[0]);
  }
  return processed;
}
