// Through the router, as Apollo Router does by default: a field the caller may not read is removed
// from the operation, comes back null with an error at its path (the null climbing past non-null
// positions), and the rest of the operation still runs; with nothing readable left at the root, the
// operation is refused before any subgraph is called.
import { randomUUID } from 'node:crypto';
import { createTestKeys, signTestToken, type TestKeys } from '@clinic/service-kit/testing';
import { identitySubgraph } from '@clinic/identity';
import { greetingsSubgraph } from './testing/greetings-subgraph.ts';
import { gql, startStack, type Stack } from './testing/harness.ts';

let keys: TestKeys;
let stack: Stack;
let subgraphQueries: string[] = [];

beforeAll(async () => {
  keys = await createTestKeys();
  stack = await startStack(keys, [identitySubgraph, greetingsSubgraph]);
  stack.subgraphs.greetings!.httpServer.on('request', (req) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => subgraphQueries.push(body));
  });
});

afterAll(async () => {
  await stack?.stop();
});

beforeEach(() => {
  subgraphQueries = [];
});

const user = (permissions: string[] = []) => signTestToken(keys, { sub: randomUUID(), roles: ['PATIENT'], permissions });

test('an unreadable nullable field is null with an error at its path; the rest is answered; the subgraph never sees the field', async () => {
  const res = await gql(stack.router.url, '{ greetings(userIds: ["u1", "u2"]) { text secret } }', { token: await user() });
  expect(res.status).toBe(200);
  expect(res.body.data).toEqual({ greetings: [{ text: 'Hello u1', secret: null }, { text: 'Hello u2', secret: null }] });
  expect(res.body.errors?.map((e) => [e.extensions?.code, e.path])).toEqual([
    ['FORBIDDEN', ['greetings', 0, 'secret']],
    ['FORBIDDEN', ['greetings', 1, 'secret']],
  ]);
  expect(subgraphQueries.join()).not.toContain('secret');
  const allowed = await gql(stack.router.url, '{ greetings(userIds: ["u1"]) { text secret } }', { token: await user(['greetings:secret']) });
  expect(allowed.body).toEqual({ data: { greetings: [{ text: 'Hello u1', secret: 'the secret' }] } });
});

test('an unreadable non-null field nulls its nearest nullable parent, like any null', async () => {
  const res = await gql(stack.router.url, '{ greetings(userIds: ["u1"]) { text reply { text mood } } }');
  expect(res.status).toBe(200);
  expect(res.body.data).toEqual({ greetings: [{ text: 'Hello u1', reply: null }] });
  expect(res.body.errors?.map((e) => [e.extensions?.code, e.path])).toEqual([['UNAUTHENTICATED', ['greetings', 0, 'reply', 'mood']]]);
  const signedIn = await gql(stack.router.url, '{ greetings(userIds: ["u1"]) { reply { mood } } }', { token: await user() });
  expect(signedIn.body).toEqual({ data: { greetings: [{ reply: { mood: 'cheerful' } }] } });
});

test('a skipped unreadable field is neither fetched nor reported', async () => {
  const res = await gql(stack.router.url, '{ greetings(userIds: ["u1"]) { text secret @skip(if: true) } }', { token: await user() });
  expect(res.body).toEqual({ data: { greetings: [{ text: 'Hello u1' }] } });
});

test('other root fields of the operation still run', async () => {
  const res = await gql(stack.router.url, '{ __typename echo(value: 1) denied: greetings(userIds: ["u1"]) { mood } }');
  // greetings is [Greeting!]!, so the null climbs to the root: data is null, as GraphQL would have it.
  expect(res.body.data).toBeNull();
  expect(res.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  expect(subgraphQueries.join()).toContain('echo');
});

test('with nothing readable at the root, the operation is refused (401/403) and no subgraph is called', async () => {
  const res = await gql(stack.router.url, '{ me { id } }');
  expect(res.status).toBe(401);
  expect(res.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  expect(subgraphQueries).toEqual([]);
});
