// Router overhead benchmark (`npm run bench -- router`): throughput and latency of one query through the
// router to a subgraph, with tracing off vs on (OpenTelemetry with the http/pg/ioredis instrumentations and
// a discarding exporter; metrics are always on), and over one vs two subgraph replicas. Each scenario runs
// in its own process (this file with ROUTER_BENCH_SCENARIO set) so instrumentation patches start clean.
// Router and subgraphs share that process: on a small machine the replica numbers show the cost of
// balancing, not added capacity. Loopback only; real Postgres/Redis from DATABASE_URL / REDIS_URL.
//   npx tsx scripts/bench/router.ts [seconds] [concurrency]
import { spawnSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';

interface Scenario {
  name: string;
  tracing: boolean;
  replicas: number;
}
const SCENARIOS: Scenario[] = [
  { name: 'tracing off, 1 replica', tracing: false, replicas: 1 },
  { name: 'tracing on, 1 replica', tracing: true, replicas: 1 },
  { name: 'tracing off, 2 replicas', tracing: false, replicas: 2 },
];
const seconds = Number(process.argv[2] ?? 5);
const concurrency = Number(process.argv[3] ?? 32);

async function runScenario(scenario: Scenario) {
  if (scenario.tracing) {
    const { startTracing } = await import('@clinic/service-kit/telemetry');
    const discard = { export: (_spans: unknown, done: (r: { code: number }) => void) => done({ code: 0 }), shutdown: async () => {} };
    startTracing({ serviceName: 'bench', exporter: discard, ignoreIncomingHttp: (req) => req.socket.localPort === routerPort });
  }
  const { startSubgraph } = await import('@clinic/service-kit');
  const { createTestKeys, dropSchema, testServiceConfig } = await import('@clinic/service-kit/testing');
  const { composeFor, startTestRouter } = await import('../../router/src/testing/harness.ts');
  const { greetingsSubgraph } = await import('../../router/src/testing/greetings-subgraph.ts');
  const keys = await createTestKeys();
  const config = testServiceConfig('greetings', keys);
  const replicas = [];
  for (let i = 0; i < scenario.replicas; i++) replicas.push(await startSubgraph(greetingsSubgraph, { ...config, port: 0 }));
  const sdl = composeFor([{ definition: greetingsSubgraph, url: replicas[0]!.url }]);
  const router = await startTestRouter(keys, sdl, { SUBGRAPH_GREETINGS_URL: replicas.map((r) => r.url).join(',') });
  routerPort = router.port;
  const url = router.url.replace('localhost', '127.0.0.1');
  const body = JSON.stringify({ query: 'query Bench { greetings(userIds: ["a", "b"]) { text } }' });
  const once = async () => {
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    if (res.status !== 200) throw new Error(`status ${res.status}`);
    await res.text();
  };
  const load = async (ms: number, latencies: number[] | null) => {
    const end = performance.now() + ms;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (performance.now() < end) {
          const t = performance.now();
          await once();
          latencies?.push(performance.now() - t);
        }
      }),
    );
  };
  await load(1_000, null);
  const latencies: number[] = [];
  const started = performance.now();
  await load(seconds * 1_000, latencies);
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))]!;
  await router.stop();
  for (const r of replicas) await r.stop();
  await dropSchema(config.dbSchema);
  return { rps: latencies.length / elapsed, p50: pct(0.5), p99: pct(0.99) };
}
let routerPort = -1;

if (process.env.ROUTER_BENCH_SCENARIO) {
  const scenario = SCENARIOS.find((s) => s.name === process.env.ROUTER_BENCH_SCENARIO)!;
  runScenario(scenario).then(
    (result) => {
      process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
      process.exit(0);
    },
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
} else {
  console.log(`router overhead: ${seconds} s per scenario, ${concurrency} concurrent clients, one query through the router to a subgraph`);
  const results: Record<string, { rps: number; p50: number; p99: number }> = {};
  for (const scenario of SCENARIOS) {
    const run = spawnSync(process.execPath, ['--import', 'tsx', __filename, String(seconds), String(concurrency)], {
      env: { ...process.env, ROUTER_BENCH_SCENARIO: scenario.name, LOG_LEVEL: 'silent' },
      encoding: 'utf8',
    });
    const line = run.stdout.split('\n').find((l) => l.startsWith('RESULT '));
    if (!line) {
      console.error(run.stderr);
      process.exit(1);
    }
    const r = (results[scenario.name] = JSON.parse(line.slice(7)) as { rps: number; p50: number; p99: number });
    console.log(`${scenario.name.padEnd(26)} ${r.rps.toFixed(0).padStart(6)} req/s   p50 ${r.p50.toFixed(1)} ms   p99 ${r.p99.toFixed(1)} ms`);
  }
  const base = results[SCENARIOS[0]!.name]!.rps;
  const traced = results[SCENARIOS[1]!.name]!.rps;
  const two = results[SCENARIOS[2]!.name]!.rps;
  console.log(`tracing overhead: ${(((base - traced) / base) * 100).toFixed(1)} % of throughput (target < 10 %)`);
  console.log(`two replicas vs one: ${(((two - base) / base) * 100).toFixed(1)} % throughput (same process: balancing cost, not capacity)`);
}
