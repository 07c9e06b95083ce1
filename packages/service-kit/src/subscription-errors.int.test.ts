// Error tracking of a subgraph's WebSocket subscriptions, with @sentry/node pointed at a stub ingest server
// this test starts (as router/src/error-tracking.int.test.ts does for queries): an unexpected error while
// subscribing, while resolving an event, or in the per-event access check is sent ONCE as a Sentry event
// tagged with the connection's request id, and the subscriber sees only INTERNAL_SERVER_ERROR. An access
// check that refuses (a domain error) only withholds the event and is not captured. A per-request context that
// cannot be built fails that operation alone, captured once, and the connection stays up.
import { randomUUID } from 'node:crypto';
import gqlTag from 'graphql-tag';
import WebSocket from 'ws';
import { startSubgraph, type RunningSubgraph, type SubgraphDefinition } from './server.ts';
import { ROUTER_SECRET_HEADER } from './router-secret.ts';
import { forbidden } from './errors.ts';
import { subscribeTopic } from './subscriptions.ts';
import type { RequestContext } from './index.ts';
import { createTestKeys, dropSchema, startSentryIngest, testServiceConfig, type SentryIngest } from './testing/index.ts';

const SECRET_EMAIL = 'patient.name@clinic.example';
const topic = `test-ticks:${randomUUID()}`;
interface Tick {
  n: number;
}

const faultySubscriptions: SubgraphDefinition = {
  name: 'ticks',
  typeDefs: gqlTag`
    extend schema @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@key"])
    type Query { ping: String! }
    type Tick { n: Int! }
    type Subscription {
      brokenSubscribe: Tick!
      brokenResolve: Tick!
      brokenAccessCheck: Tick!
      refusedAccessCheck: Tick!
      fine: Tick!
    }
  `,
  resolvers: {
    Query: { ping: () => 'pong' },
    Subscription: {
      brokenSubscribe: {
        subscribe: () => {
          throw new Error(`subscribe failed for ${SECRET_EMAIL}`);
        },
      },
      brokenResolve: {
        subscribe: (_: unknown, __: unknown, ctx: RequestContext) => subscribeTopic<Tick, Tick>(ctx.pubsub, topic, (t) => t),
        resolve: () => {
          throw new Error('resolving the event failed');
        },
      },
      brokenAccessCheck: {
        subscribe: (_: unknown, __: unknown, ctx: RequestContext) =>
          subscribeTopic<Tick, Tick>(ctx.pubsub, topic, () => {
            throw new Error('the access check failed');
          }),
        resolve: (t: Tick) => t,
      },
      refusedAccessCheck: {
        subscribe: (_: unknown, __: unknown, ctx: RequestContext) =>
          subscribeTopic<Tick, Tick>(ctx.pubsub, topic, () => {
            throw forbidden();
          }),
        resolve: (t: Tick) => t,
      },
      fine: {
        subscribe: (_: unknown, __: unknown, ctx: RequestContext) => subscribeTopic<Tick, Tick>(ctx.pubsub, topic, (t) => t),
        resolve: (t: Tick) => t,
      },
    },
  },
  // A per-request part that fails to build for one request (a broken dependency, say).
  context: (base) => {
    if (base.requestId === 'ws-broken-context') throw new Error(`building the context failed for ${SECRET_EMAIL}`);
    return base;
  },
  entities: [],
  migrations: [],
};

let ingest: SentryIngest;
let running: RunningSubgraph;
const savedDsn = process.env.SENTRY_DSN;

beforeAll(async () => {
  ingest = await startSentryIngest();
  // The kit's tracker reads SENTRY_DSN when the subgraph starts.
  process.env.SENTRY_DSN = ingest.dsn;
  running = await startSubgraph(faultySubscriptions, testServiceConfig('ticks', await createTestKeys()));
}, 60_000);

afterAll(async () => {
  if (savedDsn === undefined) delete process.env.SENTRY_DSN;
  else process.env.SENTRY_DSN = savedDsn;
  await running.stop().catch(() => {});
  await dropSchema(running.config.dbSchema);
  await ingest.close();
});

type Message = { id?: string; type: string; payload?: { data?: unknown; errors?: { message: string; extensions?: Record<string, unknown> }[] } };

/** A graphql-transport-ws connection as the router opens it (router secret, request id in connection_init). */
async function connect(requestId: string) {
  const ws = new WebSocket(running.url.replace('http', 'ws'), 'graphql-transport-ws', { headers: { [ROUTER_SECRET_HEADER]: 'test-router-secret' } });
  const messages: Message[] = [];
  ws.on('message', (data) => messages.push(JSON.parse(String(data)) as Message));
  await new Promise<void>((resolve, reject) => (ws.once('open', () => resolve()), ws.once('error', reject)));
  ws.send(JSON.stringify({ type: 'connection_init', payload: { requestId } }));
  await until(() => messages.some((m) => m.type === 'connection_ack'));
  return {
    ws,
    messages,
    subscribe(id: string, field: string) {
      ws.send(JSON.stringify({ id, type: 'subscribe', payload: { query: `subscription { ${field} { n } }` } }));
    },
    of: (id: string) => messages.filter((m) => m.id === id),
  };
}

async function until(ok: () => boolean, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

// Message and code only (where it happened, path and locations, may stay).
const onlyStableCode = [expect.objectContaining({ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } })];

test('unexpected errors of a subscription are captured once with the request id; the subscriber sees only the stable code', async () => {
  const client = await connect('ws-req-1');
  client.subscribe('s', 'brokenSubscribe');
  client.subscribe('r', 'brokenResolve');
  client.subscribe('a', 'brokenAccessCheck');
  client.subscribe('d', 'refusedAccessCheck');
  client.subscribe('f', 'fine');
  await until(() => client.of('s').some((m) => m.type === 'complete'));
  // Subscribed (Redis confirmed) before the event goes out.
  await until(() => running.subscriptionStats().subscriptions === 4);
  await running.pubsub.publish(topic, { n: 1 });
  await until(() => client.of('f').some((m) => m.type === 'next'));
  await until(() => client.of('r').some((m) => m.type === 'next') && client.of('a').some((m) => m.type === 'complete'));

  // While subscribing and while resolving the event: a `next` carrying only the stable code.
  expect(client.of('s').find((m) => m.type === 'next')?.payload?.errors).toEqual(onlyStableCode);
  expect(client.of('r').find((m) => m.type === 'next')?.payload?.errors).toEqual(onlyStableCode);
  // The failed access check ends that subscription (fail closed) with the stable code, the socket stays up.
  expect(client.of('a').filter((m) => m.type === 'next').map((m) => m.payload?.errors)).toEqual([onlyStableCode]);
  expect(client.ws.readyState).toBe(WebSocket.OPEN);
  // A refusal withholds the event, nothing else; the healthy subscription got it.
  expect(client.of('d')).toEqual([]);
  expect(client.of('f').find((m) => m.type === 'next')?.payload?.data).toEqual({ fine: { n: 1 } });
  expect(JSON.stringify(client.messages)).not.toContain(SECRET_EMAIL);
  client.ws.close();

  // A context that cannot be built fails that operation with the stable code; the connection stays up (with
  // graphql-ws's own handling it closed with 4500, taking every operation on it along, uncaptured).
  const unlucky = await connect('ws-broken-context');
  unlucky.subscribe('c', 'fine');
  await until(() => unlucky.of('c').length > 0);
  expect(unlucky.of('c')).toEqual([{ id: 'c', type: 'error', payload: onlyStableCode }]);
  await new Promise((r) => setTimeout(r, 200));
  expect(unlucky.ws.readyState).toBe(WebSocket.OPEN);
  expect(JSON.stringify(unlucky.messages)).not.toContain(SECRET_EMAIL);
  unlucky.ws.close();

  // Stopping flushes the tracker's queue to the ingest.
  await running.stop();
  const captured = ingest.events().filter((e) => e.tags?.request_id === 'ws-req-1');
  expect(captured.map((e) => e.exception?.values?.[0]?.value).sort()).toEqual([
    'resolving the event failed',
    'subscribe failed for [redacted-email]',
    'the access check failed',
  ]);
  for (const e of captured) expect(e.tags).toMatchObject({ service: 'ticks', request_id: 'ws-req-1' });
  expect(ingest.events().filter((e) => e.tags?.request_id === 'ws-broken-context').map((e) => e.exception?.values?.[0]?.value)).toEqual([
    'building the context failed for [redacted-email]',
  ]);
  for (const { raw } of ingest.envelopes) expect(raw).not.toContain(SECRET_EMAIL);
}, 60_000);
