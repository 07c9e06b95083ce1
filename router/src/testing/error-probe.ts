// Run by error-tracking.int.test.ts in its own process (as a service does, it starts tracing before anything
// else loads): tracing with an in-memory exporter first and, as the router and every subgraph run, no async
// context (the request's trace is handed to error capture), then a router over the faulty subgraph,
// and a second router whose "faulty" URL answers garbage (a fault in the router's own handling). SENTRY_DSN
// comes from the test (its stub ingest server). Sends one failing query to each and prints what came back.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { inMemorySpanExporter, startTracing } from '@clinic/service-kit/telemetry';

const exporter = inMemorySpanExporter();
const tracing = startTracing({
  serviceName: 'error-probe',
  exporter,
  asyncContext: false,
})!;

async function main() {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { createTestKeys, signTestToken } = require('@clinic/service-kit/testing') as typeof import('@clinic/service-kit/testing');
  const { faultySubgraph } = require('./faulty-subgraph.ts') as typeof import('./faulty-subgraph.ts');
  const harness = require('./harness.ts') as typeof import('./harness.ts');
  /* eslint-enable @typescript-eslint/no-require-imports */
  const keys = await createTestKeys();
  const stack = await harness.startStack(keys, [faultySubgraph]);
  // An upstream that answers 200 with a body that is not JSON.
  const garbage = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{"data": {"fine": '));
  });
  await new Promise<void>((resolve) => garbage.listen(0, '127.0.0.1', resolve));
  const garbageUrl = `http://127.0.0.1:${(garbage.address() as AddressInfo).port}/graphql`;
  const second = await harness.startTestRouter(keys, harness.composeFor([{ definition: faultySubgraph, url: garbageUrl }]));
  try {
    const token = await signTestToken(keys, { sub: '00000000-0000-4000-8000-000000000001', roles: ['PATIENT'] });
    const sent = [];
    for (const [router, query, requestId] of [
      [stack.router, '{ brokenLookup }', 'probe-subgraph-fault'],
      [second, '{ fine }', 'probe-router-fault'],
    ] as const) {
      exporter.reset();
      const res = await harness.gql(router.url, query, { token, headers: { 'x-request-id': requestId } });
      await tracing.flush();
      const routerSpan = exporter.getFinishedSpans().find((s) => s.name === 'POST /graphql' && s.kind === 1 && !s.parentSpanContext);
      sent.push({ requestId, status: res.status, body: res.body, traceId: routerSpan?.spanContext().traceId ?? null });
    }
    process.stdout.write(`ERROR-PROBE ${JSON.stringify({ sent })}\n`);
  } finally {
    await second.stop();
    await stack.stop();
    garbage.close();
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
