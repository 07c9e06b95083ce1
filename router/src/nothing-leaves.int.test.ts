// A clinic's router talks to its own subgraphs, Redis and identity provider, nothing else: stock
// @apollo/gateway reports usage to Apollo by default and, to label it, probes cloud metadata services
// (169.254.169.254) to label the report, which it sends hourly and when it stops. Every outgoing connection
// the router opens is watched here, from its start to after its stop.
import net from 'node:net';
import { createTestKeys, type TestKeys } from '@clinic/service-kit/testing';
import { greetingsSubgraph } from './testing/greetings-subgraph.ts';
import { gql, startStack, type Stack } from './testing/harness.ts';

let keys: TestKeys;
let stack: Stack | undefined;
const destinations: string[] = [];
const realConnect = net.Socket.prototype.connect;

beforeAll(async () => {
  keys = await createTestKeys();
  net.Socket.prototype.connect = function (this: net.Socket, ...args: unknown[]) {
    const [first, second] = args as [unknown, unknown];
    const host = typeof first === 'object' && first !== null ? ((first as net.TcpNetConnectOpts).host ?? (first as net.IpcNetConnectOpts).path) : second;
    destinations.push(String(host ?? 'localhost'));
    return (realConnect as (...a: unknown[]) => net.Socket).apply(this, args);
  } as typeof net.Socket.prototype.connect;
});

afterAll(async () => {
  net.Socket.prototype.connect = realConnect;
  await stack?.stop();
});

test('a router that starts, answers and stops opens connections only on this machine (no usage report to Apollo, no cloud metadata probe)', async () => {
  stack = await startStack(keys, [greetingsSubgraph]);
  const res = await gql(stack.router.url, 'query($ids: [ID!]!) { greetings(userIds: $ids) { text } }', { variables: { ids: ['a'] } });
  expect(res.status).toBe(200);
  await stack.stop();
  stack = undefined;
  // The report and its probes run in the background after the stop.
  await new Promise((resolve) => setTimeout(resolve, 2_000));
  const local = /^(localhost|127\.\d+\.\d+\.\d+|::1|\/.*)$/;
  expect(destinations.length).toBeGreaterThan(0);
  expect(destinations.filter((host) => !local.test(host))).toEqual([]);
});
