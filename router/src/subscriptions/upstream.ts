// The router's side of the second hop: graphql-ws clients to the subgraphs, one per subgraph and caller
// token, opened on the first subscription and closed after the last. The upgrade carries the router
// secret, request id and client ip as headers; `connection_init` carries the caller's token (subgraphs
// verify it again). Keep-alive pings run on this hop as on the first.
import WebSocket from 'ws';
import { createClient, type Client } from 'graphql-ws';
import { GraphQLError, type ExecutionResult } from 'graphql';
import { REQUEST_ID_HEADER, ROUTER_SECRET_HEADER, WS_CLOSE_UNAUTHORIZED, type Logger } from '@clinic/service-kit';

export interface UpstreamCaller {
  authorization: string | undefined;
  requestId: string;
  clientIp: string | null;
}

export interface UpstreamRequest {
  query: string;
  operationName: string | undefined;
  variables: Record<string, unknown>;
}

export interface UpstreamSink {
  next(result: ExecutionResult): void;
  /**
   * The upstream ended the subscription with errors, or the connection failed; `replicaGone` when it was the
   * replica that went away (refused, dropped, going away), not a refusal of this subscription.
   */
  fail(result: ExecutionResult, replicaGone: boolean): void;
  complete(): void;
}

export function wsUrlOf(httpUrl: string): string {
  return httpUrl.replace(/^http(s?):\/\//, 'ws$1://');
}

function closeReason(error: unknown): { code?: number; reason?: string } {
  const e = error as { code?: unknown; reason?: unknown } | null;
  return { code: typeof e?.code === 'number' ? e.code : undefined, reason: typeof e?.reason === 'string' ? e.reason : undefined };
}

/**
 * Whether a graphql-ws failure means the replica is gone: a socket that could not connect or closed with a
 * transport code (1000–3999: going away, abnormal closure, restart…). GraphQL errors and graphql-ws/app codes
 * (4400 protocol, 4401 token, 4403, 4429…) are about this subscription and end it.
 */
export function replicaWentAway(error: unknown): boolean {
  if (Array.isArray(error)) return false;
  const { code } = closeReason(error);
  return code === undefined || code < 4000;
}

/** Turns whatever a graphql-ws sink reported into the result the client receives. */
export function upstreamFailure(error: unknown, serviceName: string): ExecutionResult {
  if (Array.isArray(error)) {
    return { errors: error.map((e: { message?: string; extensions?: Record<string, unknown> }) => new GraphQLError(String(e.message ?? 'Subscription failed'), { extensions: e.extensions ?? {} })) };
  }
  const { code, reason } = closeReason(error);
  if (code === WS_CLOSE_UNAUTHORIZED) {
    return { errors: [new GraphQLError(reason || 'Token is invalid', { extensions: { code: 'UNAUTHENTICATED' } })] };
  }
  return {
    errors: [new GraphQLError(`The ${serviceName} service ended the subscription; subscribe again`, { extensions: { code: 'SERVICE_UNAVAILABLE' } })],
  };
}

interface PooledClient {
  client: Client;
  subscriptions: number;
}

/**
 * The router's graphql-ws clients, one per subgraph and caller token: callers with the same token
 * (and anonymous callers) share a connection; a connection closes when its last subscription ends.
 */
export class UpstreamPool {
  private readonly clients = new Map<string, PooledClient>();

  constructor(
    private readonly routerSecret: string,
    private readonly keepAliveMs: number,
    private readonly logger: Logger,
  ) {}

  get openClients(): number {
    return this.clients.size;
  }

  private clientFor(key: string, httpUrl: string, caller: UpstreamCaller): PooledClient {
    const existing = this.clients.get(key);
    if (existing) return existing;
    const headers: Record<string, string> = { [ROUTER_SECRET_HEADER]: this.routerSecret, [REQUEST_ID_HEADER]: caller.requestId };
    if (caller.clientIp) headers['x-forwarded-for'] = caller.clientIp;
    if (caller.authorization) headers.authorization = caller.authorization;
    class UpstreamSocket extends WebSocket {
      constructor(address: string, protocols?: string | string[]) {
        super(address, protocols, { headers, perMessageDeflate: false });
      }
    }
    const client = createClient({
      url: wsUrlOf(httpUrl),
      webSocketImpl: UpstreamSocket,
      connectionParams: { authorization: caller.authorization, requestId: caller.requestId, clientIp: caller.clientIp },
      lazy: true,
      lazyCloseTimeout: 0,
      keepAlive: this.keepAliveMs,
      retryAttempts: 0,
      on: { error: (error) => this.logger.debug({ err: error, url: httpUrl }, 'upstream subscription socket error') },
    });
    const pooled = { client, subscriptions: 0 };
    this.clients.set(key, pooled);
    return pooled;
  }

  /** Opens one upstream subscription; returns the function that ends it. */
  subscribe(httpUrl: string, serviceName: string, caller: UpstreamCaller, request: UpstreamRequest, sink: UpstreamSink): () => void {
    const key = `${httpUrl}\u0000${caller.authorization ?? ''}`;
    const pooled = this.clientFor(key, httpUrl, caller);
    pooled.subscriptions += 1;
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      pooled.subscriptions -= 1;
      if (pooled.subscriptions === 0 && this.clients.get(key) === pooled) {
        this.clients.delete(key);
        void pooled.client.dispose();
      }
    };
    const unsubscribe = pooled.client.subscribe(request, {
      next: (result) => sink.next(result as ExecutionResult),
      error: (error) => {
        release();
        sink.fail(upstreamFailure(error, serviceName), replicaWentAway(error));
      },
      complete: () => {
        release();
        sink.complete();
      },
    });
    return () => {
      unsubscribe();
      release();
    };
  }

  async dispose(): Promise<void> {
    const clients = [...this.clients.values()];
    this.clients.clear();
    await Promise.all(clients.map((c) => c.client.dispose()));
  }
}
