// The one urql client: HTTP on /graphql for queries and mutations, graphql-ws on the SAME URL for
// subscriptions (the router serves both), and an auth exchange that adds the access token and, when
// the API says UNAUTHENTICATED (or the token is about to expire), trades the refresh token for a new
// pair once and retries. The WebSocket carries the token in connection_init and is reopened whenever
// the session changes, so live updates always run as the person who is signed in.
import { Client, cacheExchange, fetchExchange, subscriptionExchange, type Exchange, type ExecutionResult } from 'urql';
import { authExchange, type AuthUtilities } from '@urql/exchange-auth';
import { createClient as createWsClient, type Client as WsClient } from 'graphql-ws';
import type { SessionStore, Tokens } from './session.ts';

export type RefreshMutate = AuthUtilities['mutate'];

export interface ClientOptions {
  /** Absolute or same-origin path of the GraphQL endpoint. */
  url?: string;
  session: SessionStore;
  /** Trades a refresh token for new tokens (identity's refresh mutation); null when it is refused,
   *  a thrown error when the API could not be reached (the session is then kept for a later try). */
  refresh: (refreshToken: string, mutate: RefreshMutate) => Promise<Tokens | null>;
  /** Live-update indicator hooks: socket connected/dropped, and a subscription started (returns its end). */
  onLiveChange?: (live: boolean) => void;
  onSubscribed?: () => () => void;
}

function wsUrlFor(httpUrl: string): string {
  const base = typeof window !== 'undefined' ? window.location.href : 'http://localhost/';
  const url = new URL(httpUrl, base);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  return url.toString();
}

/** The router's reason when it cannot check sign-ins for a moment (retryable, not an ended session). */
const SIGN_IN_UNCHECKABLE = 'REVOCATION_UNAVAILABLE';

export function createApiClient({ url = '/graphql', session, refresh, onLiveChange, onSubscribed }: ClientOptions): Client {
  let ws: WsClient | null = null;
  const wsClient = (): WsClient => {
    ws ??= createWsClient({
      url: wsUrlFor(url),
      lazy: true,
      keepAlive: 20_000,
      retryAttempts: 1_000,
      shouldRetry: () => true,
      connectionParams: () => {
        const token = session.get().accessToken;
        return token ? { authorization: `Bearer ${token}` } : {};
      },
      on: { connected: () => onLiveChange?.(true), closed: () => onLiveChange?.(false) },
    });
    return ws;
  };
  // One refresh at a time, shared by the auth exchange and the timer that renews the token a minute
  // before it expires (so live subscriptions never run into an expired token). Refresh calls go
  // through a bare client: no auth exchange, no cache.
  const bare = new Client({ url, exchanges: [fetchExchange], preferGetMethod: false });
  const mutate: RefreshMutate = (query, variables, context) => bare.mutation(query, variables, context).toPromise();
  let inflight: Promise<void> | null = null;
  const refreshNow = (): Promise<void> => {
    inflight ??= (async () => {
      const refreshToken = session.get().refreshToken;
      if (!refreshToken) return session.clear();
      let tokens: Tokens | null;
      try {
        tokens = await refresh(refreshToken, mutate);
      } catch {
        return; // network trouble: stay signed in; the next request or timer tries again
      }
      if (tokens) session.set(tokens);
      else session.clear();
    })().finally(() => {
      inflight = null;
    });
    return inflight;
  };
  let timer: ReturnType<typeof setTimeout> | undefined;
  const schedule = () => {
    clearTimeout(timer);
    const { accessToken, refreshToken, expiresAt } = session.get();
    if (!accessToken || !refreshToken || !expiresAt) return;
    timer = setTimeout(() => void refreshNow(), Math.min(2 ** 31 - 1, Math.max(5_000, expiresAt - Date.now() - 60_000)));
  };
  schedule();

  let lastToken = session.get().accessToken;
  session.subscribe((state) => {
    schedule();
    if (state.accessToken === lastToken) return;
    lastToken = state.accessToken;
    // Reconnect with the new identity; active subscriptions are re-sent by graphql-ws on retry.
    ws?.terminate();
  });

  const auth: Exchange = authExchange(async (utils) => ({
    addAuthToOperation(operation) {
      const token = session.get().accessToken;
      return token ? utils.appendHeaders(operation, { Authorization: `Bearer ${token}` }) : operation;
    },
    willAuthError() {
      const { accessToken, expiresAt, refreshToken } = session.get();
      return Boolean(accessToken && refreshToken && expiresAt && expiresAt < Date.now() + 10_000);
    },
    didAuthError(error) {
      // The router could not check revocations (its Redis is away): the token is fine, a new one would be
      // refused the same way, and a refresh that fails meanwhile would sign the person out. Shown, not refreshed.
      if (error.graphQLErrors.some((e) => e.extensions?.reason === SIGN_IN_UNCHECKABLE)) return false;
      return error.response?.status === 401 || error.graphQLErrors.some((e) => e.extensions?.code === 'UNAUTHENTICATED');
    },
    refreshAuth: refreshNow,
  }));

  return new Client({
    url,
    exchanges: [
      cacheExchange,
      auth,
      fetchExchange,
      subscriptionExchange({
        forwardSubscription(request) {
          const input = { ...request, query: request.query ?? '' };
          return {
            subscribe(sink) {
              const end = onSubscribed?.();
              let ended = false;
              const done = () => {
                if (!ended) end?.();
                ended = true;
              };
              const unsubscribe = wsClient().subscribe(input, {
                next: (value) => sink.next(value as ExecutionResult),
                error: (error) => {
                  done();
                  sink.error(error);
                },
                complete: () => {
                  done();
                  sink.complete();
                },
              });
              return {
                unsubscribe: () => {
                  done();
                  unsubscribe();
                },
              };
            },
          };
        },
      }),
    ],
    requestPolicy: 'cache-and-network',
    // POST only: the router's CSRF protection refuses simple GET requests.
    preferGetMethod: false,
  });
}
