// A client that hangs up before its answer is logged once at info with what the request was, never as
// an error (those page someone); the server keeps answering others.
import net from 'node:net';
import gqlTag from 'graphql-tag';
import pino from 'pino';
import { startSubgraph, type RunningSubgraph, type SubgraphDefinition } from './server.ts';
import { createTestKeys, dropSchema, testServiceConfig } from './testing/index.ts';

const records: { level: number; msg: string; [key: string]: unknown }[] = [];
const logger = pino({ level: 'debug' }, { write: (line: string) => void records.push(JSON.parse(line)) });

const def: SubgraphDefinition = {
  name: 'abort',
  typeDefs: gqlTag`
    extend schema @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@key"])
    type Query { fast: String! }
  `,
  resolvers: { Query: { fast: () => 'fast' } },
  entities: [],
  migrations: [],
};

let running: RunningSubgraph;

beforeAll(async () => {
  running = await startSubgraph(def, testServiceConfig('abort', await createTestKeys()), { logger });
});

afterAll(async () => {
  await running?.stop();
  if (running) await dropSchema(running.config.dbSchema);
});

test('a request whose client hangs up mid-body is logged at info as an abandoned request, not an error', async () => {
  const socket = net.connect(running.port, '127.0.0.1');
  await new Promise((r) => socket.once('connect', r));
  socket.write(
    'POST /graphql HTTP/1.1\r\nHost: x\r\ncontent-type: application/json\r\nx-router-secret: test-router-secret\r\n' +
      'x-request-id: abandoned-1\r\ncontent-length: 1000\r\n\r\n{"query":"{ fa',
  );
  await new Promise((r) => setTimeout(r, 100));
  socket.destroy();

  const deadline = Date.now() + 3_000;
  while (!records.some((r) => r.requestId === 'abandoned-1') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  const mine = records.filter((r) => r.requestId === 'abandoned-1');
  expect(mine).toHaveLength(1);
  expect(mine[0]).toMatchObject({ level: 30, msg: 'client closed the connection before the answer', method: 'POST', path: '/graphql' });
  expect(records.filter((r) => r.level >= 50)).toEqual([]);

  const res = await fetch(running.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-router-secret': 'test-router-secret' },
    body: JSON.stringify({ query: '{ fast }' }),
  });
  expect(await res.json()).toEqual({ data: { fast: 'fast' } });
});
