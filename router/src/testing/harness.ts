// Starts subgraphs and a router in-process on random ports against the real Postgres and Redis,
// composing the supergraph from the SDLs under test.
import { randomUUID } from 'node:crypto';
import { composeSupergraph } from '@clinic/schema';
import { dropSchema, testServiceConfig, type TestKeys } from '@clinic/service-kit/testing';
import { startSubgraph, type RunningSubgraph, type SubgraphDefinition } from '@clinic/service-kit';
import { print } from 'graphql';
import { loadRouterConfig } from '../config.ts';
import { startRouter, type RouterOptions, type RunningRouter } from '../router.ts';

export interface Stack {
  router: RunningRouter;
  subgraphs: Record<string, RunningSubgraph>;
  stop(): Promise<void>;
}

export async function startStack(
  keys: TestKeys,
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  definitions: SubgraphDefinition<any>[],
  routerEnv: Record<string, string | undefined> = {},
  routerOptions: RouterOptions = {},
  /** Settings every subgraph gets besides the test defaults (e.g. a private Redis the test stops). */
  subgraphEnv: Record<string, string | undefined> = {},
): Promise<Stack> {
  const subgraphs: Record<string, RunningSubgraph> = {};
  const stopSubgraphs = async () => {
    for (const s of Object.values(subgraphs)) {
      await s.stop();
      await dropSchema(s.config.dbSchema);
    }
  };
  try {
    for (const def of definitions) subgraphs[def.name] = await startSubgraph(def, testServiceConfig(def.name, keys, subgraphEnv));
  } catch (error) {
    await stopSubgraphs();
    throw error;
  }
  let router: RunningRouter;
  try {
    const supergraphSdl = composeFor(definitions.map((d) => ({ definition: d, url: subgraphs[d.name]!.url })));
    router = await startTestRouter(keys, supergraphSdl, routerEnv, routerOptions);
  } catch (error) {
    await stopSubgraphs();
    throw error;
  }
  return {
    router,
    subgraphs,
    async stop() {
      await router.stop();
      await stopSubgraphs();
    },
  };
}

/** Composes a supergraph from subgraph definitions and the URLs they run at (e.g. a second replica). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function composeFor(parts: { definition: SubgraphDefinition<any>; url: string }[]): string {
  const composed = composeSupergraph(parts.map((p) => ({ name: p.definition.name, url: p.url, sdl: print(p.definition.typeDefs) })));
  if (!composed.ok) throw new Error(composed.errors.join('\n'));
  return composed.supergraphSdl;
}

const BUDGETS = `router:rl:test:${randomUUID()}`;

/** A router in test mode on a random port, trusting the test keys, on the real Redis. */
export function startTestRouter(
  keys: TestKeys,
  supergraphSdl: string,
  routerEnv: Record<string, string | undefined> = {},
  routerOptions: RouterOptions = {},
): Promise<RunningRouter> {
  return startRouter(
    loadRouterConfig({
      NODE_ENV: 'test',
      PORT: '0',
      ROUTER_SECRET: 'test-router-secret',
      JWKS_JSON: keys.jwksJson,
      REDIS_URL: process.env.REDIS_URL || 'redis://127.0.0.1:6379',
      LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent',
      // Every client of a test is 127.0.0.1: the routers of one test file share budgets (as one deployment's
      // do), never with another file, package or benchmark running against the same Redis.
      RATE_LIMIT_KEY_PREFIX: BUDGETS,
      RATE_LIMIT_POINTS: '100000',
      AUTH_RATE_LIMIT_POINTS: '100000',
      AUTH_TOKEN_RATE_LIMIT_POINTS: '100000',
      WS_CONNECTIONS_PER_CLIENT: '100000',
      SUBSCRIPTIONS_PER_CLIENT: '100000',
      ...routerEnv,
    }),
    { ...routerOptions, supergraphSdl },
  );
}

export interface GraphQLResponse<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  body: { data?: T | null; errors?: { message: string; extensions?: Record<string, unknown>; path?: unknown[] }[] };
}

export async function gql<T = Record<string, unknown>>(
  url: string,
  query: string,
  opts: { variables?: Record<string, unknown>; token?: string; headers?: Record<string, string> } = {},
): Promise<GraphQLResponse<T>> {
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
      ...opts.headers,
    },
    body: JSON.stringify({ query, variables: opts.variables }),
  });
  const text = await res.text();
  let body: GraphQLResponse<T>['body'];
  try {
    body = JSON.parse(text);
  } catch {
    throw new Error(`non-JSON response ${res.status}: ${text.slice(0, 200)}`);
  }
  return { status: res.status, headers: res.headers, body };
}
