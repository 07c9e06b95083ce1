// Error tracking on the subscription path through the router, with @sentry/node pointed at a stub ingest
// server: an unexpected error while a subgraph resolves a subscription event is captured ONCE, by that
// subgraph, with the connection's request id (the router relays the masked error without capturing it
// again), and the client sees only INTERNAL_SERVER_ERROR.
import { randomUUID } from 'node:crypto';
import gqlTag from 'graphql-tag';
import { subscribeTopic, type RequestContext, type SubgraphDefinition } from '@clinic/service-kit';
import { createTestKeys, startSentryIngest, type SentryIngest } from '@clinic/service-kit/testing';
import { startStack, type Stack } from '../testing/harness.ts';
import { connectWs, eventually } from '../testing/ws.ts';

const topic = `test-ticks:${randomUUID()}`;
const ticksSubgraph: SubgraphDefinition = {
  name: 'ticks',
  typeDefs: gqlTag`
    extend schema @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@key"])
    type Query { ping: String! }
    type Tick { n: Int! }
    type Subscription { brokenTick: Tick! }
  `,
  resolvers: {
    Query: { ping: () => 'pong' },
    Subscription: {
      brokenTick: {
        subscribe: (_: unknown, __: unknown, ctx: RequestContext) => subscribeTopic<{ n: number }, { n: number }>(ctx.pubsub, topic, (t) => t),
        resolve: () => {
          throw new Error('the tick could not be read');
        },
      },
    },
  },
  entities: [],
  migrations: [],
};

let ingest: SentryIngest;
let stack: Stack;
const savedDsn = process.env.SENTRY_DSN;

beforeAll(async () => {
  ingest = await startSentryIngest();
  // Router and subgraph read SENTRY_DSN when they start.
  process.env.SENTRY_DSN = ingest.dsn;
  stack = await startStack(await createTestKeys(), [ticksSubgraph]);
}, 60_000);

afterAll(async () => {
  if (savedDsn === undefined) delete process.env.SENTRY_DSN;
  else process.env.SENTRY_DSN = savedDsn;
  await stack?.stop().catch(() => {});
  await ingest.close();
});

test("a subgraph's fault in a subscription event is captured once, by the subgraph, and the client sees only the stable code", async () => {
  const client = connectWs(stack.router.url);
  const sub = client.subscribe('subscription { brokenTick { n } }');
  await eventually(() => stack.subgraphs.ticks!.subscriptionStats().subscriptions === 1, 20_000, 'the subgraph subscription');
  await stack.subgraphs.ticks!.pubsub.publish(topic, { n: 1 });
  const event = await sub.nth(1, 20_000);
  expect(event.errors).toEqual([expect.objectContaining({ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } })]);
  await client.dispose();

  // Stopping flushes both trackers to the ingest.
  await stack.stop();
  const events = ingest.events();
  expect(events.map((e) => [e.tags?.service, e.exception?.values?.[0]?.value])).toEqual([['ticks', 'the tick could not be read']]);
  expect(events[0]!.tags?.request_id).toMatch(/.+/);
}, 60_000);
