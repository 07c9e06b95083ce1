// Many distinct signed-in users over a few upstream graphql-ws connections: each subscription carries its
// caller's credentials, which the owning subgraph checks when it subscribes and again on every event, so a
// token that expires or is revoked stops only that caller's stream. Identical subscriptions of one caller
// (or anonymous ones) share one upstream subscription, and the per-event fill of other subgraphs' fields
// is batched without ever running one caller's part with another's rights. Real Postgres and Redis.
import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import { createClient, type Client } from 'graphql-ws';
import { createTestKeys, signTestToken, TEST_REDIS_URL, type TestKeys } from '@clinic/service-kit/testing';
import { BATCHED_EVENTS, BATCHED_NEXT, createRevocationList, MULTIPLEXED_CONNECTION, revocationCutoff, type RevocationList } from '@clinic/service-kit';
import { identitySubgraph } from '@clinic/identity';
import { UserSchema } from '@clinic/identity/src/entities/user.ts';
import { createNoticesSubgraph } from '../testing/notices-subgraph.ts';
import { gql, startStack, type Stack } from '../testing/harness.ts';
import { connectWs, eventually, type TestWsClient } from '../testing/ws.ts';

type Notice = { text: string; user: { id: string; email: string | null } };
type NoticeEvent = { noticePosted: Notice };

let keys: TestKeys;
let stack: Stack;
let revocations: RevocationList;
const users: { id: string; email: string }[] = [];
const clients: TestWsClient[] = [];
const notices = createNoticesSubgraph();

const subgraphStats = () => stack.subgraphs.notices!.subscriptionStats();
const routerStats = () => stack.router.subscriptions.stats();
const token = (i: number, roles = ['PATIENT'], expiresIn: string | number = '5m') => signTestToken(keys, { sub: users[i]!.id, roles, expiresIn });
const connect = async (i: number | null, opts: { expiresIn?: string | number } = {}) => {
  const c = connectWs(stack.router.url, i === null ? undefined : await token(i, ['PATIENT'], opts.expiresIn), { lazy: false });
  clients.push(c);
  return c;
};
const post = async (text: string, forUserIndex: number) => {
  const res = await gql(stack.router.url, 'mutation($text: String!, $for: ID) { postNotice(text: $text, forUserId: $for) { id } }', {
    variables: { text, for: users[forUserIndex]!.id },
    token: await token(0, ['ADMIN']),
  });
  expect(res.body.errors).toBeUndefined();
};
const settle = () => new Promise((r) => setTimeout(r, 250));
const OWN_NOTICES = 'subscription { noticePosted { text user { id email } } }';

beforeAll(async () => {
  keys = await createTestKeys();
  stack = await startStack(keys, [identitySubgraph, notices]);
  revocations = createRevocationList(TEST_REDIS_URL, { name: 'multiplexed-test' });
  const em = stack.subgraphs.identity!.orm.em.fork();
  for (let i = 0; i < 12; i++) {
    users.push(em.create(UserSchema, { email: `mux${i}-${randomUUID().slice(0, 6)}@example.test`, displayName: `Patient ${i}`, createdAt: new Date() }));
  }
  await em.flush();
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.dispose()));
  await eventually(() => subgraphStats().subscriptions === 0, 5_000, 'upstream subscriptions to close');
});

afterAll(async () => {
  await revocations?.close();
  await stack?.stop();
});

test('ten patients share one upstream connection and each receives only their own notices', async () => {
  const subs = [];
  for (let i = 1; i <= 10; i++) subs.push((await connect(i)).subscribe<NoticeEvent>(OWN_NOTICES));
  await eventually(() => subgraphStats().subscriptions === 10, 5_000, 'ten upstream subscriptions');
  expect(routerStats().upstreamSubscriptions).toBe(10);
  expect(routerStats().upstreamConnections).toBe(1);
  expect(subgraphStats().connections).toBe(1);

  for (const i of [3, 7]) await post(`For patient ${i}`, i);
  expect((await subs[2]!.nth(1)).data?.noticePosted).toEqual({ text: 'For patient 3', user: { id: users[3]!.id, email: users[3]!.email } });
  expect((await subs[6]!.nth(1)).data?.noticePosted).toEqual({ text: 'For patient 7', user: { id: users[7]!.id, email: users[7]!.email } });
  await settle();
  subs.forEach((sub, index) => expect(sub.events).toHaveLength(index === 2 || index === 6 ? 1 : 0));
});

test('a subscriber whose token expires stops receiving; the others on the same upstream connection keep receiving', async () => {
  const shortLived = (await connect(1, { expiresIn: '2s' })).subscribe<NoticeEvent>('subscription { noticePosted { text } }');
  const lasting = (await connect(2)).subscribe<NoticeEvent>('subscription { noticePosted { text } }');
  await eventually(() => subgraphStats().subscriptions === 2);
  expect(subgraphStats().connections).toBe(1);
  await post('Before expiry', 1);
  expect((await shortLived.nth(1)).data?.noticePosted.text).toBe('Before expiry');

  const ended = await shortLived.nth(2, 5_000);
  expect(ended.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  await eventually(() => subgraphStats().subscriptions === 1, 5_000, 'the expired upstream subscription to end');
  await post('After expiry', 1);
  await post('Still here', 2);
  expect((await lasting.nth(1)).data?.noticePosted.text).toBe('Still here');
  await settle();
  expect(shortLived.events).toHaveLength(2);
  expect(subgraphStats().connections).toBe(1);
});

test('a revoked subscriber stops receiving; the others on the same upstream connection keep receiving', async () => {
  const revokedClient = await connect(4);
  const revoked = revokedClient.subscribe<NoticeEvent>('subscription { noticePosted { text } }');
  const other = (await connect(5)).subscribe<NoticeEvent>('subscription { noticePosted { text } }');
  await eventually(() => subgraphStats().subscriptions === 2);
  await post('Before revocation', 4);
  expect((await revoked.nth(1)).data?.noticePosted.text).toBe('Before revocation');

  await revocations.revoke([{ kind: 'user', userId: users[4]!.id, notBefore: revocationCutoff() }]);
  const ended = await revoked.nth(2, 5_000);
  expect(ended.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  expect((await revokedClient.closed).code).toBe(4401);
  await eventually(() => subgraphStats().subscriptions === 1, 5_000, 'the revoked upstream subscription to end');
  await post('After revocation', 4);
  await post('For the other one', 5);
  expect((await other.nth(1)).data?.noticePosted.text).toBe('For the other one');
  await settle();
  expect(revoked.events).toHaveLength(2);
  expect(subgraphStats().connections).toBe(1);
});

test('identical anonymous subscriptions share one upstream subscription and all receive', async () => {
  const subs = [];
  for (let i = 0; i < 5; i++) subs.push((await connect(null)).subscribe<{ publicNoticePosted: { text: string } }>('subscription { publicNoticePosted { text } }'));
  await eventually(() => routerStats().subscriptions === 5);
  await eventually(() => subgraphStats().subscriptions === 1, 5_000, 'one shared upstream subscription');
  await post('For everyone', 1);
  for (const sub of subs) expect((await sub.nth(1)).data?.publicNoticePosted.text).toBe('For everyone');
});

test("the per-event fill is batched but runs each subscriber's part with their own rights", async () => {
  // A public stream whose notices name a user: only that user (or staff) may read the e-mail.
  const query = 'subscription { publicNoticePosted { text user { id email } } }';
  const own = (await connect(8)).subscribe<{ publicNoticePosted: Notice }>(query);
  const stranger = (await connect(9)).subscribe<{ publicNoticePosted: Notice }>(query);
  await eventually(() => subgraphStats().subscriptions === 2);
  const before = routerStats().fillRequests;
  await post('About patient 8', 8);
  const mine = await own.nth(1);
  const theirs = await stranger.nth(1);
  expect(mine.errors).toBeUndefined();
  expect(mine.data?.publicNoticePosted.user).toEqual({ id: users[8]!.id, email: users[8]!.email });
  expect(theirs.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  expect(JSON.stringify(theirs)).not.toContain(users[8]!.email);
  // Both subscribers' `_entities` fetches went to identity in one request.
  expect(routerStats().fillRequests - before).toBe(1);
});

describe('the subgraph side of a multiplexed connection', () => {
  let client: Client;
  const open = () =>
    createClient({
      url: stack.subgraphs.notices!.url.replace(/^http/, 'ws'),
      webSocketImpl: class extends WebSocket {
        constructor(address: string, protocols?: string | string[]) {
          super(address, protocols, { headers: { 'x-router-secret': 'test-router-secret' } });
        }
      },
      connectionParams: { [MULTIPLEXED_CONNECTION]: true },
      lazy: true,
      retryAttempts: 0,
    });
  const subscribe = (caller: Record<string, unknown>, query = 'subscription { noticePosted { text } }') => {
    const events: { data?: unknown; errors?: { extensions?: { code?: string } }[] }[] = [];
    const done = new Promise<unknown>((resolve) => {
      client.subscribe({ query, extensions: { caller } }, { next: (e) => void events.push(e as never), error: resolve, complete: () => resolve(null) });
    });
    return { events, done };
  };
  beforeEach(() => {
    client = open();
  });
  afterEach(async () => {
    await client.dispose();
  });

  test('refuses per-operation credentials that do not carry the router secret', async () => {
    const forged = subscribe({ routerSecret: 'guess', authorization: `Bearer ${await token(1)}` });
    const errors = (await forged.done) as { extensions?: { code?: string } }[];
    expect(errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  test("verifies each operation's token on subscribe", async () => {
    const bad = subscribe({ routerSecret: 'test-router-secret', authorization: 'Bearer not.a.token' });
    const errors = (await bad.done) as { extensions?: { code?: string } }[];
    expect(errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    // Without a token the operation runs as anonymous, and the resolver's own check refuses it.
    const anonymous = subscribe({ routerSecret: 'test-router-secret' });
    const refused = ((await anonymous.done) as { extensions?: { code?: string } }[] | null) ?? anonymous.events[0]?.errors;
    expect(refused?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  test('ends only the revoked operation, at once, and the others on the connection go on', async () => {
    const revoked = subscribe({ routerSecret: 'test-router-secret', authorization: `Bearer ${await token(10, ['ADMIN'])}` });
    const kept = subscribe({ routerSecret: 'test-router-secret', authorization: `Bearer ${await token(11, ['ADMIN'])}` });
    await eventually(() => subgraphStats().subscriptions === 2);
    await revocations.revoke([{ kind: 'user', userId: users[10]!.id, notBefore: revocationCutoff() }]);
    await revoked.done;
    expect(revoked.events.at(-1)?.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    await post('After', 11);
    await eventually(() => kept.events.length === 1, 5_000, 'the other operation to receive');
    expect(revoked.events.some((e) => e.data)).toBe(false);
  });
  test("one event's equal results for many callers leave as one frame naming exactly the operations that may see it", async () => {
    // A raw connection, to see the frames as the router receives them.
    const socket = new WebSocket(stack.subgraphs.notices!.url.replace(/^http/, 'ws'), 'graphql-transport-ws', { headers: { 'x-router-secret': 'test-router-secret' } });
    const frames: { type: string; id?: string; ids?: string[]; payload?: { data?: { noticePosted?: { text: string } } } }[] = [];
    socket.on('message', (data) => frames.push(JSON.parse(String(data))));
    await new Promise((resolve) => socket.once('open', resolve));
    socket.send(JSON.stringify({ type: 'connection_init', payload: { [MULTIPLEXED_CONNECTION]: true, [BATCHED_EVENTS]: true } }));
    await eventually(() => frames.some((f) => f.type === 'connection_ack'));
    // Patients 1 and 2 see only their own notices; staff 3 and 6 see all. Not 4: an earlier test revoked
    // user 4 as of its second, and a token signed within that second (iat is whole seconds) is revoked too.
    const callers = [await token(1), await token(2), await token(3, ['ADMIN']), await token(6, ['ADMIN'])];
    const before = subgraphStats().subscriptions;
    callers.forEach((t, i) =>
      socket.send(
        JSON.stringify({
          id: `op${i + 1}`,
          type: 'subscribe',
          payload: { query: 'subscription { noticePosted { text } }', extensions: { caller: { routerSecret: 'test-router-secret', authorization: `Bearer ${t}` } } },
        }),
      ),
    );
    try {
      // Generous waits (CI runs other packages' suites beside this one); the frames say what went wrong.
      await eventually(() => subgraphStats().subscriptions === before + 4, 15_000, '4 subscriptions').catch((error: Error) => {
        throw new Error(`${error.message}: ${subgraphStats().subscriptions - before} registered, frames ${JSON.stringify(frames)}`);
      });
      await post('For patient 1', 1);
      await eventually(() => frames.some((f) => f.type === BATCHED_NEXT), 15_000, 'the first batched frame');
      await settle();
      await post('For patient 2', 2);
      await eventually(() => frames.filter((f) => f.type === BATCHED_NEXT).length === 2, 15_000, 'the second batched frame');
      await settle();
    } finally {
      // Closed whatever happened, so the next test starts with no subscription left over.
      socket.close();
    }
    const events = frames.filter((f) => f.type !== 'connection_ack' && f.type !== 'ping' && f.type !== 'pong').map((f) => ({ ...f, ids: f.ids?.sort() }));
    expect(events).toEqual([
      { type: BATCHED_NEXT, ids: ['op1', 'op3', 'op4'], payload: { data: { noticePosted: { text: 'For patient 1' } } } },
      { type: BATCHED_NEXT, ids: ['op2', 'op3', 'op4'], payload: { data: { noticePosted: { text: 'For patient 2' } } } },
    ]);
  });
});
