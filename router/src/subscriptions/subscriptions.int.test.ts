// Federated subscriptions end to end: clients on graphql-ws at the router's URL, two routers and two
// replicas of the owning subgraph on one Redis, identity filling in User fields per event, and the
// refusals (bad/missing/expired token, forbidden, HTTP) — on the real Postgres and Redis.
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import WebSocket from 'ws';
import type { GraphQLSchema } from 'graphql';
import type { ApolloGateway } from '@apollo/gateway';
import { Supergraph } from '@apollo/federation-internals';
import { createTestKeys, signTestToken, testServiceConfig, type TestKeys } from '@clinic/service-kit/testing';
import { createLogger, createTokenVerifier, loadAuthConfig, startSubgraph, type RunningSubgraph } from '@clinic/service-kit';
import { identitySubgraph } from '@clinic/identity';
import { UserSchema } from '@clinic/identity/src/entities/user.ts';
import { createNoticesSubgraph } from '../testing/notices-subgraph.ts';
import { composeFor, gql, startStack, startTestRouter, type Stack } from '../testing/harness.ts';
import { connectWs, eventually, type TestWsClient } from '../testing/ws.ts';
import type { RunningRouter } from '../router.ts';
import { SUBSCRIPTION_OVER_HTTP_MESSAGE } from './http-guard.ts';
import { attachSubscriptionServer } from './server.ts';
import { SubgraphSource } from '../gateway.ts';
import { withRouterEnforcedSecurity } from '../access-directives.ts';
import { createRateLimiter } from '../rate-limit.ts';

type NoticeEvent = { noticePosted: { text: string; user: { id: string; email: string } } };

let keys: TestKeys;
let stack: Stack;
let replica2: RunningSubgraph;
let routerB: RunningRouter;
const users: { id: string; email: string }[] = [];
const clients: TestWsClient[] = [];
const notices = createNoticesSubgraph();

const openUpstream = () => stack.subgraphs.notices!.subscriptionStats().subscriptions + replica2.subscriptionStats().subscriptions;
const token = (i: number, roles = ['PATIENT'], expiresIn: string | number = '5m') => signTestToken(keys, { sub: users[i]!.id, roles, expiresIn });
const connect = (url: string, t?: string, lazy = true) => {
  const c = connectWs(url, t, { lazy });
  clients.push(c);
  return c;
};
const post = async (text: string, forUserIndex: number, via = stack.router.url) => {
  const res = await gql(via, 'mutation($text: String!, $for: ID) { postNotice(text: $text, forUserId: $for) { id } }', {
    variables: { text, for: users[forUserIndex]!.id },
    token: await token(0, ['ADMIN']),
  });
  expect(res.body.errors).toBeUndefined();
};
const NOTICE_WITH_EMAIL = 'subscription { noticePosted { text user { id email } } }';

beforeAll(async () => {
  keys = await createTestKeys();
  stack = await startStack(keys, [identitySubgraph, notices]);
  replica2 = await startSubgraph(notices, testServiceConfig('notices', keys));
  routerB = await startTestRouter(
    keys,
    composeFor([
      { definition: identitySubgraph, url: stack.subgraphs.identity!.url },
      { definition: notices, url: replica2.url },
    ]),
  );
  const em = stack.subgraphs.identity!.orm.em.fork();
  for (let i = 0; i < 3; i++) {
    users.push(em.create(UserSchema, { email: `subscriber${i}-${randomUUID().slice(0, 6)}@example.test`, displayName: `Subscriber ${i}`, createdAt: new Date() }));
  }
  await em.flush();
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.dispose()));
  await eventually(() => openUpstream() === 0, 5_000, 'upstream subscriptions to close');
});

afterAll(async () => {
  await routerB?.stop();
  await replica2?.stop();
  await stack?.stop();
});

test('a subscription through the router receives events with fields from two subgraphs', async () => {
  const client = connect(stack.router.url, await token(1));
  const sub = client.subscribe<NoticeEvent>(NOTICE_WITH_EMAIL);
  await eventually(() => openUpstream() === 1, 5_000, 'the upstream subscription');
  await post('Your results are ready', 1);
  const event = await sub.nth(1);
  expect(event.errors).toBeUndefined();
  expect(event.data).toEqual({ noticePosted: { text: 'Your results are ready', user: { id: users[1]!.id, email: users[1]!.email } } });
});

test('a mutation through router A / replica 1 reaches a subscriber on router B / replica 2', async () => {
  const client = connect(routerB.url, await token(2));
  const sub = client.subscribe<NoticeEvent>(NOTICE_WITH_EMAIL);
  await eventually(() => replica2.subscriptionStats().subscriptions === 1, 5_000, 'the subscription on replica 2');
  expect(stack.subgraphs.notices!.subscriptionStats().subscriptions).toBe(0);
  await post('Across replicas', 2, stack.router.url);
  const event = await sub.nth(1);
  expect(event.data?.noticePosted.user).toEqual({ id: users[2]!.id, email: users[2]!.email });
});

test('a subscriber receives only the events it may see (checked per event in the owning subgraph)', async () => {
  const client = connect(stack.router.url, await token(1));
  const sub = client.subscribe<NoticeEvent>(NOTICE_WITH_EMAIL);
  await eventually(() => openUpstream() === 1);
  await post('For someone else', 2);
  await post('For you', 1);
  const event = await sub.nth(1);
  expect(event.data?.noticePosted.text).toBe('For you');
  await new Promise((r) => setTimeout(r, 200));
  expect(sub.events).toHaveLength(1);
});

test('unsubscribing closes the upstream subscription on the subgraph', async () => {
  const client = connect(stack.router.url, await token(1));
  const first = client.subscribe<NoticeEvent>(NOTICE_WITH_EMAIL);
  const second = client.subscribe('subscription { publicNoticePosted { id } }');
  await eventually(() => openUpstream() === 2);
  first.unsubscribe();
  await eventually(() => openUpstream() === 1, 5_000, 'one upstream subscription to end');
  second.unsubscribe();
  await eventually(() => openUpstream() === 0, 5_000, 'all upstream subscriptions to end');
  await eventually(() => stack.router.subscriptions.stats().subscriptions === 0);
});

test('disconnecting closes every upstream subscription and connection', async () => {
  const client = connect(stack.router.url, await token(1));
  client.subscribe(NOTICE_WITH_EMAIL);
  client.subscribe('subscription { publicNoticePosted { id } }');
  await eventually(() => openUpstream() === 2);
  expect(stack.subgraphs.notices!.subscriptionStats().connections).toBe(1);
  client.client.terminate();
  await eventually(() => openUpstream() === 0, 5_000, 'upstream subscriptions to end');
  await eventually(() => stack.subgraphs.notices!.subscriptionStats().connections === 0, 5_000, 'the upstream connection to close');
  await eventually(() => stack.router.subscriptions.stats().connections === 0);
});

test('a bad token closes the socket with 4401', async () => {
  const client = connect(stack.router.url, 'not.a.token', false);
  expect(await client.closed).toEqual({ code: 4401, reason: 'Token is invalid' });
});

test('an already expired token closes the socket with 4401', async () => {
  const expired = await signTestToken(keys, { sub: users[1]!.id, expiresIn: Math.floor(Date.now() / 1000) - 60 });
  const client = connect(stack.router.url, expired, false);
  expect(await client.closed).toEqual({ code: 4401, reason: 'Token has expired' });
});

test('without a token, a subscription that needs a signed-in user closes the socket with 4401', async () => {
  const client = connect(stack.router.url);
  const sub = client.subscribe(NOTICE_WITH_EMAIL);
  await expect(sub.done).rejects.toBeDefined();
  expect((await client.closed).code).toBe(4401);
  expect(openUpstream()).toBe(0);
});

test('without a token, a public subscription works', async () => {
  const client = connect(stack.router.url);
  const sub = client.subscribe<{ publicNoticePosted: { text: string } }>('subscription { publicNoticePosted { text } }');
  await eventually(() => openUpstream() === 1);
  await post('Clinic closed on Monday', 0);
  expect((await sub.nth(1)).data).toEqual({ publicNoticePosted: { text: 'Clinic closed on Monday' } });
});

test('a token that expires mid-subscription ends it with UNAUTHENTICATED', async () => {
  // Not lazy, so the client does not close the socket itself once its last subscription ends.
  const client = connect(stack.router.url, await token(1, ['PATIENT'], '2s'), false);
  const sub = client.subscribe<NoticeEvent>(NOTICE_WITH_EMAIL);
  await eventually(() => openUpstream() === 1);
  const event = await sub.nth(1, 5_000);
  expect(event.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  await sub.done;
  expect((await client.closed).code).toBe(4401);
  await eventually(() => openUpstream() === 0, 5_000, 'the upstream subscription to end');
});

test('a forbidden subscription is refused with FORBIDDEN and never reaches the subgraph', async () => {
  const client = connect(stack.router.url, await token(1));
  const sub = client.subscribe('subscription { staffNoticePosted { id } }');
  const refusal = await sub.done.then(
    () => null,
    (errors: { extensions?: { code?: string } }[]) => errors,
  );
  expect(refusal?.[0]?.extensions?.code).toBe('FORBIDDEN');
  expect(openUpstream()).toBe(0);
  // The connection stays usable for what the caller may see.
  const allowed = client.subscribe('subscription { noticePosted { text } }');
  await eventually(() => openUpstream() === 1);
  allowed.unsubscribe();
});

test('armor limits apply to subscriptions', async () => {
  const client = connect(stack.router.url, await token(1));
  const aliases = Array.from({ length: 20 }, (_, i) => `a${i}: id`).join(' ');
  const sub = client.subscribe(`subscription { publicNoticePosted { ${aliases} } }`);
  const errors = await sub.done.then(
    () => null,
    (e: { message: string }[]) => e,
  );
  expect(errors?.[0]?.message).toMatch(/alias/i);
  expect(openUpstream()).toBe(0);
});

test('queries over the WebSocket are refused with a pointer to HTTP', async () => {
  const client = connect(stack.router.url, await token(1));
  const sub = client.subscribe('{ noticeBoardName }');
  const errors = await sub.done.then(
    () => null,
    (e: { message: string }[]) => e,
  );
  expect(errors?.[0]?.message).toMatch(/HTTP/);
});

test('a subscription sent over HTTP gets 400 telling the client to use WebSocket', async () => {
  const res = await gql(stack.router.url, 'subscription { publicNoticePosted { id } }');
  expect(res.status).toBe(400);
  expect(res.body.errors?.[0]?.message).toBe(SUBSCRIPTION_OVER_HTTP_MESSAGE);
  expect(res.body.errors?.[0]?.extensions?.code).toBe('BAD_REQUEST');
});

test('identical subscriptions with the same token share one upstream subscription; other users get their own', async () => {
  const t1 = await token(1);
  const tabA = connect(stack.router.url, t1);
  const tabB = connect(stack.router.url, t1);
  const a = tabA.subscribe<NoticeEvent>(NOTICE_WITH_EMAIL);
  const b = tabB.subscribe<NoticeEvent>(NOTICE_WITH_EMAIL);
  await eventually(() => stack.router.subscriptions.stats().subscriptions === 2);
  await eventually(() => openUpstream() === 1, 5_000, 'one shared upstream subscription');
  const other = connect(stack.router.url, await token(2)).subscribe<NoticeEvent>(NOTICE_WITH_EMAIL);
  await eventually(() => openUpstream() === 2, 5_000, 'a second user to get their own upstream subscription');
  await post('Shared', 1);
  expect((await a.nth(1)).data?.noticePosted.user.id).toBe(users[1]!.id);
  expect((await b.nth(1)).data?.noticePosted.user.id).toBe(users[1]!.id);
  await new Promise((r) => setTimeout(r, 100));
  expect(other.events).toHaveLength(0);
  a.unsubscribe();
  await new Promise((r) => setTimeout(r, 100));
  expect(openUpstream()).toBe(2);
  b.unsubscribe();
  await eventually(() => openUpstream() === 1, 5_000, 'the shared upstream subscription to end with its last client');
});

describe('the subgraph side (kit)', () => {
  const rawSocket = (headers: Record<string, string>) =>
    new WebSocket(stack.subgraphs.notices!.url.replace(/^http/, 'ws'), 'graphql-transport-ws', { headers });

  test('refuses a graphql-ws upgrade without the router secret', async () => {
    const socket = rawSocket({});
    const status = await new Promise<number>((resolve) => {
      socket.on('unexpected-response', (req, res) => {
        resolve(res.statusCode ?? 0);
        req.destroy();
      });
      socket.on('error', () => {});
      socket.on('open', () => {
        resolve(101);
        socket.close();
      });
    });
    expect(status).toBe(403);
  });

  test('closes with 4401 when connection_init carries a bad token', async () => {
    const socket = rawSocket({ 'x-router-secret': 'test-router-secret' });
    await new Promise((resolve) => socket.on('open', resolve));
    const closed = new Promise<[number, string]>((resolve) => socket.on('close', (code, reason) => resolve([code, reason.toString()])));
    socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: 'Bearer not.a.token' } }));
    expect(await closed).toEqual([4401, 'Token is invalid']);
  });
});

test('rebuilds its planner when the gateway loads a new supergraph', async () => {
  // A stand-in gateway: the subscription server only listens to onSchemaLoadOrUpdate.
  const listeners: ((s: { apiSchema: GraphQLSchema; coreSupergraphSdl: string }) => void)[] = [];
  const gateway = { onSchemaLoadOrUpdate: (l: (typeof listeners)[number]) => listeners.push(l) } as unknown as ApolloGateway;
  const load = (sdl: string) => {
    const prepared = withRouterEnforcedSecurity(sdl);
    const apiSchema = Supergraph.build(prepared).apiSchema().toGraphQLJSSchema();
    for (const l of listeners) l({ apiSchema, coreSupergraphSdl: prepared });
  };
  const httpServer = http.createServer();
  const server = attachSubscriptionServer({
    httpServer,
    path: '/graphql',
    gateway,
    verifier: createTokenVerifier(loadAuthConfig({ JWKS_JSON: keys.jwksJson })),
    rateLimiter: createRateLimiter({ points: 1000, windowSeconds: 60, redis: null }),
    clientKey: () => 'test',
    clientIpOf: () => null,
    routerSecret: 'test-router-secret',
    validationRules: [],
    maxTokens: 3000,
    maxMessageBytes: 100_000,
    dataSourceFor: (_name, url) => new SubgraphSource(url, 'test-router-secret', 5_000),
    logger: createLogger('test', 'silent'),
    holdingLimits: { connections: 100, subscriptions: 100 },
  });
  await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(httpServer.address() as AddressInfo).port}/graphql`;
  try {
    load(composeFor([{ definition: identitySubgraph, url: stack.subgraphs.identity!.url }]));
    const before = connect(url).subscribe('subscription { publicNoticePosted { text } }');
    const refused = await before.done.then(
      () => null,
      (e: { message: string }[]) => e,
    );
    expect(refused?.[0]?.message).toBe('This supergraph has no Subscription type');

    load(composeFor([{ definition: identitySubgraph, url: stack.subgraphs.identity!.url }, { definition: notices, url: replica2.url }]));
    const after = connect(url).subscribe<{ publicNoticePosted: { text: string } }>('subscription { publicNoticePosted { text } }');
    await eventually(() => replica2.subscriptionStats().subscriptions === 1);
    await post('After the update', 0);
    expect((await after.nth(1)).data).toEqual({ publicNoticePosted: { text: 'After the update' } });
  } finally {
    await Promise.all(clients.splice(0).map((c) => c.dispose()));
    await server.close();
    await new Promise((resolve) => httpServer.close(resolve));
  }
});
