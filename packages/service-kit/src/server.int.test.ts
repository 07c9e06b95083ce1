// The subgraph bootstrap on the real Postgres and Redis: health, readiness, the router secret, and a
// graceful stop that lets in-flight requests finish while refusing new ones.
import gqlTag from 'graphql-tag';
import { startSubgraph, type RunningSubgraph, type SubgraphDefinition } from './server.ts';
import { ROUTER_SECRET_HEADER } from './router-secret.ts';
import { createTestKeys, dropSchema, rawHttpRequest, testServiceConfig } from './testing/index.ts';

let release: () => void = () => {};
const slowSubgraph: SubgraphDefinition = {
  name: 'slow',
  typeDefs: gqlTag`
    extend schema @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@key"])
    type Query { slow: String! fast: String! }
  `,
  resolvers: {
    Query: {
      slow: () => new Promise<string>((resolve) => (release = () => resolve('finished'))),
      fast: () => 'fast',
    },
  },
  entities: [],
  migrations: [],
};

let running: RunningSubgraph;

beforeAll(async () => {
  running = await startSubgraph(slowSubgraph, testServiceConfig('slow', await createTestKeys()));
});

afterAll(async () => {
  await running.stop();
  await dropSchema(running.config.dbSchema);
});

const post = (query: string, headers: Record<string, string> = { [ROUTER_SECRET_HEADER]: 'test-router-secret' }) =>
  fetch(running.url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query }) });

test('/health answers, /ready checks Postgres and Redis', async () => {
  const base = running.url.replace('/graphql', '');
  expect((await fetch(`${base}/health`)).status).toBe(200);
  const ready = await fetch(`${base}/ready`);
  expect(ready.status).toBe(200);
  expect(await ready.json()).toMatchObject({ ok: true, checks: { database: 'ok', redis: 'ok' } });
});

test('a wrong router secret is refused', async () => {
  const res = await post('{ fast }', { [ROUTER_SECRET_HEADER]: 'guess' });
  expect(res.status).toBe(403);
});

const rawRequest = (lines: string) => rawHttpRequest(running.port, lines);

// Node's parser lets these through but no URL parser reads them; one used to throw out of the request
// listener and end the subgraph's process (under `npm start`, the whole clinic).
test.each([['//[/x'], ['http://[/files/x'], ['http://a:99999/graphql']])('a request target no URL parser reads (%s) gets a 400, and the subgraph keeps serving', async (target) => {
  expect((await rawRequest(`GET ${target} HTTP/1.1`)).split('\r\n')[0]).toBe('HTTP/1.1 400 Bad Request');
  const upgrade = await rawRequest(`GET ${target} HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13`);
  expect(upgrade.split('\r\n')[0]).toMatch(/^HTTP\/1\.1 4\d\d /);
  expect(await (await post('{ fast }')).json()).toEqual({ data: { fast: 'fast' } });
});

test('stop() drains the in-flight request, then refuses new connections', async () => {
  const inFlight = post('{ slow }');
  await new Promise((r) => setTimeout(r, 100));
  const stopped = running.stop();
  await new Promise((r) => setTimeout(r, 100));
  release();
  const res = await inFlight;
  expect(await res.json()).toEqual({ data: { slow: 'finished' } });
  await stopped;
  await expect(post('{ fast }')).rejects.toThrow();
});

test("a subgraph whose context copies the kit's (a spread drops the lazy em and logger) is refused on its first request", async () => {
  const copying: SubgraphDefinition = { ...slowSubgraph, name: 'copying', context: (base) => ({ ...base }) };
  const subgraph = await startSubgraph(copying, testServiceConfig('copying', await createTestKeys()));
  try {
    const res = await fetch(subgraph.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [ROUTER_SECRET_HEADER]: 'test-router-secret' },
      body: JSON.stringify({ query: '{ fast }' }),
    });
    // Refused even where nothing reads em (the cause goes to the log and the error tracker, not the caller).
    const body = (await res.json()) as { data?: unknown; errors?: { extensions?: { code?: string } }[] };
    expect(body.data ?? null).toBeNull();
    expect(body.errors?.[0]?.extensions?.code).toBe('INTERNAL_SERVER_ERROR');
  } finally {
    await subgraph.stop();
    await dropSchema(subgraph.config.dbSchema);
  }
});
