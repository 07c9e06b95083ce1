// The per-event fill of many subscribers in one request per subgraph. One upstream event reaches many
// distinct callers (each with their own upstream subscription), and each caller's result needs the same
// kind of `_entities` fetch on another subgraph. Instead of one HTTP request per subscriber, the fetches
// that arrive within FILL_BATCH_WINDOW_MS go out together as one POST marked as a caller batch, each item
// carrying its own caller's credentials (token, request id, client ip) — what its own request would carry
// in headers. The subgraph runs each item under that caller alone (the kit's caller-batch.ts): rights are
// never merged, only the round trips are. Identical fetches of one caller are still sent once (its
// subscribers share one upstream subscription and one fill, see federated-subscription.ts).
import type { GraphQLDataSource, GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { GraphQLError } from 'graphql';
import { CALLER_BATCH_HEADER, REQUEST_ID_HEADER, ROUTER_SECRET_HEADER, type CallerBatchItem } from '@clinic/service-kit';
import type { RouterContext } from '../context.ts';
import type { ReplicaPool } from '../replicas.ts';
import { createSubgraphFetcher } from '../gateway.ts';

/** How long fetches wait for others to join their batch: short against delivery latency, long enough to catch one event's. */
export const FILL_BATCH_WINDOW_MS = 2;
/** A batch is sent at once when it reaches this many items. */
export const FILL_BATCH_MAX_ITEMS = 500;

type Result = { data?: Record<string, unknown> | null; errors?: readonly GraphQLError[] };

interface Pending {
  item: CallerBatchItem;
  resolve: (result: Result) => void;
  reject: (error: unknown) => void;
}

export interface FillStats {
  /** HTTP requests sent for fills, and the fetches they carried. */
  requests: number;
  fetches: number;
}

const unavailable = (name: string) => new GraphQLError(`The ${name} service could not fill in this event`, { extensions: { code: 'SERVICE_UNAVAILABLE' } });

export class BatchedFill {
  readonly stats: FillStats = { requests: 0, fetches: 0 };
  private readonly sources = new Map<string, GraphQLDataSource>();

  constructor(
    private readonly routerSecret: string,
    private readonly timeoutMs: number,
    private readonly replicasFor: (name: string) => ReplicaPool | undefined = () => undefined,
  ) {}

  /** The data source executeQueryPlan uses for one subgraph while filling subscription events. */
  sourceFor(name: string, url: string): GraphQLDataSource {
    const key = `${name}\u0000${url}`;
    let source = this.sources.get(key);
    if (!source) this.sources.set(key, (source = this.createSource(name, url)));
    return source;
  }

  private createSource(name: string, url: string): GraphQLDataSource {
    const fetcher = createSubgraphFetcher(this.timeoutMs, name, this.replicasFor(name));
    let pending: Pending[] = [];
    let timer: NodeJS.Timeout | null = null;
    const flush = async () => {
      if (timer) clearTimeout(timer);
      timer = null;
      const batch = pending;
      pending = [];
      if (!batch.length) return;
      this.stats.requests += 1;
      this.stats.fetches += batch.length;
      try {
        const response = await fetcher(url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            [ROUTER_SECRET_HEADER]: this.routerSecret,
            [CALLER_BATCH_HEADER]: 'per-caller',
            [REQUEST_ID_HEADER]: batch[0]!.item.caller.requestId ?? 'fill',
          },
          body: JSON.stringify(batch.map((p) => p.item)),
        });
        const results = (await response.json().catch(() => null)) as Result[] | null;
        if (response.status !== 200 || !Array.isArray(results) || results.length !== batch.length) throw unavailable(name);
        batch.forEach((p, i) => p.resolve(results[i]!));
      } catch (error) {
        const failure = error instanceof GraphQLError ? error : unavailable(name);
        for (const p of batch) p.reject(failure);
      }
    };
    return {
      process: ({ request, context }: GraphQLDataSourceProcessOptions<RouterContext>) =>
        new Promise((resolve, reject) => {
          pending.push({
            item: {
              query: request.query ?? '',
              variables: request.variables ?? undefined,
              operationName: request.operationName ?? undefined,
              caller: { authorization: context.authorization, requestId: context.requestId, clientIp: context.clientIp },
            },
            resolve: resolve as (result: Result) => void,
            reject,
          });
          if (pending.length >= FILL_BATCH_MAX_ITEMS) void flush();
          else timer ??= setTimeout(() => void flush(), FILL_BATCH_WINDOW_MS);
        }),
    } as GraphQLDataSource;
  }
}
