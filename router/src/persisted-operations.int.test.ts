// Persisted operations through the real router: with PERSISTED_OPERATIONS=enforce, a first-party caller
// runs a manifest operation (as text, however formatted, or by its hash alone) and is refused anything
// else with 400 PERSISTED_QUERY_NOT_IN_LIST, while a partner keeps ad-hoc access; without enforcement,
// automatic persisted queries register and answer by hash. The web build's real manifest loads too.
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createTestKeys, signTestToken, type TestKeys } from '@clinic/service-kit/testing';
import { identitySubgraph } from '@clinic/identity';
import { greetingsSubgraph } from './testing/greetings-subgraph.ts';
import { composeFor, gql, startStack, startTestRouter, type Stack } from './testing/harness.ts';
import type { RunningRouter } from './router.ts';
import { DEFAULT_PERSISTED_OPERATIONS_MANIFEST } from './config.ts';
import { loadPersistedOperations } from './persisted-operations.ts';
import { knownOperationStats } from './known-operations.ts';

const KNOWN = 'query KnownGreeting($ids: [ID!]!) { greetings(userIds: $ids) { text } }';
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

let keys: TestKeys;
let stack: Stack;
let enforcing: RunningRouter;

beforeAll(async () => {
  keys = await createTestKeys();
  stack = await startStack(keys, [identitySubgraph, greetingsSubgraph]);
  const dir = mkdtempSync(path.join(tmpdir(), 'persisted-'));
  const manifest = path.join(dir, 'persisted-documents.json');
  writeFileSync(manifest, JSON.stringify({ [`sha256:${sha256(KNOWN)}`]: KNOWN }));
  const sdl = composeFor([
    { definition: identitySubgraph, url: stack.subgraphs.identity!.url },
    { definition: greetingsSubgraph, url: stack.subgraphs.greetings!.url },
  ]);
  enforcing = await startTestRouter(keys, sdl, { PERSISTED_OPERATIONS: 'enforce', PERSISTED_OPERATIONS_MANIFEST: manifest });
});

afterAll(async () => {
  await enforcing?.stop();
  await stack?.stop();
});

async function post(url: string, body: Record<string, unknown>, token?: string) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as { data?: Record<string, unknown>; errors?: { extensions?: { code?: string } }[] } };
}

const variables = { ids: ['00000000-0000-4000-8000-000000000001'] };

test('a known operation is accepted as text (any formatting) and by hash alone', async () => {
  const token = await signTestToken(keys, { sub: '00000000-0000-4000-8000-000000000009', roles: ['PATIENT'] });
  const asText = await post(enforcing.url, { query: KNOWN.replace(/ /g, '\n  '), variables }, token);
  expect(asText.status).toBe(200);
  expect(asText.body.data?.greetings).toHaveLength(1);
  const byHash = await post(enforcing.url, { variables, extensions: { persistedQuery: { version: 1, sha256Hash: sha256(KNOWN) } } });
  expect(byHash.body.errors).toBeUndefined();
  expect(byHash.body.data?.greetings).toHaveLength(1);
});

test('an unknown operation is refused for users and anonymous clients, nothing registered', async () => {
  const token = await signTestToken(keys, { sub: '00000000-0000-4000-8000-000000000009', roles: ['PATIENT'] });
  const unknown = '{ greetings(userIds: []) { text user { id } } }';
  for (const who of [token, undefined]) {
    const res = await post(enforcing.url, { query: unknown }, who);
    expect(res.status).toBe(400);
    expect(res.body.errors?.[0]?.extensions?.code).toBe('PERSISTED_QUERY_NOT_IN_LIST');
    expect(res.body.data).toBeUndefined();
  }
  // An APQ registration attempt of an unknown operation is refused the same way and not remembered.
  const hash = sha256(unknown);
  const register = await post(enforcing.url, { query: unknown, extensions: { persistedQuery: { version: 1, sha256Hash: hash } } });
  expect(register.body.errors?.[0]?.extensions?.code).toBe('PERSISTED_QUERY_NOT_IN_LIST');
  const later = await post(enforcing.url, { extensions: { persistedQuery: { version: 1, sha256Hash: hash } } });
  expect(later.body.errors?.[0]?.extensions?.code).toBe('PERSISTED_QUERY_NOT_FOUND');
});

test('partners keep ad-hoc access', async () => {
  const partner = await signTestToken(keys, { sub: 'partner-app', tokenUse: 'partner', scope: 'greetings:secret' });
  const res = await post(enforcing.url, { query: '{ __typename }' }, partner);
  expect(res.status).toBe(200);
  expect(res.body.data).toEqual({ __typename: 'Query' });
});

test('without enforcement: any operation runs, and automatic persisted queries register and answer by hash', async () => {
  const query = '{ greetings(userIds: []) { text } }';
  const hash = sha256(query);
  expect((await gql(stack.router.url, query)).body.data).toEqual({ greetings: [] });
  const miss = await post(stack.router.url, { extensions: { persistedQuery: { version: 1, sha256Hash: hash } } });
  expect(miss.body.errors?.[0]?.extensions?.code).toBe('PERSISTED_QUERY_NOT_FOUND');
  await post(stack.router.url, { query, extensions: { persistedQuery: { version: 1, sha256Hash: hash } } });
  const hit = await post(stack.router.url, { extensions: { persistedQuery: { version: 1, sha256Hash: hash } } });
  expect(hit.body.data).toEqual({ greetings: [] });
});

test("the web build's manifest is well-formed (every key is its operation's sha256)", () => {
  const operations = loadPersistedOperations(DEFAULT_PERSISTED_OPERATIONS_MANIFEST);
  expect(operations.byHash.size).toBeGreaterThan(10);
  expect(operations.canonical.size).toBe(operations.byHash.size);
});

test('the known-operation lane keeps persisted-only mode: what a partner ran stays refused to first-party callers', async () => {
  const partner = await signTestToken(keys, { sub: 'partner-app', tokenUse: 'partner', scope: 'greetings:secret' });
  const adHoc = '{ greetings(userIds: []) { text } }';
  const before = knownOperationStats.answered;
  for (let i = 0; i < 2; i++) expect((await post(enforcing.url, { query: adHoc }, partner)).body.data).toEqual({ greetings: [] });
  expect(knownOperationStats.answered - before).toBe(1);
  const token = await signTestToken(keys, { sub: '00000000-0000-4000-8000-000000000009', roles: ['PATIENT'] });
  for (const who of [token, undefined]) {
    const res = await post(enforcing.url, { query: adHoc }, who);
    expect(res.status).toBe(400);
    expect(res.body.errors?.[0]?.extensions?.code).toBe('PERSISTED_QUERY_NOT_IN_LIST');
  }
  expect(knownOperationStats.answered - before).toBe(1);
});

test('a manifest operation by hash alone: the lane answers the second time as Apollo Server did the first', async () => {
  const body = { variables, extensions: { persistedQuery: { version: 1, sha256Hash: sha256(KNOWN) } } };
  const answers = [];
  let before = 0;
  for (let i = 0; i < 2; i++) {
    before = knownOperationStats.answered;
    const res = await fetch(enforcing.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    answers.push({ status: res.status, type: res.headers.get('content-type'), cache: res.headers.get('cache-control'), text: await res.text() });
  }
  expect(answers[0]!.status).toBe(200);
  expect(answers[1]).toEqual(answers[0]);
  expect(knownOperationStats.answered - before).toBe(1);
});
