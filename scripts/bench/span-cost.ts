// What the kit's spans cost in one process, without any server around them (`npx tsx scripts/bench/span-cost.ts
// <mode> [requests]`): per "request" the router's server span and one client span, ended, batched and
// serialised as OTLP/JSON (or protobuf) by the exporter's own serialiser, nothing sent. Modes: off (tracing
// off), unsampled (parent-based, always off), default (the 10 % ratio), all (every request), proto (all, protobuf).
// SPAN_COST_TELEMETRY=<path to another checkout's packages/service-kit/src/telemetry.ts> measures that one.
import { createRequire } from 'node:module';
import { ROOT_CONTEXT } from '@opentelemetry/api';

const mode = process.argv[2] ?? 'all';
const N = Number(process.argv[3] ?? 200_000);
const SUBGRAPH = 'http://127.0.0.1:4001/graphql';

async function main() {
  const tel = (await import(process.env.SPAN_COST_TELEMETRY ?? '@clinic/service-kit/telemetry')) as typeof import('@clinic/service-kit/telemetry');
  let bytes = 0;
  if (mode !== 'off') {
    // The serialisers of the exporter the services use (its own copy of otlp-transformer).
    const require = createRequire(createRequire(__filename).resolve('@opentelemetry/exporter-trace-otlp-http'));
    const transformer = require('@opentelemetry/otlp-transformer') as { JsonTraceSerializer: Serializer; ProtobufTraceSerializer: Serializer };
    const serializer = mode === 'proto' ? transformer.ProtobufTraceSerializer : transformer.JsonTraceSerializer;
    const sampler = mode === 'default' ? {} : { OTEL_TRACES_SAMPLER: mode === 'unsampled' ? 'parentbased_always_off' : 'parentbased_always_on' };
    tel.startTracing({
      serviceName: 'span-cost',
      asyncContext: false,
      outgoingHttp: false,
      processor: 'batch',
      env: { ...sampler, OTEL_TRACES_SAMPLER_ARG: mode === 'default' ? '0.1' : '' },
      exporter: {
        export: (spans: unknown[], done: (result: { code: number }) => void) => ((bytes += serializer.serializeRequest(spans)?.length ?? 0), done({ code: 0 })),
        shutdown: async () => {},
        forceFlush: async () => {},
      },
    });
  }
  const run = async (n: number) => {
    for (let i = 0; i < n; i++) {
      const server = tel.startServerSpan('POST /graphql', ROOT_CONTEXT, { 'http.request.method': 'POST', 'url.path': '/graphql' });
      await tel.clientSpan(SUBGRAPH, server?.context, async () => ({ status: 200 }));
      server?.end(200);
    }
  };
  await run(N / 4);
  const before = process.cpuUsage();
  await run(N);
  const used = process.cpuUsage(before);
  await tel.startTracing({ serviceName: 'span-cost' })?.flush();
  console.log(`${mode}: ${((used.user + used.system) / N).toFixed(2)} µs CPU per request (server + client span), ${(bytes / (N * 1.25)).toFixed(0)} bytes exported per request`);
}
interface Serializer {
  serializeRequest(spans: unknown[]): Uint8Array | undefined;
}
void main();
