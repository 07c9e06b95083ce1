// graphql-ws clients for tests and benchmarks: connect to a router URL with a token, subscribe, and
// read events/close codes as promises.
import WebSocket from 'ws';
import { createClient, type Client } from 'graphql-ws';

export interface TestSubscription<T = Record<string, unknown>> {
  /** Results in arrival order. */
  events: { data?: T | null; errors?: { message: string; extensions?: Record<string, unknown> }[] }[];
  /** Resolves when the server completes the subscription; rejects with an `error` message or close event. */
  done: Promise<void>;
  /** Resolves with the n-th event (1-based) once it has arrived. */
  nth(n: number, timeoutMs?: number): Promise<TestSubscription<T>['events'][number]>;
  unsubscribe(): void;
}

export interface TestWsClient {
  client: Client;
  /** The close event of the socket, once closed. */
  closed: Promise<{ code: number; reason: string }>;
  subscribe<T = Record<string, unknown>>(query: string, variables?: Record<string, unknown>, extensions?: Record<string, unknown>): TestSubscription<T>;
  dispose(): Promise<void>;
}

export function wsUrl(httpUrl: string): string {
  return httpUrl.replace(/^http/, 'ws');
}

export function connectWs(routerUrl: string, token?: string, opts: { lazy?: boolean } = {}): TestWsClient {
  let resolveClosed!: (c: { code: number; reason: string }) => void;
  const closed = new Promise<{ code: number; reason: string }>((r) => (resolveClosed = r));
  const client = createClient({
    url: wsUrl(routerUrl),
    webSocketImpl: WebSocket,
    connectionParams: token ? { authorization: `Bearer ${token}` } : {},
    lazy: opts.lazy ?? true,
    retryAttempts: 0,
    onNonLazyError: () => {},
    on: { closed: (event) => resolveClosed({ code: (event as { code: number }).code, reason: String((event as { reason: unknown }).reason) }) },
  });
  return {
    client,
    closed,
    subscribe<T>(query: string, variables?: Record<string, unknown>, extensions?: Record<string, unknown>) {
      const events: TestSubscription<T>['events'] = [];
      const waiters: (() => void)[] = [];
      let resolveDone!: () => void;
      let rejectDone!: (e: unknown) => void;
      const done = new Promise<void>((res, rej) => {
        resolveDone = res;
        rejectDone = rej;
      });
      done.catch(() => {});
      const unsubscribe = client.subscribe<T>(
        { query, variables, extensions },
        {
          next: (value) => {
            events.push(value as TestSubscription<T>['events'][number]);
            for (const w of waiters.splice(0)) w();
          },
          error: (error) => {
            rejectDone(error);
            for (const w of waiters.splice(0)) w();
          },
          complete: () => {
            resolveDone();
            for (const w of waiters.splice(0)) w();
          },
        },
      );
      return {
        events,
        done,
        unsubscribe,
        nth: async (n, timeoutMs = 5_000) => {
          const deadline = Date.now() + timeoutMs;
          while (events.length < n) {
            const left = deadline - Date.now();
            if (left <= 0) throw new Error(`timed out waiting for event ${n} (have ${events.length})`);
            await new Promise<void>((r) => {
              const t = setTimeout(r, left);
              waiters.push(() => {
                clearTimeout(t);
                r();
              });
            });
          }
          return events[n - 1]!;
        },
      };
    },
    dispose: async () => {
      await client.dispose();
    },
  };
}

/** Polls until `check` holds (or throws after the timeout): for counts that settle asynchronously. */
export async function eventually(check: () => boolean, timeoutMs = 5_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
