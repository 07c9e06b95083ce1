// The single-fetch lane (one fetch, or parallel fetches each answering its own root fields) answers exactly as the gateway's own path does. Each operation is sent twice through
// the real router: the first time the gateway plans and shapes it, the second time the lane may pass the
// subgraph's answer on. Status and body text must be the same byte for byte, the lane must be taken only
// where the shaping provably changes nothing, and the subgraph must see one call per request (an answer
// with errors is replayed to the gateway, never fetched twice). Rights are never carried across callers.
import { randomUUID } from 'node:crypto';
import { createTestKeys, signTestToken, type TestKeys } from '@clinic/service-kit/testing';
import { startStack, type Stack } from './testing/harness.ts';
import { singleFetchStats } from './single-fetch.ts';
import { greetingsSubgraph } from './testing/greetings-subgraph.ts';
import { deskSubgraph } from './testing/desk-subgraph.ts';

let keys: TestKeys;
let stack: Stack;
let subgraphCalls = 0;

beforeAll(async () => {
  keys = await createTestKeys();
  stack = await startStack(keys, [deskSubgraph, greetingsSubgraph]);
  for (const subgraph of Object.values(stack.subgraphs)) subgraph.httpServer.on('request', () => (subgraphCalls += 1));
});

afterAll(async () => {
  await stack?.stop();
});

const user = (permissions: string[] = []) => signTestToken(keys, { sub: randomUUID(), roles: ['PATIENT'], permissions });

async function send(query: string, variables: Record<string, unknown> | undefined, token: string) {
  const res = await fetch(stack.router.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  return { status: res.status, contentType: res.headers.get('content-type'), text: await res.text() };
}

/** Sends the operation twice; returns both answers and what the lane did the second time. */
async function twice(query: string, variables?: Record<string, unknown>, token?: string) {
  const caller = token ?? (await user());
  const first = await send(query, variables, caller);
  const before = { ...singleFetchStats, calls: subgraphCalls };
  const second = await send(query, variables, caller);
  return {
    first,
    second,
    passed: singleFetchStats.passed - before.passed,
    replayed: singleFetchStats.replayed - before.replayed,
    calls: subgraphCalls - before.calls,
  };
}

const passedOn: [string, string, Record<string, unknown>?][] = [
  ['objects, lists and nulls', '{ note(id: "n1") { id title remark tags author { name nick } } other: note(id: "n2") { author { name } } }'],
  ['aliases', '{ a: note(id: "n1") { heading: title } b: note(id: "n2") { key: id } }'],
  ['a named fragment', 'query Named { note(id: "n1") { ...Basics } } fragment Basics on Note { id title }'],
  ['an inline fragment', '{ note(id: "n1") { ... { id } ... on Note { title } } }'],
  ['variables', 'query ById($id: ID!) { note(id: $id) { id title } }', { id: 'n2' }],
  ['a null root field', '{ note(id: "nowhere") { id } }'],
  ['__typename', '{ note(id: "n1") { __typename id } }'],
  ['a list of objects', 'query Many($ids: [ID!]!) { notes(ids: $ids) { id tags } }', { ids: ['n1', 'n2'] }],
  ["an entity's key, answered by the subgraph that refers to it", '{ greetings(userIds: ["u1"]) { text user { id } } }'],
];

test.each(passedOn)('%s: the lane passes the answer on, byte for byte what the gateway made', async (...[, query, variables]) => {
  const { first, second, passed, calls } = await twice(query, variables);
  expect(first.status).toBe(200);
  expect(JSON.parse(first.text).errors).toBeUndefined();
  expect(second).toEqual(first);
  expect(passed).toBe(1);
  expect(calls).toBe(1);
});

const gatewayShaped: [string, string, Record<string, unknown>?][] = [
  ['an enum', '{ mood }'],
  ['__typename at the root (the gateway answers it)', '{ __typename note(id: "n1") { id } }'],
  ['an interface', '{ thing { id ... on Note { title } } }'],
  ['@skip', 'query Skipping($s: Boolean!) { note(id: "n1") { id title @skip(if: $s) } }', { s: true }],
  ['introspection beside a field', '{ __type(name: "Note") { name } note(id: "n1") { id } }'],
];

test.each(gatewayShaped)('%s: left to the gateway, the same answer', async (...[, query, variables]) => {
  const { first, second, passed, replayed } = await twice(query, variables);
  expect(first.status).toBe(200);
  expect(second).toEqual(first);
  expect([passed, replayed]).toEqual([0, 0]);
});

const parallel: [string, string, Record<string, unknown>?][] = [
  ['two subgraphs', '{ note(id: "n1") { id title } greetings(userIds: ["u1"]) { text } }'],
  ['two subgraphs, fields interleaved and aliased', 'query Mixed($ids: [ID!]!) { a: greetings(userIds: $ids) { text } note(id: "n1") { title } b: note(id: "n2") { id remark } }', { ids: ['u1', 'u2'] }],
  ['a null beside an answer', '{ greetings(userIds: []) { text } note(id: "nowhere") { id } }'],
];

test.each(parallel)('%s: the parallel fetches are put together in the order the gateway gives', async (...[, query, variables]) => {
  const { first, second, passed, calls } = await twice(query, variables);
  expect(JSON.parse(first.text).errors).toBeUndefined();
  expect(second).toEqual(first);
  expect(passed).toBe(1);
  expect(calls).toBe(2);
});

test('an error in one of two parallel fetches: the gateway shapes both answers the lane fetched', async () => {
  const { first, second, replayed, calls } = await twice('{ greetings(userIds: ["u1"]) { text } failing { id } }');
  expect(JSON.parse(first.text).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  expect(JSON.parse(first.text).data.greetings).toEqual([{ text: 'Hello u1' }]);
  expect(second).toEqual(first);
  expect(replayed).toBe(1);
  expect(calls).toBe(2);
});

test('a subgraph error: the gateway shapes the answer the lane fetched (one subgraph call), as it would have', async () => {
  for (const query of ['{ failing { id } }', '{ note(id: "n1") { id } failing { title } }']) {
    const { first, second, replayed, calls } = await twice(query);
    expect(JSON.parse(first.text).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect(second).toEqual(first);
    expect(replayed).toBe(1);
    expect(calls).toBe(1);
  }
});

test('a variable the operation refuses: the same error, and no subgraph call', async () => {
  const query = 'query Refused($id: ID!) { note(id: $id) { id } }';
  await twice(query, { id: 'n1' }); // the lane exists for this document now
  const caller = await user();
  const before = subgraphCalls;
  const missing = await send(query, {}, caller);
  const wrong = await send(query, { id: { no: 1 } }, caller);
  expect(missing.status).toBe(400);
  expect(JSON.parse(missing.text).errors[0].extensions.code).toBe('BAD_USER_INPUT');
  expect(wrong.status).toBe(400);
  expect(subgraphCalls).toBe(before);
});

test('a mutation goes once to the subgraph on either path', async () => {
  const { first, second, passed, calls } = await twice('mutation Write { scribble(text: "Call back") { id title } }');
  expect(JSON.parse(first.text).data).toEqual({ scribble: { id: 'n1', title: 'Call back' } });
  expect(second).toEqual(first);
  expect(passed).toBe(1);
  expect(calls).toBe(1);
});

test("a field filtered for one caller stays filtered after another caller's answer took the lane", async () => {
  const query = '{ note(id: "n1") { id secret } }';
  const holder = await twice(query, undefined, await user(['desk:secret']));
  expect(JSON.parse(holder.second.text)).toEqual({ data: { note: { id: 'n1', secret: 'behind the desk' } } });
  expect(holder.passed).toBe(1);
  const other = await twice(query, undefined, await user());
  expect(other.second).toEqual(other.first);
  expect(JSON.parse(other.second.text).data).toEqual({ note: { id: 'n1', secret: null } });
  expect(JSON.parse(other.second.text).errors[0].extensions.code).toBe('FORBIDDEN');
  expect(other.passed).toBe(0);
});
