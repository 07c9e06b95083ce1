// A router's batch of per-caller reads (one subscription event's fills for many subscribers): each item
// runs under its own caller, a bad token refuses only its item, writes are never run, and the batch is
// accepted only with the router secret. Real Postgres and Redis.
import { randomUUID } from 'node:crypto';
import gqlTag from 'graphql-tag';
import { startSubgraph, type RequestContext, type RunningSubgraph, type SubgraphDefinition } from './server.ts';
import { ROUTER_SECRET_HEADER } from './router-secret.ts';
import { CALLER_BATCH_HEADER, type CallerBatchItem } from './caller-batch.ts';
import { createTestKeys, dropSchema, signTestToken, testServiceConfig, type TestKeys } from './testing/index.ts';

let writes = 0;
const whoami: SubgraphDefinition = {
  name: 'whoami',
  typeDefs: gqlTag`
    extend schema @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@key"])
    type Query { viewerId: ID }
    type Mutation { write: Boolean! }
  `,
  resolvers: {
    Query: { viewerId: (_: unknown, __: unknown, ctx: RequestContext) => (ctx.viewer.kind === 'user' ? ctx.viewer.userId : null) },
    Mutation: { write: () => ++writes > 0 },
  },
  entities: [],
  migrations: [],
};

let keys: TestKeys;
let running: RunningSubgraph;

beforeAll(async () => {
  keys = await createTestKeys();
  running = await startSubgraph(whoami, testServiceConfig('whoami', keys));
});

afterAll(async () => {
  await running.stop();
  await dropSchema(running.config.dbSchema);
});

const batch = (items: CallerBatchItem[], secret = 'test-router-secret') =>
  fetch(running.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', [ROUTER_SECRET_HEADER]: secret, [CALLER_BATCH_HEADER]: 'per-caller' },
    body: JSON.stringify(items),
  });

test('each item runs under its own caller, in order', async () => {
  const [a, b] = [randomUUID(), randomUUID()];
  const res = await batch([
    { query: '{ viewerId }', caller: { authorization: `Bearer ${await signTestToken(keys, { sub: a })}` } },
    { query: '{ viewerId }', caller: {} },
    { query: '{ viewerId }', caller: { authorization: `Bearer ${await signTestToken(keys, { sub: b })}` } },
  ]);
  expect(res.status).toBe(200);
  expect(await res.json()).toEqual([{ data: { viewerId: a } }, { data: { viewerId: null } }, { data: { viewerId: b } }]);
});

test('a bad token refuses only its own item; a mutation is never run', async () => {
  const good = randomUUID();
  const res = await batch([
    { query: '{ viewerId }', caller: { authorization: 'Bearer not.a.token' } },
    { query: 'mutation { write }', caller: { authorization: `Bearer ${await signTestToken(keys, { sub: good })}` } },
    { query: '{ viewerId }', caller: { authorization: `Bearer ${await signTestToken(keys, { sub: good })}` } },
  ]);
  const results = (await res.json()) as { data?: unknown; errors?: { extensions?: { code?: string } }[] }[];
  expect(results[0]?.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  expect(results[1]?.errors?.[0]?.extensions?.code).toBe('BAD_REQUEST');
  expect(results[2]).toEqual({ data: { viewerId: good } });
  expect(writes).toBe(0);
});

test('a batch without the router secret is refused', async () => {
  const res = await batch([{ query: '{ viewerId }', caller: {} }], 'guess');
  expect(res.status).toBe(403);
});
