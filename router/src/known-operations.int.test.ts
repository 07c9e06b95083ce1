// The known-operation lane answers as Apollo Server's pipeline does. Each request is sent twice through the
// real router: the first time Apollo Server answers it (and the lane learns the operation), the second time
// the lane may. Status, body text and the headers a client reads must be the same byte for byte; what the
// lane cannot do the same way (another Accept, a field the caller may not read, a refused variable, an error)
// must end as Apollo Server's answer, with each subgraph call made once. Metrics count either path alike.
import { randomUUID } from 'node:crypto';
import { createTestKeys, signTestToken, type TestKeys } from '@clinic/service-kit/testing';
import { startStack, type Stack } from './testing/harness.ts';
import { knownOperationStats } from './known-operations.ts';
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

/** What a client reads of an answer: status, the headers that matter, the body's bytes. */
async function send(body: unknown, token: string | undefined, headers: Record<string, string> = {}) {
  const res = await fetch(stack.router.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const seen = Object.fromEntries([...res.headers].filter(([name]) => !['date', 'x-request-id', 'keep-alive', 'connection'].includes(name)));
  return { status: res.status, headers: seen, requestId: res.headers.get('x-request-id'), text: await res.text() };
}

/** Sends the request twice; returns both answers and what the lane did the second time. */
async function twice(body: unknown, token?: string, headers: Record<string, string> = {}) {
  const first = await send(body, token, headers);
  const before = { ...knownOperationStats, calls: subgraphCalls };
  const second = await send(body, token, headers);
  return { first, second, answered: knownOperationStats.answered - before.answered, replayed: knownOperationStats.replayed - before.replayed, calls: subgraphCalls - before.calls };
}

const sameAnswer = (a: Awaited<ReturnType<typeof send>>, b: Awaited<ReturnType<typeof send>>) => {
  expect({ ...b, requestId: null }).toEqual({ ...a, requestId: null });
  expect(b.requestId).toMatch(/^[0-9a-f-]{36}$/);
};

const answered: [string, Record<string, unknown>][] = [
  ['one subgraph', { query: '{ note(id: "n1") { id title remark tags author { name nick } } }' }],
  ['variables and an operation name', { query: 'query ById($id: ID!) { note(id: $id) { id title } }', variables: { id: 'n2' }, operationName: 'ById' }],
  ['two operations in one document, one named', { query: 'query A { note(id: "n1") { id } } query B { mood }', operationName: 'A' }],
  ['two subgraphs', { query: '{ note(id: "n1") { id } greetings(userIds: ["u1"]) { text user { id } } }' }],
  ['what the gateway shapes (an enum, an interface)', { query: '{ mood thing { id ... on Note { title } } }' }],
  ['a mutation', { query: 'mutation Write($text: String!) { scribble(text: $text) { id title } }', variables: { text: 'Call back' } }],
];

test.each(answered)('%s: the lane answers byte for byte what Apollo Server wrote, one subgraph call each', async (...[, body]) => {
  const { first, second, answered: byLane, calls } = await twice(body, await user());
  expect(first.status).toBe(200);
  expect(JSON.parse(first.text).errors).toBeUndefined();
  expect(first.headers['cache-control']).toBe('no-store');
  sameAnswer(first, second);
  expect(byLane).toBe(1);
  expect(calls).toBe(body.query!.toString().includes('greetings') ? 2 : 1);
});

test.each([
  ['none', undefined],
  ['*/*', '*/*'],
  ['application/json', 'application/json'],
  ['application/graphql-response+json', 'application/graphql-response+json'],
  ["Apollo Client's", 'application/graphql-response+json,application/json;q=0.9'],
  ["urql's (the web app)", 'application/graphql-response+json, application/graphql+json, application/json, text/event-stream, multipart/mixed'],
])('Accept %s: the content type Apollo Server negotiates', async (_, accept) => {
  const { first, second, answered: byLane } = await twice({ query: '{ note(id: "n2") { title } }' }, await user(), accept ? { accept } : {});
  sameAnswer(first, second);
  expect(byLane).toBe(1);
});

test('an Accept the lane does not know, a GET, a batch, an unknown key: Apollo Server answers, as before', async () => {
  const token = await user();
  const query = '{ note(id: "n1") { id } }';
  await twice({ query }, token);
  for (const [body, headers] of [
    [{ query }, { accept: 'application/xml' }],
    [{ query }, { accept: 'text/html' }],
    [[{ query }], {}],
    [{ query, id: 'x' }, {}],
    [{ query, extensions: { persistedQuery: { version: 1, sha256Hash: 'nope' } } }, {}],
    [{ query }, { 'content-type': 'text/plain' }],
  ] as [unknown, Record<string, string>][]) {
    const { first, second, answered: byLane } = await twice(body, token, headers);
    sameAnswer(first, second);
    expect(byLane).toBe(0);
  }
  const get = await fetch(`${stack.router.url}?query=${encodeURIComponent(query)}`, { headers: { authorization: `Bearer ${token}`, 'apollo-require-preflight': 'true' } });
  expect(get.status).toBe(200);
});

test('errors: Apollo Server formats the result the lane executed (never executed twice)', async () => {
  for (const query of ['{ failing { id } }', '{ note(id: "n1") { id } failing { title } }', '{ greetings(userIds: ["u1"]) { text } failing { id } }']) {
    const { first, second, answered: byLane, replayed, calls } = await twice({ query }, await user());
    expect(JSON.parse(first.text).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    sameAnswer(first, second);
    expect([byLane, replayed]).toEqual([0, 1]);
    expect(calls).toBe(query.includes('greetings') ? 2 : 1);
  }
});

test('a refused variable: the same 400 from Apollo Server, and no subgraph call', async () => {
  const query = 'query Refused($id: ID!) { note(id: $id) { id } }';
  const token = await user();
  await twice({ query, variables: { id: 'n1' } }, token);
  for (const variables of [{}, { id: { no: 1 } }, { id: 'n1\u0000' }]) {
    const before = { ...knownOperationStats, calls: subgraphCalls };
    const res = await send({ query, variables }, token);
    expect(res.status).toBe(400);
    expect(JSON.parse(res.text).errors[0].extensions.code).toBe('BAD_USER_INPUT');
    expect([knownOperationStats.answered, knownOperationStats.replayed, subgraphCalls]).toEqual([before.answered, before.replayed, before.calls]);
  }
});

test("rights are the caller's: a field one caller may read stays refused to another after the lane learnt it", async () => {
  const query = { query: '{ note(id: "n1") { id secret } }' };
  const holder = await twice(query, await user(['desk:secret']));
  expect(JSON.parse(holder.second.text)).toEqual({ data: { note: { id: 'n1', secret: 'behind the desk' } } });
  expect(holder.answered).toBe(1);
  const other = await twice(query, await user());
  sameAnswer(other.first, other.second);
  expect(JSON.parse(other.second.text).errors[0].extensions.code).toBe('FORBIDDEN');
  expect(other.answered).toBe(0);
  const anonymous = await send(query, undefined);
  expect(JSON.parse(anonymous.text).errors[0].extensions.code).toBe('UNAUTHENTICATED');
  const invalid = await send(query, 'not-a-token');
  expect(invalid.status).toBe(401);
});

test("the assistant's delegated token runs only its operations, whatever the lane learnt from the patient", async () => {
  const query = { query: '{ note(id: "n1") { id } }' };
  expect((await twice(query, await user())).answered).toBe(1);
  const delegated = await signTestToken(keys, { sub: randomUUID(), roles: ['PATIENT'], scope: 'appointments:self', extra: { act: { sub: 'clinic-assistant' } } });
  const { first, second, answered: byLane, calls } = await twice(query, delegated);
  expect(first.status).toBe(403);
  expect(JSON.parse(first.text).errors[0].extensions.code).toBe('FORBIDDEN');
  sameAnswer(first, second);
  expect([byLane, calls]).toEqual([0, 0]);
});

test('metrics: a request the lane answers is counted under its operation as Apollo Server counts it', async () => {
  const metric = async () => {
    const text = await (await fetch(stack.router.url.replace('/graphql', '/metrics'))).text();
    const line = text.split('\n').find((l) => l.startsWith('graphql_requests_total{') && l.includes('operation="LaneCounted"') && l.includes('service="router"'));
    return Number(line?.split(' ').pop() ?? 0);
  };
  const token = await user();
  const body = { query: 'query LaneCounted { note(id: "n1") { id } }' };
  const start = await metric();
  const { answered: byLane } = await twice(body, token);
  expect(byLane).toBe(1);
  expect((await metric()) - start).toBe(2);
});
