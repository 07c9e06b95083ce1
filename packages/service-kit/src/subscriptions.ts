// graphql-ws for a subgraph. The router opens one connection per client connection and forwards the
// client's token in `connection_init` ({ authorization, requestId, clientIp }). The token is verified
// once at connect (a bad one closes the socket with 4401); when it expires, the connection's
// subscriptions end with an UNAUTHENTICATED error and the socket closes. Every subscription runs
// through an EventQueue so unsubscribe/disconnect stop the Redis subscription at once, and the
// live count is exposed so tests can assert nothing is left open.
import type { IncomingMessage } from 'node:http';
import { subscribe as graphqlSubscribe, type ExecutionResult, type GraphQLSchema } from 'graphql';
import type { WebSocketServer } from 'ws';
import type { PubSubEngine } from 'graphql-subscriptions';
import { useServer, type Extra } from 'graphql-ws/use/ws';
import type { Context as WsContext } from 'graphql-ws';
import type { Logger } from './logger.ts';
import type { TokenVerifier, Viewer } from './auth.ts';
import { DomainError, unauthenticated } from './errors.ts';
import { isUnexpected, trackedResult, type ErrorTracker } from './error-tracking.ts';
import { EventQueue } from './event-queue.ts';
import { REQUEST_ID_HEADER } from './http.ts';

/** Close codes both hops use: the token is missing/invalid/expired, or the caller may not connect. */
export const WS_CLOSE_UNAUTHORIZED = 4401;
export const WS_CLOSE_FORBIDDEN = 4403;

export interface SubscriptionStats {
  connections: number;
  subscriptions: number;
}


interface Connection {
  viewer: Viewer;
  requestId: string;
  ip: string | null;
  live: Set<EventQueue<ExecutionResult>>;
  cancelExpiry: (() => void) | null;
}

/** When a viewer's token stops being valid (ms since epoch), or null for anonymous callers. */
export function viewerExpiresAt(viewer: Viewer): number | null {
  return viewer.kind === 'anonymous' ? null : viewer.expiresAt;
}

/** A timer at a wall-clock deadline (also beyond the 24.8-day setTimeout limit); returns its cancel. */
export function timerAt(at: number, fire: () => void): () => void {
  let timer: NodeJS.Timeout;
  const arm = () => {
    timer = setTimeout(() => (Date.now() >= at ? fire() : arm()), Math.min(Math.max(0, at - Date.now()), 2 ** 31 - 1));
    timer.unref();
  };
  arm();
  return () => clearTimeout(timer);
}

export function expiredTokenResult(): ExecutionResult {
  return { errors: [unauthenticated('Token has expired; subscribe again with a fresh token')] };
}

/** What a subscriber sees of a fault already captured: the stable code only (a DomainError: not captured again). */
function internalErrorResult(): ExecutionResult {
  return { errors: [new DomainError('INTERNAL_SERVER_ERROR', 'Internal server error')] };
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function stringParam(params: Record<string, unknown>, name: string): string | undefined {
  const value = params[name];
  return typeof value === 'string' && value.length <= 8192 ? value : undefined;
}

/**
 * A subscription resolver's source: subscribes to a pub/sub topic and resolves once Redis has confirmed
 * the subscription (so an event published right after "subscribed" is not missed). `select` runs per
 * event and decides what this subscriber receives (return undefined to skip: per-event authorization).
 * `return()` unsubscribes at once.
 */
export async function subscribeTopic<TPayload, TEvent>(
  pubsub: PubSubEngine,
  topic: string,
  select: (payload: TPayload) => TEvent | undefined | Promise<TEvent | undefined>,
): Promise<EventQueue<TEvent>> {
  let subscriptionId: number | null = null;
  let closed = false;
  const queue = new EventQueue<TEvent>({
    onClose: () => {
      closed = true;
      if (subscriptionId !== null) pubsub.unsubscribe(subscriptionId);
    },
  });
  let chain: Promise<void> = Promise.resolve();
  const id = await pubsub.subscribe(topic, (payload: TPayload) => {
    chain = chain.then(async () => {
      try {
        const event = await select(payload);
        if (event !== undefined) queue.push(event);
      } catch (error) {
        // A subscriber that may not see this event simply does not receive it. A fault of ours in the check
        // ends the subscription (fail closed): the server captures it and the client gets the stable code.
        if (isUnexpected(error)) queue.fail(error);
      }
    });
  }, {});
  subscriptionId = id;
  if (closed) pubsub.unsubscribe(id);
  return queue;
}

export interface SubgraphSubscriptionServer {
  stats(): SubscriptionStats;
  dispose(): Promise<void>;
}

export function serveSubgraphSubscriptions<TContext>(opts: {
  schema: GraphQLSchema;
  wsServer: WebSocketServer;
  verifier: TokenVerifier;
  logger: Logger;
  context: (viewer: Viewer, requestId: string, ip: string | null) => Promise<TContext>;
  keepAliveMs?: number;
  /** Where unexpected errors of subscribing, resolving an event or its access check are captured (once). */
  errors?: ErrorTracker;
}): SubgraphSubscriptionServer {
  const connections = new Map<WsContext<Record<string, unknown>, Extra>, Connection>();
  let subscriptions = 0;

  const expire = (ctx: WsContext<Record<string, unknown>, Extra>, conn: Connection) => {
    for (const queue of conn.live) queue.end(expiredTokenResult());
    // Let the final error and `complete` frames go out before the close frame.
    setTimeout(() => ctx.extra.socket.close(WS_CLOSE_UNAUTHORIZED, 'Token has expired'), 100).unref();
  };

  const cleanup = useServer<Record<string, unknown>>(
    {
      schema: opts.schema,
      onConnect: async (ctx) => {
        const params = ctx.connectionParams ?? {};
        const req = ctx.extra.request;
        try {
          const viewer = await opts.verifier.verify(stringParam(params, 'authorization'));
          const forwarded = header(req, 'x-forwarded-for')?.split(',')[0]?.trim();
          const conn: Connection = {
            viewer,
            requestId: stringParam(params, 'requestId') ?? header(req, REQUEST_ID_HEADER) ?? 'ws',
            ip: stringParam(params, 'clientIp') ?? (forwarded || null),
            live: new Set(),
            cancelExpiry: null,
          };
          const expiresAt = viewerExpiresAt(viewer);
          if (expiresAt !== null) conn.cancelExpiry = timerAt(expiresAt, () => expire(ctx, conn));
          connections.set(ctx, conn);
          return true;
        } catch (error) {
          const reason = error instanceof DomainError ? error.message : 'Token is invalid';
          ctx.extra.socket.close(WS_CLOSE_UNAUTHORIZED, reason.slice(0, 120));
          return false;
        }
      },
      onSubscribe: (ctx) => {
        const conn = connections.get(ctx);
        const expiresAt = conn && viewerExpiresAt(conn.viewer);
        if (!conn || (expiresAt !== null && expiresAt !== undefined && expiresAt <= Date.now())) {
          return [unauthenticated('Token has expired; reconnect with a fresh token')];
        }
        return undefined;
      },
      context: async (ctx) => {
        const conn = connections.get(ctx)!;
        return opts.context(conn.viewer, conn.requestId, conn.ip) as Promise<never>;
      },
      subscribe: (args) => graphqlSubscribe(args),
      // Errors of subscribing or of resolving an event: captured, and masked to their stable code.
      onNext: (ctx, _id, _payload, _args, result) =>
        opts.errors ? trackedResult(result as ExecutionResult, opts.errors, connections.get(ctx)?.requestId) : undefined,
      onOperation: (ctx, _id, _payload, _args, result) => {
        const conn = connections.get(ctx);
        const source = result as AsyncGenerator<ExecutionResult> | ExecutionResult;
        if (!conn || !(Symbol.asyncIterator in Object(source))) return undefined;
        const inner = source as AsyncGenerator<ExecutionResult>;
        subscriptions += 1;
        const queue: EventQueue<ExecutionResult> = new EventQueue({
          onClose: async () => {
            subscriptions -= 1;
            conn.live.delete(queue);
            await inner.return?.(undefined);
          },
        });
        conn.live.add(queue);
        void (async () => {
          try {
            for await (const event of { [Symbol.asyncIterator]: () => inner }) {
              if (queue.isClosed) break;
              queue.push(event);
            }
            queue.end();
          } catch (error) {
            if (opts.errors && isUnexpected(error)) {
              // Captured once here (with the connection's request id); the client gets only the stable code.
              opts.errors.capture(error, { requestId: conn.requestId });
              queue.end(internalErrorResult());
              return;
            }
            opts.logger.warn({ err: error }, 'subscription source failed');
            queue.fail(error);
          }
        })();
        return queue;
      },
      onClose: (ctx) => {
        const conn = connections.get(ctx);
        conn?.cancelExpiry?.();
        connections.delete(ctx);
      },
    },
    opts.wsServer,
    opts.keepAliveMs ?? 12_000,
  );

  return {
    stats: () => ({ connections: connections.size, subscriptions }),
    dispose: async () => cleanup.dispose(),
  };
}
