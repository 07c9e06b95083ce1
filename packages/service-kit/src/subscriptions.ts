// graphql-ws for a subgraph. Two kinds of connection, both only from the router (the upgrade carries the
// router secret, as every HTTP request does):
// - multiplexed (`connection_init` { multiplexed: true }): the router's few connections per replica carry
//   the subscriptions of many callers; each `subscribe` names its caller in `extensions.caller`
//   ({ routerSecret, authorization, requestId, clientIp }), mirroring an HTTP request's x-router-secret and
//   Authorization headers. The secret is checked and the token verified per operation, and the operation
//   runs with that caller's own context;
// - per caller (`connection_init` { authorization, requestId, clientIp }): one caller for every
//   subscription of the connection (direct clients in tests, older routers). A bad token closes with 4401.
// Either way each operation is re-checked on every event (token expired? revoked? checked before the
// event goes out) and ended at once with UNAUTHENTICATED when its token expires or a revocation names it,
// without touching the other operations of the connection. On a multiplexed connection whose router asked
// for it, one event's equal results for many operations leave as one frame (batched-events.ts). Every subscription runs through an EventQueue
// so unsubscribe/disconnect stop the Redis subscription at once, and the live count is exposed so tests
// can assert nothing is left open.
import type { IncomingMessage } from 'node:http';
import { createSourceEventStream, type ExecutionArgs, type ExecutionResult, type GraphQLSchema } from 'graphql';
import type { WebSocketServer } from 'ws';
import type { PubSubEngine } from 'graphql-subscriptions';
import { useServer, type Extra } from 'graphql-ws/use/ws';
import type { Context as WsContext } from 'graphql-ws';
import type { Logger } from './logger.ts';
import { ANONYMOUS, type TokenVerifier, type Viewer } from './auth.ts';
import { isUnexpected, trackedResult, type ErrorTracker } from './error-tracking.ts';
import { DomainError, forbidden, unauthenticated } from './errors.ts';
import { isDelegated } from './delegation.ts';
import { EventQueue } from './event-queue.ts';
import { REQUEST_ID_HEADER } from './http.ts';
import { revocationMatches, type RevocationList } from './revocation.ts';
import { sameSecret } from './router-secret.ts';
import { BATCHED_EVENTS, PendingEvents } from './batched-events.ts';
import { executeEvent, operationKeyOf, watchContext, type WatchedContext } from './shared-execution.ts';

/** Close codes both hops use: the token is missing/invalid/expired, or the caller may not connect. */
export const WS_CLOSE_UNAUTHORIZED = 4401;
export const WS_CLOSE_FORBIDDEN = 4403;

/** `connection_init` flag of the router's multiplexed connections. */
export const MULTIPLEXED_CONNECTION = 'multiplexed';

/** A subscribe message's per-operation credentials on a multiplexed connection (`extensions.caller`). */
export interface OperationCaller {
  routerSecret: string;
  authorization?: string;
  requestId?: string;
  clientIp?: string | null;
}

export interface SubscriptionStats {
  connections: number;
  subscriptions: number;
}

interface Caller {
  viewer: Viewer;
  requestId: string;
  ip: string | null;
}

interface Operation {
  caller: Caller;
  /** Its caller's context, watched: an execution that never reads it is shared (shared-execution.ts). */
  watched: WatchedContext<object> | null;
  queue: EventQueue<ExecutionResult> | null;
  cancelExpiry: (() => void) | null;
}

interface Connection {
  /** The connection's one caller, or null on a multiplexed connection (each operation names its own). */
  caller: Caller | null;
  operations: Map<string, Operation>;
  cancelExpiry: (() => void) | null;
  /** Results waiting to leave as batched frames (multiplexed connections whose router asked), else null. */
  pending: PendingEvents | null;
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

const endedSession = (): ExecutionResult => ({ errors: [unauthenticated('This session has ended; sign in again')] });

/** Why this caller may no longer receive events (expired or revoked token), or null while it may. */
async function refusalOf(viewer: Viewer, revocations: Pick<RevocationList, 'isRevoked'> | undefined): Promise<ExecutionResult | null> {
  const expiresAt = viewerExpiresAt(viewer);
  if (expiresAt !== null && expiresAt <= Date.now()) return expiredTokenResult();
  if (!revocations || viewer.kind === 'anonymous') return null;
  try {
    const revoked = await revocations.isRevoked({
      kind: viewer.kind,
      subject: viewer.kind === 'user' ? viewer.userId : viewer.clientId,
      sessionId: viewer.kind === 'user' ? viewer.sessionId : null,
      issuedAt: (viewer.issuedAt ?? 0) / 1000,
    });
    return revoked ? endedSession() : null;
  } catch (error) {
    // The list is unreachable for longer than allowed: refuse rather than serve a token we cannot check.
    return { errors: [error instanceof DomainError ? error : unauthenticated('Sign-in cannot be checked right now')] };
  }
}

export function serveSubgraphSubscriptions<TContext>(opts: {
  schema: GraphQLSchema;
  wsServer: WebSocketServer;
  verifier: TokenVerifier;
  /** The router's secret: a multiplexed connection's operations must carry it. */
  routerSecret: string;
  /** Revoked sessions: checked on every event, and a revocation ends the operations it names at once. */
  revocations?: Pick<RevocationList, 'isRevoked' | 'onRevoked'>;
  logger: Logger;
  context: (viewer: Viewer, requestId: string, ip: string | null) => Promise<TContext>;
  keepAliveMs?: number;
  /** Where unexpected errors of subscribing, resolving an event or its access check are captured (once). */
  errors?: ErrorTracker;
}): SubgraphSubscriptionServer {
  type Ctx = WsContext<Record<string, unknown>, Extra>;
  const connections = new Map<Ctx, Connection>();
  let subscriptions = 0;

  const expireConnection = (ctx: Ctx, conn: Connection) => {
    conn.pending?.flush();
    for (const op of conn.operations.values()) op.queue?.end(expiredTokenResult());
    // Let the final error and `complete` frames go out before the close frame.
    setTimeout(() => ctx.extra.socket.close(WS_CLOSE_UNAUTHORIZED, 'Token has expired'), 100).unref();
  };
  const stopListening = opts.revocations?.onRevoked((revocation) => {
    for (const conn of connections.values()) {
      conn.pending?.flush();
      for (const op of conn.operations.values()) if (revocationMatches(op.caller.viewer, revocation)) op.queue?.end(endedSession());
    }
  });

  /** The caller of one operation on a multiplexed connection, or the refusal. */
  const operationCaller = async (extensions: Record<string, unknown> | null | undefined, fallbackRequestId: string): Promise<Caller | DomainError> => {
    const given = extensions?.caller as Partial<OperationCaller> | undefined;
    if (!given || typeof given.routerSecret !== 'string' || !sameSecret(given.routerSecret, opts.routerSecret)) {
      return forbidden('Subgraphs accept subscriptions only from the router');
    }
    try {
      const viewer = await opts.verifier.verify(typeof given.authorization === 'string' ? given.authorization : undefined);
      // The assistant's token for a patient runs a few queries and mutations, never a subscription.
      if (isDelegated(viewer)) return forbidden('This token may not subscribe');
      return {
        viewer,
        requestId: typeof given.requestId === 'string' && given.requestId.length <= 200 ? given.requestId : fallbackRequestId,
        ip: typeof given.clientIp === 'string' && given.clientIp.length <= 100 ? given.clientIp : null,
      };
    } catch (error) {
      return error instanceof DomainError ? error : unauthenticated('Token is invalid');
    }
  };

  const cleanup = useServer<Record<string, unknown>>(
    {
      schema: opts.schema,
      onConnect: async (ctx) => {
        const params = ctx.connectionParams ?? {};
        const req = ctx.extra.request;
        if (params[MULTIPLEXED_CONNECTION] === true) {
          const socket = ctx.extra.socket;
          const pending = params[BATCHED_EVENTS] === true ? new PendingEvents((frame) => socket.readyState === socket.OPEN && socket.send(frame)) : null;
          connections.set(ctx, { caller: null, operations: new Map(), cancelExpiry: null, pending });
          return true;
        }
        try {
          const viewer = await opts.verifier.verify(stringParam(params, 'authorization'));
          // The assistant's token for a patient runs a few queries and mutations, never a subscription.
          if (isDelegated(viewer)) throw forbidden('This token may not subscribe');
          const forwarded = header(req, 'x-forwarded-for')?.split(',')[0]?.trim();
          const conn: Connection = {
            caller: {
              viewer,
              requestId: stringParam(params, 'requestId') ?? header(req, REQUEST_ID_HEADER) ?? 'ws',
              ip: stringParam(params, 'clientIp') ?? (forwarded || null),
            },
            operations: new Map(),
            cancelExpiry: null,
            pending: null,
          };
          const expiresAt = viewerExpiresAt(viewer);
          if (expiresAt !== null) conn.cancelExpiry = timerAt(expiresAt, () => expireConnection(ctx, conn));
          connections.set(ctx, conn);
          return true;
        } catch (error) {
          const reason = error instanceof DomainError ? error.message : 'Token is invalid';
          ctx.extra.socket.close(WS_CLOSE_UNAUTHORIZED, reason.slice(0, 120));
          return false;
        }
      },
      onSubscribe: async (ctx, id, payload) => {
        const conn = connections.get(ctx);
        if (!conn) return [unauthenticated('The connection is closing')];
        const caller = conn.caller ?? (await operationCaller(payload.extensions, header(ctx.extra.request, REQUEST_ID_HEADER) ?? 'ws'));
        if (caller instanceof DomainError) return [caller];
        const expiresAt = viewerExpiresAt(caller.viewer);
        if (expiresAt !== null && expiresAt <= Date.now()) return [unauthenticated('Token has expired; reconnect with a fresh token')];
        // Built here, not in graphql-ws's `context`: a context that cannot be built fails this operation only
        // (captured once), where graphql-ws would close the whole connection, every caller's on a multiplexed one.
        let context: object;
        try {
          context = (await opts.context(caller.viewer, caller.requestId, caller.ip)) as object;
        } catch (error) {
          if (error instanceof DomainError) return [error];
          opts.errors?.capture(error, { requestId: caller.requestId });
          if (!opts.errors) opts.logger.error({ err: error, requestId: caller.requestId }, 'subscription context failed');
          return [internalErrorResult().errors![0]!];
        }
        if (connections.get(ctx) !== conn) return [unauthenticated('The connection is closing')];
        conn.operations.set(id, { caller, watched: watchContext(context), queue: null, cancelExpiry: null });
        return undefined;
      },
      context: async (ctx, id) => {
        const op = connections.get(ctx)?.operations.get(id);
        if (op?.watched) return op.watched.context as never;
        return (await opts.context(ANONYMOUS, 'ws', null)) as never;
      },
      // The source events only: onOperation executes each one (shared-execution.ts), after its checks.
      subscribe: (args) => createSourceEventStream(args) as Promise<AsyncIterable<ExecutionResult> | ExecutionResult>,
      // Errors of subscribing or of resolving an event: captured, and masked to their stable code.
      onNext: (ctx, id, _payload, _args, result) =>
        opts.errors ? trackedResult(result as ExecutionResult, opts.errors, connections.get(ctx)?.operations.get(id)?.caller.requestId) : undefined,
      onOperation: (ctx, id, payload, args, result) => {
        const conn = connections.get(ctx);
        const op = conn?.operations.get(id);
        const source = result as AsyncGenerator<unknown> | ExecutionResult;
        // A single result (an error of subscribing): onNext still needs the caller; onComplete forgets it.
        if (!(Symbol.asyncIterator in Object(source))) return undefined;
        const inner = source as AsyncGenerator<unknown>;
        if (!conn || !op?.watched) {
          // The connection went away while subscribing: nothing is sent, the source stops at once.
          void inner.return?.(undefined);
          const gone = new EventQueue<ExecutionResult>();
          gone.end();
          return gone;
        }
        const { watched } = op;
        const operationKey = operationKeyOf(payload);
        subscriptions += 1;
        const queue: EventQueue<ExecutionResult> = new EventQueue({
          onClose: async () => {
            subscriptions -= 1;
            op.cancelExpiry?.();
            if (conn.operations.get(id) === op) conn.operations.delete(id);
            await inner.return?.(undefined);
          },
        });
        op.queue = queue;
        // What goes through graphql-ws for this operation goes after its results still waiting to be batched.
        const pending = conn.pending;
        const expiresAt = viewerExpiresAt(op.caller.viewer);
        if (expiresAt !== null) {
          op.cancelExpiry = timerAt(expiresAt, () => {
            pending?.flush();
            queue.end(expiredTokenResult());
          });
        }
        void (async () => {
          try {
            for await (const sourceEvent of { [Symbol.asyncIterator]: () => inner }) {
              if (queue.isClosed) break;
              // Re-checked per event: a token that expired or was revoked since the last one gets nothing more.
              const refusal = await refusalOf(op.caller.viewer, opts.revocations);
              const event = refusal ? null : await executeEvent(args as ExecutionArgs, sourceEvent, operationKey, watched);
              if (pending && event && !event.errors?.length) {
                pending.add(id, event);
                continue;
              }
              pending?.flush();
              if (refusal) {
                queue.end(refusal);
                break;
              }
              queue.push(event!);
            }
            pending?.flush();
            queue.end();
          } catch (error) {
            pending?.flush();
            if (opts.errors && isUnexpected(error)) {
              // Captured once here (with the connection's request id); the client gets only the stable code.
              opts.errors.capture(error, { requestId: op.caller.requestId });
              queue.end(internalErrorResult());
              return;
            }
            opts.logger.warn({ err: error }, 'subscription source failed');
            queue.fail(error);
          }
        })();
        return queue;
      },
      onComplete: (ctx, id) => {
        const conn = connections.get(ctx);
        const op = conn?.operations.get(id);
        if (op && !op.queue) conn!.operations.delete(id);
      },
      onClose: (ctx) => {
        const conn = connections.get(ctx);
        conn?.cancelExpiry?.();
        conn?.pending?.discard();
        connections.delete(ctx);
      },
    },
    opts.wsServer,
    opts.keepAliveMs ?? 12_000,
  );

  return {
    stats: () => ({ connections: connections.size, subscriptions }),
    dispose: async () => {
      stopListening?.();
      await cleanup.dispose();
    },
  };
}
