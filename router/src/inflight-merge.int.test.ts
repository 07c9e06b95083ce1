// Merged subgraph fetches through the real router: two identical queries of one user in flight together
// reach the subgraph once and both get the answer; the same query of two users is never merged (each
// reaches the subgraph with its own token and gets its own answer); mutations are never merged.
import { randomUUID } from 'node:crypto';
import gqlTag from 'graphql-tag';
import { createTestKeys, signTestToken, type TestKeys } from '@clinic/service-kit/testing';
import type { RequestContext, SubgraphDefinition } from '@clinic/service-kit';
import { gql, startStack, type Stack } from './testing/harness.ts';
import { fetchMergeStats } from './inflight-merge.ts';

/** A subgraph whose answers wait for the test to let them go, and that counts what reaches it. */
let arrived = 0;
let release: () => void = () => {};
let gate = Promise.resolve();
const hold = () => {
  gate = new Promise((resolve) => (release = resolve));
};
const whoIs = (ctx: RequestContext) => (ctx.viewer.kind === 'user' ? ctx.viewer.userId : ctx.viewer.kind);

const latchSubgraph: SubgraphDefinition = {
  name: 'latch',
  typeDefs: gqlTag`
    extend schema @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@key"])
    type Query { heldFor: String! }
    type Mutation { touch: String! }
  `,
  resolvers: {
    Query: {
      heldFor: async (_p: unknown, _a: unknown, ctx: RequestContext) => {
        arrived += 1;
        await gate;
        return `for ${whoIs(ctx)}`;
      },
    },
    Mutation: {
      touch: async (_p: unknown, _a: unknown, ctx: RequestContext) => {
        arrived += 1;
        await gate;
        return `touched by ${whoIs(ctx)}`;
      },
    },
  },
  entities: [],
  migrations: [],
};

let keys: TestKeys;
let stack: Stack;

beforeAll(async () => {
  keys = await createTestKeys();
  stack = await startStack(keys, [latchSubgraph]);
});

afterAll(async () => {
  release();
  await stack?.stop();
});

/** Waits for a condition the router or subgraph reaches (no timing: the test's own timeout bounds it). */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setImmediate(resolve));
}

const user = () => signTestToken(keys, { sub: randomUUID(), roles: ['PATIENT'] });

test('two identical queries of one user in flight together make one upstream call', async () => {
  const token = await user();
  hold();
  arrived = 0;
  const merged = fetchMergeStats.merged;
  const first = gql(stack.router.url, '{ heldFor }', { token });
  await until(() => arrived === 1);
  const second = gql(stack.router.url, '{ heldFor }', { token });
  await until(() => fetchMergeStats.merged === merged + 1);
  release();
  const [a, b] = await Promise.all([first, second]);
  expect(a.body).toEqual(b.body);
  expect(a.body.data?.heldFor).toMatch(/^for /);
  expect(arrived).toBe(1);
});

test('the same query of two users is never merged: each reaches the subgraph and gets its own answer', async () => {
  const [alice, bob] = [randomUUID(), randomUUID()];
  hold();
  arrived = 0;
  const merged = fetchMergeStats.merged;
  const first = gql(stack.router.url, '{ heldFor }', { token: await signTestToken(keys, { sub: alice, roles: ['PATIENT'] }) });
  await until(() => arrived === 1);
  const second = gql(stack.router.url, '{ heldFor }', { token: await signTestToken(keys, { sub: bob, roles: ['PATIENT'] }) });
  // Merged, the second would never arrive and this would not return.
  await until(() => arrived === 2);
  release();
  expect((await first).body.data).toEqual({ heldFor: `for ${alice}` });
  expect((await second).body.data).toEqual({ heldFor: `for ${bob}` });
  expect(fetchMergeStats.merged).toBe(merged);
});

test('identical mutations of one user are never merged', async () => {
  const token = await user();
  hold();
  arrived = 0;
  const first = gql(stack.router.url, 'mutation { touch }', { token });
  await until(() => arrived === 1);
  const second = gql(stack.router.url, 'mutation { touch }', { token });
  await until(() => arrived === 2);
  release();
  expect((await first).body.errors).toBeUndefined();
  expect((await second).body.errors).toBeUndefined();
});
