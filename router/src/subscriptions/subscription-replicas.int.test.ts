// Subscriptions over a subgraph's replicas and under persisted-operation enforcement, on the real Postgres
// and Redis: one router (PERSISTED_OPERATIONS=enforce) balancing over two replicas of the notices subgraph.
// Client subscriptions are spread over both replicas; when one replica stops, its subscriptions are opened
// again on the other and keep receiving events. On the WebSocket, a first-party client may subscribe only
// with a manifest operation (as text or by hash); an unknown one is refused with PERSISTED_QUERY_NOT_IN_LIST
// on that subscription, the connection staying open; a partner keeps ad-hoc access.
import { createHash, randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createTestKeys, signTestToken, testServiceConfig, type TestKeys } from '@clinic/service-kit/testing';
import { startSubgraph, type RunningSubgraph } from '@clinic/service-kit';
import { identitySubgraph } from '@clinic/identity';
import { createNoticesSubgraph } from '../testing/notices-subgraph.ts';
import { composeFor, gql, startStack, startTestRouter, type Stack } from '../testing/harness.ts';
import { connectWs, eventually, type TestWsClient } from '../testing/ws.ts';
import type { RunningRouter } from '../router.ts';

const KNOWN = 'subscription KnownNotices { noticePosted { text } }';
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
type NoticeEvent = { noticePosted: { text: string } };

let keys: TestKeys;
let stack: Stack;
let replica2: RunningSubgraph;
let router: RunningRouter;
const clients: TestWsClient[] = [];
const notices = createNoticesSubgraph();
const users = Array.from({ length: 4 }, () => randomUUID());

const replica1 = () => stack.subgraphs.notices!;
/** Subscriptions the notices replicas have accepted (the router's own count moves before the subgraph's). */
const upstreamOpen = () => replica1().subscriptionStats().subscriptions + replica2.subscriptionStats().subscriptions;
const userToken = (i: number) => signTestToken(keys, { sub: users[i]!, roles: ['PATIENT'] });
const connect = (token?: string) => {
  const c = connectWs(router.url, token);
  clients.push(c);
  return c;
};
const postTo = async (i: number, text: string) => {
  const res = await gql(router.url, 'mutation Post($text: String!, $for: ID) { postNotice(text: $text, forUserId: $for) { id } }', {
    variables: { text, for: users[i] },
    token: await signTestToken(keys, { sub: randomUUID(), roles: ['ADMIN'] }),
  });
  // A mutation is a first-party operation too: under enforcement only a partner may send this ad hoc.
  return res;
};

beforeAll(async () => {
  keys = await createTestKeys();
  stack = await startStack(keys, [identitySubgraph, notices]);
  replica2 = await startSubgraph(notices, testServiceConfig('notices', keys));
  const dir = mkdtempSync(path.join(tmpdir(), 'persisted-ws-'));
  const manifest = path.join(dir, 'persisted-documents.json');
  const POST = 'mutation Post($text: String!, $for: ID) { postNotice(text: $text, forUserId: $for) { id } }';
  writeFileSync(manifest, JSON.stringify({ [`sha256:${sha256(KNOWN)}`]: KNOWN, [`sha256:${sha256(POST)}`]: POST }));
  router = await startTestRouter(
    keys,
    composeFor([
      { definition: identitySubgraph, url: stack.subgraphs.identity!.url },
      { definition: notices, url: replica1().url },
    ]),
    { PERSISTED_OPERATIONS: 'enforce', PERSISTED_OPERATIONS_MANIFEST: manifest, SUBGRAPH_NOTICES_URL: `${replica1().url},${replica2.url}` },
  );
});

afterAll(async () => {
  await Promise.all(clients.splice(0).map((c) => c.dispose()));
  await router?.stop();
  await replica2?.stop();
  await stack?.stop();
});

test('enforce: an unknown subscription from a first-party client is refused, the connection stays open', async () => {
  const ws = connect(await userToken(0));
  const unknown = ws.subscribe('subscription { noticePosted { text sentAt } }');
  await expect(unknown.done).rejects.toEqual([expect.objectContaining({ extensions: { code: 'PERSISTED_QUERY_NOT_IN_LIST' } })]);
  // An unknown hash is not found; a hash that does not match the text sent with it is refused.
  const byUnknownHash = ws.subscribe('', undefined, { persistedQuery: { version: 1, sha256Hash: sha256('subscription { x }') } });
  await expect(byUnknownHash.done).rejects.toEqual([expect.objectContaining({ extensions: { code: 'PERSISTED_QUERY_NOT_FOUND' } })]);
  // Anonymous clients are first-party too.
  const anonymous = connect().subscribe('subscription { publicNoticePosted { text } }');
  await expect(anonymous.done).rejects.toEqual([expect.objectContaining({ extensions: { code: 'PERSISTED_QUERY_NOT_IN_LIST' } })]);
  // The same socket still serves a known operation.
  const known = ws.subscribe<NoticeEvent>(KNOWN);
  await eventually(() => upstreamOpen() === 1, 10_000, 'the known subscription upstream');
  expect((await postTo(0, 'still open')).body.errors).toBeUndefined();
  expect((await known.nth(1, 10_000)).data).toEqual({ noticePosted: { text: 'still open' } });
  known.unsubscribe();
  await eventually(() => upstreamOpen() === 0, 10_000, 'upstream to close');
});

test('enforce: a known subscription works by hash alone; a partner subscribes ad hoc', async () => {
  const byHash = connect(await userToken(1)).subscribe<NoticeEvent>('', undefined, { persistedQuery: { version: 1, sha256Hash: sha256(KNOWN) } });
  const partner = connect(await signTestToken(keys, { sub: 'partner-app', tokenUse: 'partner', scope: '' }));
  const adHoc = partner.subscribe<{ publicNoticePosted: { text: string; sentAt: number } }>('subscription { publicNoticePosted { text sentAt } }');
  await eventually(() => upstreamOpen() === 2, 10_000, 'both subscriptions upstream');
  expect((await postTo(1, 'by hash')).body.errors).toBeUndefined();
  expect((await byHash.nth(1, 10_000)).data).toEqual({ noticePosted: { text: 'by hash' } });
  expect((await adHoc.nth(1, 10_000)).data?.publicNoticePosted.text).toBe('by hash');
  byHash.unsubscribe();
  adHoc.unsubscribe();
  await eventually(() => upstreamOpen() === 0, 10_000, 'upstream to close');
});

test('subscriptions are spread over the replicas and move to the other one when a replica stops', async () => {
  const subs = [];
  for (let i = 0; i < 4; i++) subs.push(connect(await userToken(i)).subscribe<NoticeEvent>(KNOWN));
  const onReplicas = () => [replica1().subscriptionStats().subscriptions, replica2.subscriptionStats().subscriptions];
  await eventually(() => onReplicas()[0]! + onReplicas()[1]! === 4, 10_000, 'four upstream subscriptions');
  // Round robin: each replica serves some.
  expect(onReplicas()[0]).toBeGreaterThan(0);
  expect(onReplicas()[1]).toBeGreaterThan(0);

  await replica1().stop();
  await eventually(() => replica2.subscriptionStats().subscriptions === 4, 15_000, 'every subscription on the surviving replica');
  for (let i = 0; i < 4; i++) expect((await postTo(i, `after failover ${i}`)).body.errors).toBeUndefined();
  // Each client's own subscription went on (its first event is the one sent after the move: nothing ended it).
  for (let i = 0; i < 4; i++) expect((await subs[i]!.nth(1, 10_000)).data).toEqual({ noticePosted: { text: `after failover ${i}` } });
});
