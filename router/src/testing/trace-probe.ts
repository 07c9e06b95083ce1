// Run by tracing.int.test.ts in its own process (as a service does, it starts tracing before anything else
// loads, which jest's module system would not show): tracing with an in-memory exporter and, as the router
// and every subgraph run, no async context (asyncContext: false); then identity + the greetings fixture + two
// routers (one trusting loopback's traceparent, one not) on the real Postgres/Redis, sends one federated
// query to each, then one more whose (trusted) traceparent says "not sampled", and prints the spans and the sampler's decisions per trace as JSON.
import { inMemorySpanExporter, startTracing } from '@clinic/service-kit/telemetry';

const exporter = inMemorySpanExporter();
// Every span started, recorded or not, asks the sampler first: counted per trace.
const decisions: Record<string, number> = {};
const tracing = startTracing({
  serviceName: 'trace-probe',
  exporter,
  asyncContext: false,
  onSample: (traceId) => (decisions[traceId] = (decisions[traceId] ?? 0) + 1),
})!;

const GIVEN_TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const GIVEN_TRACEPARENT = `00-${GIVEN_TRACE_ID}-00f067aa0ba902b7-01`;
const UNSAMPLED_TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
const UNSAMPLED_TRACEPARENT = `00-${UNSAMPLED_TRACE_ID}-b7ad6b7169203331-00`;

async function main() {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { createTestKeys, signTestToken } = require('@clinic/service-kit/testing') as typeof import('@clinic/service-kit/testing');
  const { identitySubgraph } = require('@clinic/identity') as typeof import('@clinic/identity');
  const { UserSchema } = require('@clinic/identity/src/entities/user.ts') as typeof import('@clinic/identity/src/entities/user.ts');
  const { greetingsSubgraph } = require('./greetings-subgraph.ts') as typeof import('./greetings-subgraph.ts');
  const harness = require('./harness.ts') as typeof import('./harness.ts');
  /* eslint-enable @typescript-eslint/no-require-imports */
  const keys = await createTestKeys();
  const stack = await harness.startStack(keys, [identitySubgraph, greetingsSubgraph]);
  const untrusting = await harness.startTestRouter(
    keys,
    harness.composeFor([
      { definition: identitySubgraph, url: stack.subgraphs.identity!.url },
      { definition: greetingsSubgraph, url: stack.subgraphs.greetings!.url },
    ]),
    { TRUSTED_PROXIES: '10.255.255.1' },
  );
  try {
    const em = stack.subgraphs.identity!.orm.em.fork();
    const user = em.create(UserSchema, { email: 'trace@example.test', displayName: 'Trace Person', createdAt: new Date() });
    await em.flush();
    const token = await signTestToken(keys, { sub: user.id, roles: ['ADMIN'] });
    exporter.reset();
    const query = 'query TraceGreeting($ids: [ID!]!) { greetings(userIds: $ids) { user { email } } }';
    const sent = [];
    for (const router of [stack.router, untrusting]) {
      const res = await harness.gql(router.url, query, { variables: { ids: [user.id] }, token, headers: { traceparent: GIVEN_TRACEPARENT } });
      sent.push({ routerPort: router.port, status: res.status, errors: res.body.errors ?? null });
    }
    const unsampled = await harness.gql(stack.router.url, query, { variables: { ids: [user.id] }, token, headers: { traceparent: UNSAMPLED_TRACEPARENT } });
    sent.push({ routerPort: stack.router.port, status: unsampled.status, errors: unsampled.body.errors ?? null });
    await tracing.flush();
    const spans = exporter.getFinishedSpans().map((s) => ({
      name: s.name,
      kind: s.kind,
      traceId: s.spanContext().traceId,
      spanId: s.spanContext().spanId,
      parentSpanId: s.parentSpanContext?.spanId ?? null,
      attributes: s.attributes,
    }));
    const out = {
      givenTraceId: GIVEN_TRACE_ID,
      unsampledTraceId: UNSAMPLED_TRACE_ID,
      decisions,
      trustingRouterPort: stack.router.port,
      untrustingRouterPort: untrusting.port,
      subgraphPorts: { identity: stack.subgraphs.identity!.port, greetings: stack.subgraphs.greetings!.port },
      sent,
      spans,
    };
    process.stdout.write(`TRACE-PROBE ${JSON.stringify(out)}\n`);
  } finally {
    await untrusting.stop();
    await stack.stop();
    await tracing.shutdown();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
