// Client mistakes get a 400 and a stable code through the router, never a 500 or INTERNAL_SERVER_ERROR;
// the mistaken request never reaches a subgraph when the router can tell; logs stay bounded (a 95 kB
// request does not write a 95 kB line); a client hanging up is logged as that, at info; the server is
// healthy afterwards.
import net from 'node:net';
import { Writable } from 'node:stream';
import pino from 'pino';
import { createTestKeys, rawHttpRequest } from '@clinic/service-kit/testing';
import { identitySubgraph } from '@clinic/identity';
import { greetingsSubgraph } from './testing/greetings-subgraph.ts';
import { startStack, type Stack } from './testing/harness.ts';

let stack: Stack;
let subgraphCalls = 0;
const logLines: string[] = [];

beforeAll(async () => {
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logLines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  const logger = pino({ level: 'info' }, sink);
  stack = await startStack(await createTestKeys(), [identitySubgraph, greetingsSubgraph], { MAX_VARIABLES_DEPTH: '16' }, { logger });
  stack.subgraphs.greetings!.httpServer.on('request', () => (subgraphCalls += 1));
});

afterAll(async () => {
  await stack?.stop();
});

async function post(body: string) {
  const res = await fetch(stack.router.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  const text = await res.text();
  return { status: res.status, text, body: JSON.parse(text) as { data?: unknown; errors?: { message: string; extensions?: { code?: string } }[] } };
}

const ECHO = 'query Echo($value: JSON, $at: DateTime) { echo(value: $value, at: $at) }';
const nested = (open: string, close: string, depth: number) => `${open.repeat(depth)}1${close.repeat(depth)}`;

const MISTAKES: [name: string, code: string, body: () => string][] = [
  ['several operations without operationName', 'GRAPHQL_VALIDATION_FAILED', () => JSON.stringify({ query: 'query A { __typename } query B { __typename }' })],
  ['an unknown operationName', 'GRAPHQL_VALIDATION_FAILED', () => JSON.stringify({ query: 'query A { __typename }', operationName: 'C' })],
  ['a NUL byte in the query', 'GRAPHQL_PARSE_FAILED', () => JSON.stringify({ query: '{ __typename }\u0000' })],
  ['a NUL byte in a variable', 'BAD_USER_INPUT', () => JSON.stringify({ query: ECHO, variables: { value: { note: 'a\u0000b' } } })],
  ['a NUL byte in a variable key', 'BAD_USER_INPUT', () => JSON.stringify({ query: ECHO, variables: { value: { 'a\u0000': 1 } } })],
  ['deeply nested JSON arrays in variables', 'BAD_USER_INPUT', () => `{"query":${JSON.stringify(ECHO)},"variables":{"value":${nested('[', ']', 3000)}}}`],
  ['deeply nested JSON objects in variables', 'BAD_USER_INPUT', () => `{"query":${JSON.stringify(ECHO)},"variables":{"value":${nested('{"a":', '}', 3000)}}}`],
  ['an oversized JSON variable (95 kB)', 'BAD_USER_INPUT', () => JSON.stringify({ query: ECHO, variables: { value: { a: 'x'.repeat(95_000) } } })],
  ['a malformed DateTime variable', 'BAD_USER_INPUT', () => JSON.stringify({ query: ECHO, variables: { at: 'not-a-date' } })],
  ['a malformed DateTime variable of 95 kB', 'BAD_USER_INPUT', () => JSON.stringify({ query: ECHO, variables: { at: '9'.repeat(95_000) } })],
  ['a malformed DateTime literal', 'BAD_USER_INPUT', () => JSON.stringify({ query: '{ echo(at: "yesterday-ish") }' })],
  ['a wrongly typed built-in variable', 'BAD_USER_INPUT', () => JSON.stringify({ query: 'query($ids: [ID!]!) { greetings(userIds: $ids) { text } }', variables: { ids: { a: 'x'.repeat(95_000) } } })],
  ['a malformed JSON body', 'BAD_REQUEST', () => '{"query": '],
];

test.each(MISTAKES)('%s: 400 with %s, never reaching a subgraph, a bounded answer', async (_name, code, body) => {
  const before = subgraphCalls;
  const res = await post(body());
  expect({ status: res.status, code: res.body.errors?.[0]?.extensions?.code }).toEqual({ status: 400, code });
  expect(res.text.length).toBeLessThan(2_000);
  expect(subgraphCalls).toBe(before);
});

test('a refused 95 kB value still says why, in a bounded message', async () => {
  const res = await post(JSON.stringify({ query: ECHO, variables: { at: '9'.repeat(95_000) } }));
  const message = res.body.errors?.[0]?.message ?? '';
  expect(message.length).toBeLessThan(400);
  expect(message).toMatch(/^Variable "\$at"/);
  expect(message).toMatch(/DateTime/);
});

test('values just inside the bounds still work', async () => {
  const ok = await post(JSON.stringify({ query: ECHO, variables: { value: JSON.parse(nested('{"a":', '}', 15)), at: '2026-03-01T10:00:00Z' } }));
  expect(ok.body).toEqual({ data: { echo: 'object 2026-03-01T10:00:00.000Z' } });
  const named = await post(JSON.stringify({ query: 'query A { __typename } query B { greetings(userIds: []) { text } }', operationName: 'B' }));
  expect(named.body).toEqual({ data: { greetings: [] } });
});

test('no log line is longer than 4 kB, no client mistake was logged as an error, and the router is healthy', async () => {
  expect(logLines.length).toBeGreaterThan(0);
  expect(Math.max(...logLines.map((l) => l.length))).toBeLessThan(4_096);
  expect(logLines.filter((l) => (JSON.parse(l) as { level: number }).level >= 50)).toEqual([]);
  expect((await post(JSON.stringify({ query: '{ __typename }' }))).body).toEqual({ data: { __typename: 'Query' } });
});

test('a client that hangs up mid-request is logged as "client closed request" at info, not as an error', async () => {
  const { port } = stack.router;
  await new Promise<void>((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => {
      socket.write(`POST /graphql HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 5000\r\n\r\n{"query":"{ __typ`);
      setImmediate(() => socket.destroy());
    });
    socket.on('close', () => resolve());
    socket.on('error', reject);
  });
  const deadline = Date.now() + 5_000;
  const closed = () => logLines.map((l) => JSON.parse(l) as { level: number; msg: string }).find((l) => l.msg === 'client closed request');
  while (!closed() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  expect(closed()?.level).toBe(30);
  expect(logLines.filter((l) => (JSON.parse(l) as { level: number }).level >= 50)).toEqual([]);
});

const rawRequest = (lines: string) => rawHttpRequest(stack.router.port, lines);

// Node's parser lets these through, but no URL parser reads them: one such request once threw out of the
// request listener and took the whole router (under `npm start`, the whole clinic) down.
const UNREADABLE_TARGETS = ['//[/x', 'http://[/auth/x', 'http://a:99999/graphql', 'http://%zz/files/x'];

test.each(UNREADABLE_TARGETS.map((t) => [t]))('a request target no URL parser reads (%s) gets a 400 and the router keeps serving', async (target) => {
  const plain = await rawRequest(`GET ${target} HTTP/1.1`);
  expect(plain.split('\r\n')[0]).toBe('HTTP/1.1 400 Bad Request');
  const upgrade = await rawRequest(`GET ${target} HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13`);
  expect(upgrade.split('\r\n')[0]).toMatch(/^HTTP\/1\.1 4\d\d /);
  expect((await post(JSON.stringify({ query: '{ __typename }' }))).body).toEqual({ data: { __typename: 'Query' } });
});
