// Router overhead benchmark (`npm run bench -- router`): what tracing costs the router and a subgraph per
// request (CPU), and throughput over one vs two subgraph replicas.
//
// Why tracing's cost is measured inside ONE router and ONE subgraph process: the CPU per request of separate
// processes doing the same work differs by more than tracing's effect on this 2-core machine. A process keeps
// getting cheaper over its first tens of seconds of load (V8 tiering up: an untraced stack warmed 3 s was 30–40 %
// dearer than one that had served ten times more, converging only after about 30 s of its share of load), and
// what is left differs by a few to 13 % per round with where the scheduler puts each process and how loaded
// its core is (a process that waits longer serves more requests per wake-up, each cheaper). The earlier
// side-by-side bench warmed its stacks 3 s each, one after the other, and read that as tracing's cost or as a
// −10 … −13 % untraced control. So the traced stack (OTLP, the production default sampler:
// OTEL_TRACES_SAMPLER unset) serves three kinds of request in short alternating windows, their order
// shuffled every cycle:
//   all      the load generator sends a sampled traceparent (flags 01): the router, a trusted proxy's
//            client here (TRUSTED_PROXIES defaults to loopback outside production), traces every request
//   default  no traceparent: the router's sampler decides, as for any client (10 % traced)
//   none     an unsampled traceparent (flags 00): nothing traced, tracing still installed; two such windows
//            per cycle, whose difference is printed as the noise floor (an A/A test)
// At each window's end the load is drained, both processes export what the window traced (forceFlush, so the
// OTLP serialisation counts in the window that made the spans) and report process.cpuUsage() (all threads);
// CPU per request = their CPU in the window / requests answered. Rounds of cycles; per round all / default vs
// none, median and spread over rounds.
// Tracing installed vs not installed at all needs other processes, so it is measured side by side (each client
// sends to each stack in turn, in an order shuffled every turn), first, after every stack did the same warm-up
// (ROUTER_BENCH_WARMUP_S): an untraced stack (off), the traced stack with nothing sampled and a second untraced
// stack (control); the control vs off is that measure's noise floor.
// Then req/s, p50/p99 and CPU per request of each configuration alone, in rounds of rotated order, and over
// one vs two subgraph replicas; then V8's sampling profiler on each configuration alone (shares of the same
// process's samples in tracing and metrics code). Tracing uses the production path: BatchSpanProcessor and
// the OTLP/HTTP exporter posting to a sink in this process (which only counts spans). Metrics are on in every
// configuration, as in production. Loopback only; real Postgres/Redis from DATABASE_URL / REDIS_URL.
//   npx tsx scripts/bench/router.ts [seconds] [concurrency]     (ROUTER_BENCH_ROUNDS, default 5)
// seconds: per kind of window in a round (default 5), per side-by-side round and per alone run;
// ROUTER_BENCH_WINDOW_MS: one window (default 250); ROUTER_BENCH_WARMUP_S: each stack's warm-up (default 10).
// Profiling: ROUTER_BENCH_NODE_ARGS='--cpu-prof --cpu-prof-dir=/tmp/prof' (node flags for every child);
// ROUTER_BENCH_PROFILE_DIR=<dir> writes the profiles of the last step there, one per process and configuration.
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import http from 'node:http';
import { Session } from 'node:inspector';
import { performance } from 'node:perf_hooks';
import { postOk } from './children.ts';

interface Config {
  name: string;
  tracing: 'off' | 'on';
  replicas: number;
}
const CONFIGS: Config[] = [
  { name: 'off, 1 replica', tracing: 'off', replicas: 1 },
  // Default sampler; what it traces is chosen per request by the load generator's traceparent (Mode).
  { name: 'traced, 1 replica', tracing: 'on', replicas: 1 },
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
    if (msg === 'cpu') {
      // The end of a measuring window: the spans it made are exported now (their OTLP serialisation counts in
      // the window that made them), then this process's CPU time so far (all threads), in ms.
      const { startTracing } = await import('@clinic/service-kit/telemetry');
      await startTracing({ serviceName: 'bench' })?.flush();
      const usage = process.cpuUsage();
      process.send!({ cpu: (usage.user + usage.system) / 1000 });
    } else if (msg === 'flush') {
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
    } else if (msg.startsWith('profile-stop') && profiler) {
      const { profile } = (await inspect(profiler, 'Profiler.stop')) as { profile: CpuProfile };
      profiler.disconnect();
      const dir = process.env.ROUTER_BENCH_PROFILE_DIR;
      // `profile-stop:<label>` names the configuration (the traced stack serves several).
      const label = msg.split(':')[1] || process.env.ROUTER_BENCH_STACK;
      if (dir) writeFileSync(`${dir}/${label}-${process.env.ROUTER_BENCH_ROLE}-${process.pid}.cpuprofile`, JSON.stringify(profile));
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
  url: URL;
  router: ChildProcess;
  replicas: ChildProcess[];
}

/** What the traced stack is asked to trace, by the traceparent the load generator sends (see the top). */
type Mode = 'all' | 'default' | 'none';
/** A stack and the kind of request it gets: one configuration. */
interface Target {
  name: string;
  stack: Stack;
  mode: Mode;
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
  // OTEL_TRACES_SAMPLER* unset: the production default (parent-based, DEFAULT_TRACE_SAMPLE_RATIO).
  const tracingEnv: Record<string, string> =
    config.tracing === 'off' ? { OTEL_EXPORTER_OTLP_ENDPOINT: '', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: '' } : { OTEL_EXPORTER_OTLP_ENDPOINT: `${sinkUrl}/${encodeURIComponent(config.name)}` };
  const env: Record<string, string> = { BENCH_JWKS: jwks, BENCH_SCHEMA: schema, ROUTER_BENCH_STACK: config.name.replace(/\W+/g, '-'), OTEL_TRACES_SAMPLER: '', OTEL_TRACES_SAMPLER_ARG: '', ...tracingEnv };
  const replicas = [];
  // One after the other: they share the schema the first one migrates.
  for (let i = 0; i < config.replicas; i++) replicas.push(await start('replica', env));
  const router = await start('router', { ...env, BENCH_SUBGRAPH_URLS: replicas.map((r) => r.url).join(',') });
  return { config, schema, url: new URL(router.url), router: router.proc, replicas: replicas.map((r) => r.proc) };
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
const hex = (bytes: number) => randomBytes(bytes).toString('hex');
function post(target: Target): Promise<void> {
  // A fresh trace per request, sampled (01) or not (00); `default` sends none and the router decides.
  const headers: Record<string, string> = target.mode === 'default' ? {} : { traceparent: `00-${hex(16)}-${hex(8)}-${target.mode === 'all' ? '01' : '00'}` };
  return postOk(target.stack.url, nextBody(), agent, headers);
}

/** `concurrency` clients send to `target` for `ms`; resolves when every answer is in (the load drained). */
async function load(target: Target, ms: number, concurrency: number, latencies: number[] | null): Promise<number> {
  const end = performance.now() + ms;
  let done = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        const t = performance.now();
        await post(target);
        latencies?.push(performance.now() - t);
        done += 1;
      }
    }),
  );
  return done;
}

const subgraphCpuMs = (stack: Stack) => stack.replicas.reduce((sum, p) => sum + cpuMs(p.pid!), 0);

/** One configuration alone: req/s, latency and CPU per request (from /proc) over `seconds`, after 1 s of warm-up. */
async function measure(target: Target, seconds: number, concurrency: number): Promise<Run> {
  await load(target, 1_000, concurrency, null);
  const latencies: number[] = [];
  const routerBefore = cpuMs(target.stack.router.pid!);
  const subgraphBefore = subgraphCpuMs(target.stack);
  const started = performance.now();
  const n = await load(target, seconds * 1_000, concurrency, latencies);
  const elapsed = (performance.now() - started) / 1000;
  const routerCpu = (cpuMs(target.stack.router.pid!) - routerBefore) / n;
  const subgraphCpu = (subgraphCpuMs(target.stack) - subgraphBefore) / n;
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))]!;
  return { rps: n / elapsed, p50: pct(0.5), p99: pct(0.99), routerCpu, subgraphCpu };
}

/** A window's or a round's CPU (ms) and work. */
interface Tally {
  router: number;
  subgraph: number;
  requests: number;
  spans: number;
}
const perRequest = (t: Tally) => (t.router + t.subgraph) / t.requests;
const pooled = (a: Tally, b: Tally): Tally => ({ router: a.router + b.router, subgraph: a.subgraph + b.subgraph, requests: a.requests + b.requests, spans: a.spans + b.spans });

/** The router's and subgraph's CPU so far (ms, process.cpuUsage), after each exported what it had traced. */
async function cpuOf(stack: Stack): Promise<{ router: number; subgraph: number }> {
  const [router, ...replicas] = await Promise.all([stack.router, ...stack.replicas].map((p) => ask<{ cpu: number }>(p, 'cpu')));
  return { router: router!.cpu, subgraph: replicas.reduce((sum, r) => sum + r.cpu, 0) };
}

/** The windows of one cycle: all, default and two nothing-sampled ones (the A/A pair). */
const SLOTS: Mode[] = ['all', 'default', 'none', 'none'];

/**
 * One round of the in-process A/B: `seconds` of load per slot, in windows of `windowMs`, each cycle's order
 * shuffled; the stack's CPU and spans per slot, summed over the round's windows.
 */
async function alternating(stack: Stack, seconds: number, concurrency: number, windowMs: number, spansSoFar: () => number): Promise<Tally[]> {
  const tallies = SLOTS.map(() => ({ router: 0, subgraph: 0, requests: 0, spans: 0 }));
  const cycles = Math.max(1, Math.round((seconds * 1_000) / windowMs));
  let last = await cpuOf(stack);
  let lastSpans = spansSoFar();
  for (let cycle = 0; cycle < cycles; cycle++) {
    const order = SLOTS.map((_, i) => i);
    shuffle(order);
    for (const i of order) {
      const requests = await load({ name: SLOTS[i]!, stack, mode: SLOTS[i]! }, windowMs, concurrency, null);
      // Read right after the window: the next window's CPU starts where this one's ends, nothing in between.
      const now = await cpuOf(stack);
      const spans = spansSoFar();
      const tally = tallies[i]!;
      tally.router += now.router - last.router;
      tally.subgraph += now.subgraph - last.subgraph;
      tally.requests += requests;
      tally.spans += spans - lastSpans;
      last = now;
      lastSpans = spans;
    }
  }
  return tallies;
}

/**
 * CPU per request of each target's router and subgraph processes, measured side by side: every client sends
 * to each target in turn, so all of them run in the same seconds, under the same load from the rest of the
 * machine.
 */
async function sideBySide(targets: Target[], seconds: number, concurrency: number): Promise<{ router: number; subgraph: number }[]> {
  const cycle = async (ms: number, counts: number[]) => {
    const end = performance.now() + ms;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        const order = targets.map((_, i) => i);
        while (performance.now() < end) {
          shuffle(order);
          for (const i of order) {
            await post(targets[i]!);
            counts[i]! += 1;
          }
        }
      }),
    );
  };
  await cycle(1_000, targets.map(() => 0));
  const before = targets.map((t) => ({ router: cpuMs(t.stack.router.pid!), subgraph: subgraphCpuMs(t.stack) }));
  const counts = targets.map(() => 0);
  await cycle(seconds * 1_000, counts);
  return targets.map((t, i) => ({ router: (cpuMs(t.stack.router.pid!) - before[i]!.router) / counts[i]!, subgraph: (subgraphCpuMs(t.stack) - before[i]!.subgraph) / counts[i]! }));
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
/** Median, then the rounds' range and each round. */
const summary = (xs: number[]) => `${signed(median(xs))} (range ${signed(Math.min(...xs))} … ${signed(Math.max(...xs))}; rounds ${xs.map(signed).join(', ')})`;

async function main() {
  const seconds = Number(process.argv[2] ?? 5);
  const concurrency = Number(process.argv[3] ?? 16);
  const rounds = Number(process.env.ROUTER_BENCH_ROUNDS ?? 5);
  const windowMs = Number(process.env.ROUTER_BENCH_WINDOW_MS ?? 250);
  const warmupS = Number(process.env.ROUTER_BENCH_WARMUP_S ?? 10);
  const { createTestKeys, dropSchema } = await import('@clinic/service-kit/testing');
  const { DEFAULT_TRACE_SAMPLE_RATIO } = await import('@clinic/service-kit/telemetry');
  const jwks = (await createTestKeys()).jwksJson;

  // The OTLP sink: counts the spans each stack exported (OTLP/JSON: one `"spanId"` key per span).
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
    const [off, traced, two, control] = stacks as [Stack, Stack, Stack, Stack];
    const targets = {
      off: { name: 'off, 1 replica', stack: off, mode: 'none' },
      all: { name: 'traced 100 %, 1 replica', stack: traced, mode: 'all' },
      default: { name: 'traced default, 1 replica', stack: traced, mode: 'default' },
      none: { name: 'traced, none sampled', stack: traced, mode: 'none' },
      two: { name: 'off, 2 replicas', stack: two, mode: 'none' },
      control: { name: 'off (control), 1 replica', stack: control, mode: 'none' },
    } satisfies Record<string, Target>;
    console.log(
      `router overhead: one query through the router to the greetings subgraph, ${concurrency} concurrent clients; ${rounds} rounds of: ` +
        `in one traced router + subgraph, ${seconds} s each of all / default / none / none traced in ${windowMs} ms windows, shuffled per cycle; ` +
        `${seconds} s side by side (first, after ${warmupS} s of warm-up per stack); ${seconds} s per configuration alone (rotated order, 1 s warm-up); medians`,
    );
    console.log(`default sampling: parent-based, ${DEFAULT_TRACE_SAMPLE_RATIO * 100} % of client requests traced (OTEL_TRACES_SAMPLER unset)`);
    // A process's CPU per request keeps falling over its first tens of seconds of load (V8 tiering up): two
    // untraced stacks given 3 s of warm-up each differed by up to 40 % until their work evened out. So every
    // stack does the same warm-up (the traced one in all three modes, a third each) before anything is measured.
    for (const stack of [off, two, control]) await load({ name: '', stack, mode: 'none' }, warmupS * 1_000, concurrency, null);
    for (const mode of ['all', 'default', 'none'] as const) await load({ name: '', stack: traced, mode }, (warmupS * 1_000) / 3, concurrency, null);

    const overheads = { all: [] as number[], default: [] as number[], aa: [] as number[], installed: [] as number[], control: [] as number[], replicas: [] as number[], rpsAll: [] as number[], rpsDefault: [] as number[] };
    // 1. Tracing installed (nothing sampled) vs not installed: separate processes, side by side, first, while
    //    every stack has done the same work.
    const sideTargets = [targets.off, targets.none, targets.control];
    const sideRuns: { router: number; subgraph: number }[][] = [];
    for (let round = 0; round < rounds; round++) {
      const cpu = await sideBySide(sideTargets, seconds, concurrency);
      sideRuns.push(cpu);
      const [o, installed, c] = cpu.map((x) => x.router + x.subgraph) as [number, number, number];
      overheads.installed.push(pctChange(installed, (o + c) / 2));
      overheads.control.push(pctChange(c, o));
      process.stderr.write(`side by side ${round + 1}/${rounds}: installed, none traced ${signed(overheads.installed.at(-1)!)}; control vs off ${signed(overheads.control.at(-1)!)}\n`);
    }
    // 2. In one router and one subgraph process: what tracing every request / the default sampling costs
    //    against tracing nothing, and two nothing-traced windows against each other (the noise floor).
    const spansOfTraced = () => spans.get(traced.config.name) ?? 0;
    const inProcess: Tally[][] = [];
    for (let round = 0; round < rounds; round++) {
      const [all, def, none1, none2] = (await alternating(traced, seconds, concurrency, windowMs, spansOfTraced)) as [Tally, Tally, Tally, Tally];
      inProcess.push([all, def, pooled(none1, none2)]);
      const none = perRequest(pooled(none1, none2));
      overheads.all.push(pctChange(perRequest(all), none));
      overheads.default.push(pctChange(perRequest(def), none));
      overheads.aa.push(pctChange(perRequest(none2), perRequest(none1)));
      process.stderr.write(
        `in-process ${round + 1}/${rounds}: 100 % ${signed(overheads.all.at(-1)!)}, default ${signed(overheads.default.at(-1)!)} CPU/request vs none traced; A/A ${signed(overheads.aa.at(-1)!)} (${[all, def, none1, none2].map((t) => t.requests).join(' / ')} requests)\n`,
      );
    }
    // 3. Throughput, latency and CPU per request, each configuration alone, in rotated order.
    const alone = [targets.off, targets.all, targets.default, targets.none, targets.two];
    const runs = new Map<Target, Run[]>(alone.map((t) => [t, []]));
    for (let round = 0; round < rounds; round++) {
      const order = alone.map((_, i) => alone[(i + round) % alone.length]!);
      for (const target of order) runs.get(target)!.push(await measure(target, seconds, concurrency));
      const rps = (t: Target) => runs.get(t)![round]!.rps;
      overheads.rpsAll.push(pctChange(rps(targets.all), rps(targets.off)));
      overheads.rpsDefault.push(pctChange(rps(targets.default), rps(targets.off)));
      overheads.replicas.push(pctChange(rps(targets.two), rps(targets.off)));
      process.stderr.write(`alone ${round + 1}/${rounds}: req/s ${alone.map((t) => rps(t).toFixed(0)).join(' / ')}\n`);
    }
    // 4. Where the CPU goes inside each process (V8's sampling profiler), each configuration alone: shares of
    //    the same process's time, so unlike CPU per request untouched by what else runs on the machine.
    const profiled = [targets.off, targets.all, targets.default, targets.none];
    const shares: Attribution[][] = [];
    for (const target of profiled) {
      const procs = [target.stack.router, target.stack.replicas[0]!];
      for (const p of procs) await ask(p, 'profile-start');
      await load(target, seconds * 1_000, concurrency, null);
      const label = target.name.replace(/\W+/g, '-');
      shares.push([await ask<Attribution>(procs[0]!, `profile-stop:${label}`), await ask<Attribution>(procs[1]!, `profile-stop:${label}`)]);
    }

    const m = (target: Target, f: (r: Run) => number) => median(runs.get(target)!.map(f));
    console.log(`${'configuration (alone)'.padEnd(26)} ${'req/s'.padStart(6)}  ${'p50 ms'.padStart(7)}  ${'p99 ms'.padStart(7)}   CPU ms/request: router  subgraph`);
    for (const t of alone) {
      console.log(
        `${t.name.padEnd(26)} ${m(t, (r) => r.rps).toFixed(0).padStart(6)}  ${m(t, (r) => r.p50).toFixed(1).padStart(7)}  ${m(t, (r) => r.p99).toFixed(1).padStart(7)}   ` +
          `${m(t, (r) => r.routerCpu).toFixed(2).padStart(22)}  ${m(t, (r) => r.subgraphCpu).toFixed(2).padStart(8)}`,
      );
    }
    console.log(`in one traced router + subgraph, alternating windows (CPU ms/request, medians over rounds):`);
    const modeNames = ['traced 100 %', `traced default ${DEFAULT_TRACE_SAMPLE_RATIO * 100} %`, 'none traced'];
    modeNames.forEach((name, i) => {
      const med = (f: (t: Tally) => number) => median(inProcess.map((round) => f(round[i]!)));
      console.log(
        `  ${name.padEnd(24)} router ${med((t) => t.router / t.requests).toFixed(3)}  subgraph ${med((t) => t.subgraph / t.requests).toFixed(3)}  total ${med(perRequest).toFixed(3)}   spans/request ${med((t) => t.spans / t.requests).toFixed(2)}`,
      );
    });
    const pct = (x: number) => `${(x * 100).toFixed(1)} %`;
    console.log("share of the process's CPU samples in tracing code (OpenTelemetry, its async context hooks, the kit's span helpers) / metrics code (prom-client, metrics.ts) / GC, each alone, router | subgraph:");
    profiled.forEach((t, i) => console.log(`  ${t.name.padEnd(26)} ${shares[i]!.map((a) => `${pct(a.tracing)} / ${pct(a.metrics)} / ${pct(a.gc)}`).join('  |  ')}`));
    // Per round, paired (the same seconds of machine load), then the median and range over the rounds.
    console.log(`tracing overhead at 100 % sampling: ${summary(overheads.all)} CPU per request, router + subgraph, against none traced in the same processes (target < 10 %); ${signed(median(overheads.rpsAll))} req/s alone`);
    console.log(`tracing overhead at the default ${DEFAULT_TRACE_SAMPLE_RATIO * 100} % sampling: ${summary(overheads.default)}; ${signed(median(overheads.rpsDefault))} req/s alone`);
    console.log(`noise floor of these (A/A: two none-traced windows of each cycle): ${summary(overheads.aa)}`);
    console.log(`tracing installed, none traced, vs not installed (separate processes side by side, against the mean of two untraced stacks): ${summary(overheads.installed)}`);
    console.log(`noise floor of that (the untraced control stack vs off): ${summary(overheads.control)}`);
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
