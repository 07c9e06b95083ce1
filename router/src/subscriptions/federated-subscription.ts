// Client subscriptions → upstream subscriptions. Each distinct subscription (same token, operation and
// variables, same supergraph) opens the plan's `primary` fetch on the owning subgraph once; for every
// event it runs the gateway's own executeQueryPlan over [a fetch answered by the event, then `rest`], so
// the ordinary `_entities` fetches fill in other subgraphs' fields and the result is shaped exactly as a
// query's would be, and hands that result to every client subscribed to it. A plan served by the owning subgraph
// alone shapes its events without executeQueryPlan, the same way (event-shaping.ts). Those fetches go through
// batched-fill.ts: one event's fills for many callers travel in one request, each under its own caller.
// Identical requests with the same token give identical answers, so sharing them is safe. Different tokens
// never share an upstream subscription, even one user's on two devices: each token expires and is revoked
// on its own, and the subgraph's per-event check of one must not end the other's stream. Events are shaped
// one after another, so clients see them in the order published. The upstream subscription ends when its
// last client subscription does.
import type { DocumentNode, ExecutionResult } from 'graphql';
import { buildOperationContext, executeQueryPlan, type GraphQLDataSource, type ServiceMap } from '@apollo/gateway';
import type { FetchNode, PlanNode, QueryPlan } from '@apollo/query-planner';
import type { GatewayGraphQLRequestContext } from '@apollo/server-gateway-interface';
import { DomainError, EventQueue, type ErrorTracker, type Logger } from '@clinic/service-kit';
import type { RouterContext } from '../context.ts';
import type { SubscriptionPlan, SupergraphView } from './supergraph-view.ts';
import type { UpstreamPool } from './upstream.ts';
import type { BatchedFill } from './batched-fill.ts';
import { ownEventShaper } from './event-shaping.ts';
import type { ReplicaPool } from '../replicas.ts';

/** The name under which the event itself is served to executeQueryPlan. */
const EVENT_SOURCE = '__subscription_event__';

export interface SubscriptionRequest {
  view: SupergraphView;
  plan: SubscriptionPlan;
  document: DocumentNode;
  /** The operation text as the client sent it (part of the sharing key). */
  query: string;
  operationName: string | undefined;
  variables: Record<string, unknown>;
  context: RouterContext;
  /** HTTP URL of the owning subgraph (overrides applied; the first replica's when it has several). */
  subgraphUrl: string;
  /** The owning subgraph's replicas: each upstream subscription goes to the next healthy one, and moves on failure. */
  replicas?: ReplicaPool;
}

interface Shared {
  subscribers: Set<EventQueue<ExecutionResult>>;
  unsubscribe: () => void;
}

function eventPlan(primary: FetchNode, rest: PlanNode | undefined): QueryPlan {
  const first: FetchNode = { ...primary, serviceName: EVENT_SOURCE };
  return { kind: 'QueryPlan', node: rest ? { kind: 'Sequence', nodes: [first, rest] } : first };
}

function pick(variables: Record<string, unknown>, names: string[] | undefined): Record<string, unknown> {
  const picked: Record<string, unknown> = {};
  for (const name of names ?? []) if (name in variables) picked[name] = variables[name];
  return picked;
}

/**
 * Shapes one upstream event into the client's result with the gateway's executor, or for a plan the owning
 * subgraph serves whole, the same way without it (`ownShaping`: off only to compare the two in tests).
 */
export function createShaper(req: SubscriptionRequest, fill: BatchedFill, logger: Logger, ownShaping = true) {
  const { view, plan, document, operationName, variables, context } = req;
  const queryPlan = eventPlan(plan.primary, plan.rest);
  const operationContext = buildOperationContext({ schema: view.apiSchema, operationDocument: document, operationName });
  const baseServices: ServiceMap = {};
  for (const [name, source] of view.dataSources) {
    const url = (source as { url?: string }).url ?? view.subgraphUrls.get(name);
    baseServices[name] = url ? fill.sourceFor(name, url) : source;
  }
  const own = ownShaping ? ownEventShaper({ plan, document, operationName, apiSchema: view.apiSchema, fedApiSchema: view.fedApiSchema, supergraphSchema: view.supergraphSchema }, variables) : null;
  return async (event: ExecutionResult): Promise<ExecutionResult> => {
    const shaped = own?.(event);
    if (shaped) return shaped;
    const eventSource: GraphQLDataSource = { process: async () => ({ data: event.data ?? null, errors: event.errors as never }) };
    const requestContext = {
      request: { query: req.query, operationName, variables },
      context,
      logger,
      metrics: {},
      document,
      operationName: operationName ?? null,
      operation: operationContext.operation,
      schema: view.apiSchema,
    } as unknown as GatewayGraphQLRequestContext<RouterContext>;
    return (await executeQueryPlan(
      queryPlan,
      { ...baseServices, [EVENT_SOURCE]: eventSource },
      requestContext,
      operationContext,
      view.supergraphSchema,
      view.fedApiSchema,
    )) as ExecutionResult;
  };
}

export class FederatedSubscriptions {
  private readonly shared = new Map<string, Shared>();
  private readonly viewIds = new WeakMap<SupergraphView, number>();
  private nextViewId = 1;

  constructor(
    private readonly upstream: UpstreamPool,
    private readonly fill: BatchedFill,
    private readonly logger: Logger,
    private readonly errors?: ErrorTracker,
  ) {}

  /** Distinct upstream subscriptions open now. */
  get upstreamSubscriptions(): number {
    return this.shared.size;
  }

  private keyOf(req: SubscriptionRequest): string {
    return JSON.stringify([this.viewIdOf(req.view), req.subgraphUrl, req.context.authorization ?? '', req.operationName ?? '', req.query, req.variables]);
  }

  private viewIdOf(view: SupergraphView): number {
    let viewId = this.viewIds.get(view);
    if (!viewId) this.viewIds.set(view, (viewId = this.nextViewId++));
    return viewId;
  }

  /** A client subscription: an iterator whose `return()` leaves the upstream once nobody else shares it. */
  open(req: SubscriptionRequest): EventQueue<ExecutionResult> {
    const key = this.keyOf(req);
    const shared = this.shared.get(key) ?? this.start(key, req);
    const queue: EventQueue<ExecutionResult> = new EventQueue({
      onClose: () => {
        shared.subscribers.delete(queue);
        if (shared.subscribers.size === 0 && this.shared.get(key) === shared) {
          this.shared.delete(key);
          shared.unsubscribe();
        }
      },
    });
    shared.subscribers.add(queue);
    return queue;
  }

  private start(key: string, req: SubscriptionRequest): Shared {
    const shape = createShaper(req, this.fill, this.logger);
    const shared: Shared = { subscribers: new Set(), unsubscribe: () => {} };
    this.shared.set(key, shared);
    let chain: Promise<void> = Promise.resolve();
    const endAll = (last?: ExecutionResult) => {
      if (this.shared.get(key) === shared) this.shared.delete(key);
      for (const queue of [...shared.subscribers]) queue.end(last);
    };
    const { primary } = req.plan;
    const request = { query: primary.operation, operationName: primary.operationName, variables: pick(req.variables, primary.variableUsages) };
    let closed = false;
    // Balanced over the replicas; when the replica goes away (stopped, crashed, unreachable) it is ejected and
    // the subscription is opened again on the next healthy one, invisibly to the client except for events
    // published in between. With no healthy replica left, the client gets SERVICE_UNAVAILABLE (subscribe again).
    const openOn = (url: string) => {
      const unsubscribe = this.upstream.subscribe(url, primary.serviceName, req.context, request, {
        next: (event) => {
          chain = chain
            .then(() => (shared.subscribers.size ? shape(event) : null))
            .then(
              (result) => {
                if (result) for (const queue of shared.subscribers) queue.push(result);
              },
              (error: unknown) => {
                // Captured once here; subscribers see the stable code (a DomainError: not captured again).
                if (this.errors) this.errors.capture(error, { requestId: req.context.requestId });
                else this.logger.error({ err: error }, 'could not shape a subscription event');
                const failure = { errors: [new DomainError('INTERNAL_SERVER_ERROR', 'Could not deliver an event')] };
                for (const queue of shared.subscribers) queue.push(failure);
              },
            );
        },
        fail: (result, replicaGone) => {
          if (closed) return;
          if (replicaGone && req.replicas) {
            req.replicas.failed(url);
            const ejected = new Set(req.replicas.ejected());
            const next = req.replicas.order().find((candidate) => candidate !== url && !ejected.has(candidate));
            if (next) {
              this.logger.warn({ subgraph: primary.serviceName, from: url, to: next }, 'subscription moved to another replica');
              shared.unsubscribe = openOn(next);
              return;
            }
          }
          chain = chain.then(() => endAll(result));
        },
        complete: () => {
          chain = chain.then(() => endAll());
        },
      });
      return () => {
        closed = true;
        unsubscribe();
      };
    };
    shared.unsubscribe = openOn(req.replicas?.order()[0] ?? req.subgraphUrl);
    return shared;
  }

  async close(): Promise<void> {
    for (const shared of [...this.shared.values()]) for (const queue of [...shared.subscribers]) await queue.return();
    this.shared.clear();
  }
}
