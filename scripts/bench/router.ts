// Router overhead benchmark (`npm run bench -- router`): what tracing and metrics cost the router and a
// subgraph per request, and throughput over one vs two subgraph replicas.
//
// Each configuration runs as its own processes (a router and its subgraph replicas, this file with
// ROUTER_BENCH_ROLE set), all started before measuring and all kept running, so none inherits another's
// instrumentation patches, JIT or cache state:
//   off        tracing off (metrics on, as always), 1 replica
//   traced 100 %  OTLP tracing, every request sampled (OTEL_TRACES_SAMPLER=parentbased_always_on), 1 replica
//   traced default  OTLP tracing with the production default sampler (OTEL_TRACES_SAMPLER unset), 1 replica
//   off, 2 replicas  tracing off, the router balancing over two subgraph processes
//   off (control)  tracing off, 1 replica: a second untraced stack, in the side-by-side measure only
// Tracing uses the production path: BatchSpanProcessor and the OTLP/HTTP exporter posting to a sink in this
// process (which only counts spans). Metrics are on in every configuration, as in production.
// 1. The overhead: CPU time per request of the router and subgraph processes (/proc/<pid>/stat: all their
//    threads, GC and libuv included), with the off / 100 % / default / control stacks loaded SIDE BY SIDE
//    (each client sends to each in turn, in an order shuffled every turn, so no stack is always first after a
//    client's pause), so every window sees the same load from the rest of the machine; rounds, paired per
//    round, median. The baseline is the mean of the two untraced stacks (off and control), and the control's
//    difference from off is printed as the noise floor: two identical stacks of separate processes differ
//    by a few percent (JIT and GC luck, where the scheduler puts them), and an earlier version, with one
//    untraced stack and a fixed order, read that noise as tracing's cost (the default sampling once +0.4 % and
//    +13.9 % in rounds of one run).
// 2. req/s and latency, each configuration ALONE, in rounds of rotated order (A B C D, B C D A, ...) after a
//    short warm-up of the one about to run; medians. These follow the machine's other load.
// Loopback only; real Postgres/Redis from DATABASE_URL / REDIS_URL.
//   npx tsx scripts/bench/router.ts [seconds per run] [concurrency]     (ROUTER_BENCH_ROUNDS, default 5)
// Profiling one side: ROUTER_BENCH_NODE_ARGS='--cpu-prof --cpu-prof-dir=/tmp/prof' (node flags for every child);
// ROUTER_BENCH_PROFILE_DIR=<dir> writes the profiles of step 3 (one side-by-side window) there, one per process.
import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import http from 'node:http';
import { Session } from 'node:inspector';
import { performance } from 'node:perf_hooks';
import { postOk } from './children.ts';

interface Config {
  name: string;
  tracing: 'off' | 'all' | 'default';
  replicas: number;
}
const CONFIGS: Config[] = [
  { name: 'off, 1 replica', tracing: 'off', replicas: 1 },
  { name: 'traced 100 %, 1 replica', tracing: 'all', replicas: 1 },
  { name: 'traced default, 1 replica', tracing: 'default', replicas: 1 },
  { name: 'off, 2 replicas', tracing: 'off', replicas: 2 },
  { name: 'off (control), 1 replica', tracing: 'off', replicas: 1 },
];
// Distinct variables per request: the plan is cached as for any repeated operation, but no two requests are
// merged into one subgraph fetch (inflight-merge.ts), so every request pays its own subgraph call.
const QUERY = 'query Bench($ids: [ID!]!) { greetings(userIds: $ids) { text } }';
let sequence = 0;
const nextBody = () => JSON.stringify({ query: QUERY, variables: { ids: [`a${sequence++}`, 'b'] } });

// ---- child processes: one subgraph replica or one router ----------------------------------------------

async function runReplica() {
  // Tracing (when configured by env) starts when the kit is first imported, as in a deployed subgraph.
  const { startSubgraph } = await import('@clinic/service-kit');
  const { testServiceConfig } = await import('@clinic/service-kit/testing');
  const { greetingsSubgraph } = await import('../../router/src/testing/greetings-subgraph.ts');
  const config = testServiceConfig('greetings', { jwksJson: process.env.BENCH_JWKS! } as never, { DB_SCHEMA: process.env.BENCH_SCHEMA! });
  const replica = await startSubgraph(greetingsSubgraph, { ...config, port: 0 });
  return { url: replica.url, stop: () => replica.stop() };
}

async function runRouter() {
  // As router/src/main.ts does: tracing first, before the modules it instruments load.
  await import('../../router/src/tracing.ts');
  const { composeFor, startTestRouter } = await import('../../router/src/testing/harness.ts');
  const { greetingsSubgraph } = await import('../../router/src/testing/greetings-subgraph.ts');
  const urls = process.env.BENCH_SUBGRAPH_URLS!.split(',');
  const sdl = composeFor([{ definition: greetingsSubgraph, url: urls[0]! }]);
  const router = await startTestRouter({ jwksJson: process.env.BENCH_JWKS! } as never, sdl, { SUBGRAPH_GREETINGS_URL: urls.join(',') });
  return { url: router.url.replace('localhost', '127.0.0.1'), stop: () => router.stop() };
}

async function child(role: string) {
  // Gone with the bench, however it ends.
  process.on('disconnect', () => process.exit(0));
  const running = role === 'router' ? await runRouter() : await runReplica();
  process.on('message', async (msg: string) => {
    if (msg === 'flush') {
      const { startTracing } = await import('@clinic/service-kit/telemetry');
      // The running tracer (the first call wins), or null when tracing is off.
      await startTracing({ serviceName: 'bench' })?.flush();
      process.send!('flushed');
    } else if (msg === 'profile-start') {
      profiler = new Session();
      profiler.connect();
      await inspect(profiler, 'Profiler.enable');
      await inspect(profiler, 'Profiler.start');
      process.send!('profiling');
    } else if (msg === 'profile-stop' && profiler) {
      const { profile } = (await inspect(profiler, 'Profiler.stop')) as { profile: CpuProfile };
      profiler.disconnect();
      const dir = process.env.ROUTER_BENCH_PROFILE_DIR;
      if (dir) writeFileSync(`${dir}/${process.env.ROUTER_BENCH_STACK}-${process.env.ROUTER_BENCH_ROLE}-${process.pid}.cpuprofile`, JSON.stringify(profile));
      process.send!(attribute(profile));
    } else if (msg === 'stop') {
      await running.stop();
      process.exit(0);
    }
  });
  process.send!({ url: running.url });
}
let profiler: Session | null = null;
const inspect = (session: Session, method: string) =>
  new Promise<unknown>((resolve, reject) => session.post(method, (error, result) => (error ? reject(error) : resolve(result))));

interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string }; children?: number[] }[];
  samples: number[];
  timeDeltas: number[];
}
/** Shares of a process's busy CPU samples: each sample goes to the code it is in (its innermost frame outside Node's own). */
export interface Attribution {
  tracing: number;
  metrics: number;
  gc: number;
}
function attribute(profile: CpuProfile): Attribution {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const kind = new Map<number, 'tracing' | 'metrics' | 'gc' | 'other' | 'idle'>();
  const kindOf = (id: number) => {
    let k = kind.get(id);
    if (k) return k;
    k = 'other';
    const name = byId.get(id)!.callFrame.functionName;
    if (name === '(idle)') k = 'idle';
    else if (name === '(garbage collector)') k = 'gc';
    else
      for (let n = byId.get(id); n; n = byId.get(parent.get(n.id) ?? -1)) {
        const url = n.callFrame.url;
        // Node 20's AsyncLocalStorage (promise hooks) runs only because the context manager is on.
        if (/async_hooks/.test(url)) {
          k = 'tracing';
          break;
        }
        if (!url || url.startsWith('node:')) continue;
        k = /@opentelemetry|require-in-the-middle|telemetry\.ts/.test(url) ? 'tracing' : /prom-client|service-kit\/src\/metrics\.ts/.test(url) ? 'metrics' : 'other';
        break;
      }
    kind.set(id, k);
    return k;
  };
  const time = { tracing: 0, metrics: 0, gc: 0, other: 0, idle: 0 };
  profile.samples.forEach((id, i) => (time[kindOf(id)] += profile.timeDeltas[i] ?? 0));
  const busy = time.tracing + time.metrics + time.gc + time.other;
  return { tracing: time.tracing / busy, metrics: time.metrics / busy, gc: time.gc / busy };
}

// ---- the orchestrator and load generator -------------------------------------------------------------

const children: ChildProcess[] = [];
const CLOCK_TICK_MS = 10; // USER_HZ is 100 on Linux

/** CPU time (user + system, all threads) a process has used so far, in ms. */
function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * CLOCK_TICK_MS;
}

function start(role: 'router' | 'replica', env: Record<string, string>): Promise<{ proc: ChildProcess; url: string }> {
  const proc = fork(__filename, [], { execArgv: ['--import', 'tsx', ...(process.env.ROUTER_BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? [])], env: { ...process.env, LOG_LEVEL: 'silent', ...env, ROUTER_BENCH_ROLE: role }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  children.push(proc);
  return new Promise((resolve, reject) => {
    proc.once('message', (msg: { url: string }) => resolve({ proc, url: msg.url }));
    proc.once('exit', (code) => reject(new Error(`${role} exited with ${code}`)));
  });
}

/** Stops a child (graceful, then killed after 5 s). */
function stop(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => proc.kill('SIGKILL'), 5_000);
    proc.once('exit', () => (clearTimeout(timer), resolve()));
    proc.send('stop');
  });
}

const ask = <T = unknown>(proc: ChildProcess, msg: string) => new Promise<T>((resolve) => (proc.once('message', (reply: T) => resolve(reply)), proc.send(msg)));

interface Stack {
  config: Config;
  schema: string;
  url: string;
  router: ChildProcess;
  replicas: ChildProcess[];
  requests: number;
  runs: Run[];
}
interface Run {
  rps: number;
  p50: number;
  p99: number;
  routerCpu: number;
  subgraphCpu: number;
}

async function startStack(config: Config, jwks: string, sinkUrl: string): Promise<Stack> {
  const schema = `t_bench_router_${Math.random().toString(16).slice(2, 10)}`;
  const tracingEnv: Record<string, string> =
    config.tracing === 'off'
      ? { OTEL_EXPORTER_OTLP_ENDPOINT: '', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: '' }
      : { OTEL_EXPORTER_OTLP_ENDPOINT: `${sinkUrl}/${encodeURIComponent(config.name)}`, ...(config.tracing === 'all' ? { OTEL_TRACES_SAMPLER: 'parentbased_always_on' } : {}) };
  const env: Record<string, string> = { BENCH_JWKS: jwks, BENCH_SCHEMA: schema, ROUTER_BENCH_STACK: config.name.replace(/\W+/g, '-'), ...tracingEnv };
  if (config.tracing !== 'all') for (const k of ['OTEL_TRACES_SAMPLER', 'OTEL_TRACES_SAMPLER_ARG']) env[k] = '';
  const replicas = [];
  // One after the other: they share the schema the first one migrates.
  for (let i = 0; i < config.replicas; i++) replicas.push(await start('replica', env));
  const router = await start('router', { ...env, BENCH_SUBGRAPH_URLS: replicas.map((r) => r.url).join(',') });
  return { config, schema, url: router.url, router: router.proc, replicas: replicas.map((r) => r.proc), requests: 0, runs: [] };
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
function post(url: URL): Promise<void> {
  const body = nextBody();
  return postOk(url, body, agent);
}

async function load(stack: Stack, ms: number, concurrency: number, latencies: number[] | null): Promise<number> {
  const url = new URL(stack.url);
  const end = performance.now() + ms;
  let done = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        const t = performance.now();
        await post(url);
        latencies?.push(performance.now() - t);
        done += 1;
      }
    }),
  );
  stack.requests += done;
  return done;
}

async function measure(stack: Stack, seconds: number, concurrency: number): Promise<Run> {
  await load(stack, 1_000, concurrency, null);
  const latencies: number[] = [];
  const routerBefore = cpuMs(stack.router.pid!);
  const subgraphBefore = stack.replicas.reduce((sum, p) => sum + cpuMs(p.pid!), 0);
  const started = performance.now();
  const n = await load(stack, seconds * 1_000, concurrency, latencies);
  const elapsed = (performance.now() - started) / 1000;
  const routerCpu = (cpuMs(stack.router.pid!) - routerBefore) / n;
  const subgraphCpu = (stack.replicas.reduce((sum, p) => sum + cpuMs(p.pid!), 0) - subgraphBefore) / n;
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))]!;
  return { rps: n / elapsed, p50: pct(0.5), p99: pct(0.99), routerCpu, subgraphCpu };
}

/**
 * CPU per request of each stack's router and subgraph processes, measured side by side: every client sends
 * to each stack in turn, so all of them run in the same seconds, under the same load from the rest of the
 * machine (a busy neighbour inflates CPU time per request through shared caches and cores alike for all).
 */
async function sideBySide(stacks: Stack[], seconds: number, concurrency: number): Promise<{ router: number; subgraph: number }[]> {
  const urls = stacks.map((s) => new URL(s.url));
  const cycle = async (ms: number, counts: number[]) => {
    const end = performance.now() + ms;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        const order = urls.map((_, i) => i);
        while (performance.now() < end) {
          shuffle(order);
          for (const i of order) {
            await post(urls[i]!);
            counts[i]! += 1;
          }
        }
      }),
    );
    stacks.forEach((stack, i) => (stack.requests += counts[i]!));
  };
  await cycle(1_000, stacks.map(() => 0));
  const subgraphCpu = (stack: Stack) => stack.replicas.reduce((sum, p) => sum + cpuMs(p.pid!), 0);
  const before = stacks.map((stack) => ({ router: cpuMs(stack.router.pid!), subgraph: subgraphCpu(stack) }));
  const counts = stacks.map(() => 0);
  await cycle(seconds * 1_000, counts);
  return stacks.map((stack, i) => ({ router: (cpuMs(stack.router.pid!) - before[i]!.router) / counts[i]!, subgraph: (subgraphCpu(stack) - before[i]!.subgraph) / counts[i]! }));
}

/** Fisher–Yates, in place. */
function shuffle(xs: number[]): void {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [xs[i], xs[j]] = [xs[j]!, xs[i]!];
  }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const pctChange = (on: number, off: number) => ((on - off) / off) * 100;
const signed = (x: number) => `${x >= 0 ? '+' : ''}${x.toFixed(1)} %`;

async function main() {
  const seconds = Number(process.argv[2] ?? 5);
  const concurrency = Number(process.argv[3] ?? 16);
  const rounds = Number(process.env.ROUTER_BENCH_ROUNDS ?? 5);
  const { createTestKeys, dropSchema } = await import('@clinic/service-kit/testing');
  const { DEFAULT_TRACE_SAMPLE_RATIO } = await import('@clinic/service-kit/telemetry');
  const jwks = (await createTestKeys()).jwksJson;

  // The OTLP sink: counts the spans each configuration exported (OTLP/JSON: one `"spanId"` key per span).
  const spans = new Map<string, number>();
  const sink = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const name = decodeURIComponent(req.url!.split('/')[1]!);
      const body = Buffer.concat(chunks).toString('utf8');
      spans.set(name, (spans.get(name) ?? 0) + (body.match(/"spanId":/g)?.length ?? 0));
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
  const sinkUrl = `http://127.0.0.1:${(sink.address() as { port: number }).port}`;

  const stacks: Stack[] = [];
  try {
    for (const config of CONFIGS) stacks.push(await startStack(config, jwks, sinkUrl));
    console.log(
      `router overhead: one query through the router to the greetings subgraph, ${concurrency} concurrent clients; ` +
        `${rounds} rounds of ${seconds} s side by side, then ${rounds} rounds of ${seconds} s per configuration alone in rotated order, each after 1 s warm-up (plus 3 s before the first); medians`,
    );
    console.log(`default sampling: parent-based, ${DEFAULT_TRACE_SAMPLE_RATIO * 100} % of client requests traced (OTEL_TRACES_SAMPLER unset)`);
    for (const stack of stacks) await load(stack, 3_000, concurrency, null);
    // 1. What tracing costs, as CPU per request of the router and subgraph processes, side by side:
    //    off, 100 %, default, control (untraced again).
    const traced = [stacks[0]!, stacks[1]!, stacks[2]!, stacks[4]!];
    const alone = stacks.slice(0, 4);
    const cpuRuns: { router: number; subgraph: number }[][] = [];
    const overheads = { all: [] as number[], default: [] as number[], control: [] as number[], replicas: [] as number[], rpsAll: [] as number[], rpsDefault: [] as number[] };
    for (let round = 0; round < rounds; round++) {
      const cpu = await sideBySide(traced, seconds, concurrency);
      cpuRuns.push(cpu);
      const [off, all, def, control] = cpu.map((c) => c.router + c.subgraph);
      const untraced = (off! + control!) / 2;
      overheads.all.push(pctChange(all!, untraced));
      overheads.default.push(pctChange(def!, untraced));
      overheads.control.push(pctChange(control!, off!));
      process.stderr.write(
        `side by side ${round + 1}/${rounds}: traced 100 % ${signed(overheads.all.at(-1)!)}, default ${signed(overheads.default.at(-1)!)} CPU/request; control vs off ${signed(overheads.control.at(-1)!)}\n`,
      );
    }
    // 2. Throughput and latency, each configuration alone, in rotated order (A B C D, B C D A, ...).
    for (let round = 0; round < rounds; round++) {
      const order = alone.map((_, i) => alone[(i + round) % alone.length]!);
      for (const stack of order) stack.runs.push(await measure(stack, seconds, concurrency));
      const [off, all, def, two] = alone.map((s) => s.runs[round]!);
      overheads.rpsAll.push(pctChange(all!.rps, off!.rps));
      overheads.rpsDefault.push(pctChange(def!.rps, off!.rps));
      overheads.replicas.push(pctChange(two!.rps, off!.rps));
      process.stderr.write(`alone ${round + 1}/${rounds}: req/s ${alone.map((s) => s.runs[round]!.rps.toFixed(0)).join(' / ')}\n`);
    }
    // 3. Where the CPU goes inside each process (V8's sampling profiler during one more side-by-side window):
    //    shares of the same process's time, so unlike 1. untouched by what else runs on the machine.
    const profiled = traced.map((stack) => [stack.router, stack.replicas[0]!] as const);
    for (const procs of profiled) for (const p of procs) await ask(p, 'profile-start');
    await sideBySide(traced, seconds, concurrency);
    const shares: Attribution[][] = [];
    for (const procs of profiled) shares.push([await ask<Attribution>(procs[0], 'profile-stop'), await ask<Attribution>(procs[1], 'profile-stop')]);
    for (const stack of stacks) for (const p of [stack.router, ...stack.replicas]) await ask(p, 'flush');
    await new Promise((resolve) => setTimeout(resolve, 200));

    console.log(`${'configuration'.padEnd(26)} ${'req/s'.padStart(6)}  ${'p50 ms'.padStart(7)}  ${'p99 ms'.padStart(7)}   CPU ms/request side by side: router  subgraph  total   spans/request`);
    stacks.forEach((stack) => {
      const m = (f: (r: Run) => number) => (stack.runs.length ? median(stack.runs.map(f)) : NaN);
      const side = traced.indexOf(stack);
      const c = (f: (r: { router: number; subgraph: number }) => number) => (side >= 0 ? median(cpuRuns.map((run) => f(run[side]!))).toFixed(2) : '-');
      const spansPerRequest = (spans.get(stack.config.name) ?? 0) / stack.requests;
      console.log(
        `${stack.config.name.padEnd(26)} ${m((r) => r.rps).toFixed(0).padStart(6)}  ${m((r) => r.p50).toFixed(1).padStart(7)}  ${m((r) => r.p99).toFixed(1).padStart(7)}   ` +
          `${c((r) => r.router).padStart(34)}  ${c((r) => r.subgraph).padStart(8)}  ${c((r) => r.router + r.subgraph).padStart(5)}   ${spansPerRequest.toFixed(2).padStart(6)}`,
      );
    });
    const pct = (x: number) => `${(x * 100).toFixed(1)} %`;
    console.log('share of the process\'s CPU samples in tracing code (OpenTelemetry, its async context hooks, the kit\'s span helpers) / metrics code (prom-client, metrics.ts) / GC, router | subgraph:');
    traced.forEach((stack, i) =>
      console.log(`  ${stack.config.name.padEnd(26)} ${shares[i]!.map((a) => `${pct(a.tracing)} / ${pct(a.metrics)} / ${pct(a.gc)}`).join('  |  ')}`),
    );
    // Per round, paired (the same seconds of machine load), then the median over the rounds.
    console.log(`tracing overhead at 100 % sampling: ${signed(median(overheads.all))} CPU per request, router + subgraph, side by side, against the mean of the two untraced stacks (target < 10 %; rounds: ${overheads.all.map(signed).join(', ')}); ${signed(median(overheads.rpsAll))} req/s alone`);
    console.log(`tracing overhead at the default ${DEFAULT_TRACE_SAMPLE_RATIO * 100} % sampling: ${signed(median(overheads.default))} CPU per request (rounds: ${overheads.default.map(signed).join(', ')}); ${signed(median(overheads.rpsDefault))} req/s alone`);
    console.log(`noise floor: the untraced control stack vs off, ${signed(median(overheads.control))} CPU per request (rounds: ${overheads.control.map(signed).join(', ')})`);
    console.log(`two subgraph replicas vs one: ${signed(median(overheads.replicas))} req/s (rounds: ${overheads.replicas.map(signed).join(', ')}; all processes share this ${availableParallelism()}-core machine, so a replica adds no cores)`);
  } finally {
    for (const stack of stacks) {
      for (const p of [stack.router, ...stack.replicas]) await stop(p);
      await dropSchema(stack.schema).catch(() => {});
    }
    for (const p of children) await stop(p);
    agent.destroy();
    sink.close();
  }
}

if (process.env.ROUTER_BENCH_ROLE) {
  child(process.env.ROUTER_BENCH_ROLE).catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
} else {
  main().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
