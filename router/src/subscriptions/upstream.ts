// The router's side of the second hop: a few multiplexed graphql-ws connections per subgraph replica carry
// the subscriptions of every caller (one connection per SUBSCRIPTIONS_PER_CONNECTION subscriptions, opened
// on demand, closed after its last subscription). The upgrade carries the router secret; each subscribe
// carries its caller's credentials in `extensions.caller` (router secret, token, request id, client ip),
// which the subgraph checks on subscribe and again on every event (see the kit's subscriptions.ts), so a
// caller whose token expires or is revoked loses only its own operations. One event's equal results for
// many of a connection's subscriptions arrive as one batched frame (the kit's batched-events.ts), parsed
// once and handed, as one shared object, to exactly the subscriptions it names. Keep-alive pings run on
// this hop as on the first.
import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import { createClient, type Client } from 'graphql-ws';
import { GraphQLError, type ExecutionResult } from 'graphql';
import {
  BATCHED_EVENTS,
  MULTIPLEXED_CONNECTION,
  parseBatchedNext,
  ROUTER_SECRET_HEADER,
  WS_CLOSE_UNAUTHORIZED,
  type Logger,
  type OperationCaller,
} from '@clinic/service-kit';

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

const onMessage = Object.getOwnPropertyDescriptor(WebSocket.prototype, 'onmessage')!;

interface PooledClient {
  client: Client;
  subscriptions: number;
  /** Where a batched frame's payload goes, by subscription id (graphql-ws's own id for it). */
  batchedSinks: Map<string, (result: ExecutionResult) => void>;
}

/** How many subscriptions one upstream connection carries before the next one opens. */
export const SUBSCRIPTIONS_PER_CONNECTION = 2_000;

/**
 * The router's graphql-ws clients: per subgraph URL, the fewest connections that keep each under
 * SUBSCRIPTIONS_PER_CONNECTION subscriptions, whoever the callers are; a connection closes when its last
 * subscription ends.
 */
export class UpstreamPool {
  private readonly clients = new Map<string, PooledClient[]>();
  /** The id the next `client.subscribe` takes (graphql-ws asks generateID synchronously in it). */
  private nextId: string | undefined;

  constructor(
    private readonly routerSecret: string,
    private readonly keepAliveMs: number,
    private readonly logger: Logger,
  ) {}

  get openClients(): number {
    let open = 0;
    for (const list of this.clients.values()) open += list.length;
    return open;
  }

  private clientFor(httpUrl: string): PooledClient {
    const list = this.clients.get(httpUrl) ?? [];
    let best: PooledClient | undefined;
    for (const pooled of list) if (!best || pooled.subscriptions < best.subscriptions) best = pooled;
    if (best && best.subscriptions < SUBSCRIPTIONS_PER_CONNECTION) return best;
    const headers: Record<string, string> = { [ROUTER_SECRET_HEADER]: this.routerSecret };
    const batchedSinks = new Map<string, (result: ExecutionResult) => void>();
    const dispatchBatched = (event: WebSocket.MessageEvent): boolean => {
      const batch = parseBatchedNext(event.data);
      if (!batch) return false;
      for (const id of batch.ids) batchedSinks.get(id)?.(batch.payload as ExecutionResult);
      return true;
    };
    class UpstreamSocket extends WebSocket {
      constructor(address: string, protocols?: string | string[]) {
        super(address, protocols, { headers, perMessageDeflate: false });
        // graphql-ws reads messages through `onmessage`: batched frames are taken out before it sees them.
        Object.defineProperty(this, 'onmessage', {
          configurable: true,
          get: () => onMessage.get!.call(this),
          set: (handler: ((event: WebSocket.MessageEvent) => void) | null) =>
            onMessage.set!.call(this, handler && ((event: WebSocket.MessageEvent) => dispatchBatched(event) || handler(event))),
        });
      }
    }
    const client = createClient({
      url: wsUrlOf(httpUrl),
      webSocketImpl: UpstreamSocket,
      connectionParams: { [MULTIPLEXED_CONNECTION]: true, [BATCHED_EVENTS]: true },
      generateID: () => this.nextId ?? randomUUID(),
      lazy: true,
      lazyCloseTimeout: 0,
      keepAlive: this.keepAliveMs,
      retryAttempts: 0,
      on: { error: (error) => this.logger.debug({ err: error, url: httpUrl }, 'upstream subscription socket error') },
    });
    const pooled = { client, subscriptions: 0, batchedSinks };
    this.clients.set(httpUrl, [...list, pooled]);
    return pooled;
  }

  /** Opens one upstream subscription with its caller's credentials; returns the function that ends it. */
  subscribe(httpUrl: string, serviceName: string, caller: UpstreamCaller, request: UpstreamRequest, sink: UpstreamSink): () => void {
    const pooled = this.clientFor(httpUrl);
    pooled.subscriptions += 1;
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      pooled.subscriptions -= 1;
      const list = this.clients.get(httpUrl);
      if (pooled.subscriptions === 0 && list?.includes(pooled)) {
        const rest = list.filter((c) => c !== pooled);
        if (rest.length) this.clients.set(httpUrl, rest);
        else this.clients.delete(httpUrl);
        void pooled.client.dispose();
      }
    };
    const credentials: OperationCaller = { routerSecret: this.routerSecret, authorization: caller.authorization, requestId: caller.requestId, clientIp: caller.clientIp };
    const id = randomUUID();
    pooled.batchedSinks.set(id, (result) => sink.next(result));
    const forget = () => pooled.batchedSinks.delete(id);
    this.nextId = id;
    let unsubscribe: () => void;
    try {
      unsubscribe = pooled.client.subscribe(
        { ...request, extensions: { caller: credentials } },
        {
          next: (result) => sink.next(result as ExecutionResult),
          error: (error) => {
            forget();
            release();
            sink.fail(upstreamFailure(error, serviceName), replicaWentAway(error));
          },
          complete: () => {
            forget();
            release();
            sink.complete();
          },
        },
      );
    } finally {
      this.nextId = undefined;
    }
    return () => {
      forget();
      unsubscribe();
      release();
    };
  }

  async dispose(): Promise<void> {
    const clients = [...this.clients.values()].flat();
    this.clients.clear();
    await Promise.all(clients.map((c) => c.client.dispose()));
  }
}
