// How much one client may hold open on a router (WS_CONNECTIONS_PER_CLIENT, SUBSCRIPTIONS_PER_CLIENT), through
// the real router and a subgraph on the real Postgres and Redis. Found from outside: the rate limit bounded
// how fast one signed-in user opened subscriptions, not how many they kept, so a user subscribing at the allowed
// rate and never completing held an ever-growing share of the router's and the subgraph's memory.
import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import { createTestKeys, signTestToken, type TestKeys } from '@clinic/service-kit/testing';
import { createNoticesSubgraph } from '../testing/notices-subgraph.ts';
import { gql, startStack, type Stack } from '../testing/harness.ts';
import { connectWs, eventually, wsUrl, type TestWsClient } from '../testing/ws.ts';

const CONNECTIONS = 3;
const SUBSCRIPTIONS = 5;
let keys: TestKeys;
let stack: Stack;
const clients: TestWsClient[] = [];
const tokenOf = (userId: string, roles = ['PATIENT']) => signTestToken(keys, { sub: userId, roles, expiresIn: '5m' });
const connect = async (userId: string) => {
  const client = connectWs(stack.router.url, await tokenOf(userId));
  clients.push(client);
  return client;
};
/** The n-th distinct subscription document of a user's own notices (distinct, so none shares an upstream one). */
const noticesQuery = (n: number) => `subscription Notices${n} { noticePosted { text n${n}: id } }`;
const refusal = (done: Promise<void>) =>
  done.then(
    () => null,
    (errors: { extensions?: { code?: string } }[]) => errors?.[0]?.extensions?.code ?? 'closed',
  );
const upstream = () => stack.subgraphs.notices!.subscriptionStats().subscriptions;

beforeAll(async () => {
  keys = await createTestKeys();
  stack = await startStack(keys, [createNoticesSubgraph()], {
    WS_CONNECTIONS_PER_CLIENT: String(CONNECTIONS),
    SUBSCRIPTIONS_PER_CLIENT: String(SUBSCRIPTIONS),
  });
}, 60_000);

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.dispose()));
  await eventually(() => upstream() === 0, 10_000, 'every subscription ended');
});

afterAll(async () => {
  await stack?.stop();
});

test('a client holds at most its share of subscriptions; the one over it is refused with a code, the rest keep working', async () => {
  const user = randomUUID();
  const client = await connect(user);
  const held = Array.from({ length: SUBSCRIPTIONS }, (_, i) => client.subscribe<{ noticePosted: { text: string } }>(noticesQuery(i)));
  await eventually(() => upstream() === SUBSCRIPTIONS, 10_000, 'the allowed subscriptions open');
  const over = client.subscribe(noticesQuery(99));
  expect(await refusal(over.done)).toBe('TOO_MANY_SUBSCRIPTIONS');

  // The connection stays open and what it holds still hears events.
  const posted = await gql(stack.router.url, 'mutation { postNotice(text: "still here") { id } }', { token: await tokenOf(user) });
  expect(posted.body.errors).toBeUndefined();
  for (const s of held) expect((await s.nth(1, 10_000)).data?.noticePosted.text).toBe('still here');

  // Completing one gives its place back.
  held[0]!.unsubscribe();
  await eventually(() => upstream() === SUBSCRIPTIONS - 1, 10_000, 'the completed subscription ended upstream');
  const again = client.subscribe(noticesQuery(100));
  await eventually(() => upstream() === SUBSCRIPTIONS, 10_000, 'a new one opens in its place');
  expect(await Promise.race([refusal(again.done), new Promise((r) => setTimeout(() => r('open'), 300))])).toBe('open');

  // Another user is counted apart.
  const other = await connect(randomUUID());
  other.subscribe(noticesQuery(0));
  await eventually(() => upstream() === SUBSCRIPTIONS + 1, 10_000, "another user's subscription opens");
}, 60_000);

test('a burst of subscribes sent at once cannot slip past the count, and the count is per client across its connections', async () => {
  const user = randomUUID();
  const token = await tokenOf(user);
  // Raw frames, all written before the router answers any: each subscribe is checked while others are in flight.
  const ws = new WebSocket(wsUrl(stack.router.url), 'graphql-transport-ws');
  const codes: string[] = [];
  await new Promise<void>((resolve, reject) => {
    ws.once('error', reject);
    ws.once('open', () => ws.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } })));
    ws.on('message', (raw) => {
      const message = JSON.parse(String(raw)) as { type: string; payload?: { extensions?: { code?: string } }[] };
      if (message.type === 'connection_ack') {
        for (let i = 0; i < 40; i++) ws.send(JSON.stringify({ id: String(i), type: 'subscribe', payload: { query: noticesQuery(i) } }));
        resolve();
      }
      if (message.type === 'error') codes.push(message.payload?.[0]?.extensions?.code ?? '?');
    });
  });
  await eventually(() => codes.length === 40 - SUBSCRIPTIONS, 10_000, 'every subscribe over the cap refused');
  expect(new Set(codes)).toEqual(new Set(['TOO_MANY_SUBSCRIPTIONS']));
  await eventually(() => upstream() === SUBSCRIPTIONS, 10_000, 'the allowed ones open');

  // A second connection of the same user has no room either; closing the first frees it all.
  const second = await connect(user);
  expect(await refusal(second.subscribe(noticesQuery(50)).done)).toBe('TOO_MANY_SUBSCRIPTIONS');
  ws.close();
  await eventually(() => upstream() === 0, 10_000, "the closed connection's subscriptions ended");
  second.subscribe(noticesQuery(51));
  await eventually(() => upstream() === 1, 10_000, 'the second connection subscribes');
}, 60_000);

test('a client holds at most its share of connections: the one over it is closed with 4429, and a closed one frees a place', async () => {
  const user = randomUUID();
  const open: TestWsClient[] = [];
  for (let i = 0; i < CONNECTIONS; i++) {
    const c = await connect(user);
    c.subscribe(noticesQuery(i));
    open.push(c);
  }
  await eventually(() => upstream() === CONNECTIONS, 10_000, 'every allowed connection subscribed');
  const over = await connect(user);
  over.subscribe(noticesQuery(9));
  expect(await over.closed).toEqual({ code: 4429, reason: expect.stringMatching(/Too many open connections/) });

  await open[0]!.dispose();
  await eventually(() => upstream() === CONNECTIONS - 1, 10_000, 'the closed connection let go');
  const next = await connect(user);
  next.subscribe(noticesQuery(10));
  await eventually(() => upstream() === CONNECTIONS, 10_000, 'a new connection takes the freed place');
}, 60_000);
