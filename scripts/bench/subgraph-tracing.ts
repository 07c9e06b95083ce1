// What tracing costs a subgraph alone (`npm run bench -- subgraph-tracing [rounds]`): the greetings subgraph
// in three processes, untraced, traced as deployed (no async context, the request's context handed on) and
// traced with an AsyncLocalStorage context manager (how subgraphs traced before; on Node 20 its promise hooks
// cost every promise of the process). Every request carries a sampled traceparent as the router sends it;
// spans go through the BatchSpanProcessor to an exporter that drops them (the router bench, router.ts, counts
// the OTLP export too). The three are loaded side by side (each client sends to each in turn), so all see the
// same machine load; CPU per request from /proc (all threads, GC included), per round paired, medians.
// Loopback only; real Postgres/Redis from DATABASE_URL / REDIS_URL.
//   SUBGRAPH_TRACING_CPU_PROF=<dir> also writes a V8 CPU profile per process (<dir>/<variant>/).
import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { postOk } from './children.ts';

const VARIANTS = ['untraced', 'traced', 'traced, async context'] as const;
type Variant = (typeof VARIANTS)[number];
const QUERY = 'query Bench($ids: [ID!]!) { greetings(userIds: $ids) { text } }';
const CONCURRENCY = 8;

async function child(variant: Variant) {
  process.on('disconnect', () => process.exit(0));
  if (variant !== 'untraced') {
    // Before the kit loads (its tracing-register starts nothing without an endpoint; the first call wins).
    const { startTracing } = await import('@clinic/service-kit/telemetry');
    const drop = { export: (_spans: unknown, done: (result: { code: number }) => void) => done({ code: 0 }), shutdown: async () => {} };
    startTracing({ serviceName: 'greetings', exporter: drop, processor: 'batch', asyncContext: variant === 'traced, async context' });
  }
  const { startSubgraph } = await import('@clinic/service-kit');
  const { testServiceConfig } = await import('@clinic/service-kit/testing');
  const { greetingsSubgraph } = await import('../../router/src/testing/greetings-subgraph.ts');
  const config = testServiceConfig('greetings', { jwksJson: process.env.BENCH_JWKS! } as never);
  const replica = await startSubgraph(greetingsSubgraph, { ...config, port: 0 });
  process.on('message', async (msg) => {
    if (msg !== 'stop') return;
    await replica.stop();
    process.exit(0);
  });
  process.send!({ url: replica.url, schema: config.dbSchema });
}

/** CPU time (user + system, all threads) a process has used so far, in ms (USER_HZ 100). */
function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const signed = (x: number) => `${x >= 0 ? '+' : ''}${x.toFixed(1)} %`;

async function main() {
  const rounds = Number(process.argv[2] ?? 8);
  const { createTestKeys, dropSchema } = await import('@clinic/service-kit/testing');
  const jwks = (await createTestKeys()).jwksJson;
  const profileDir = process.env.SUBGRAPH_TRACING_CPU_PROF;
  const subgraphs: { variant: Variant; proc: ChildProcess; url: URL; schema: string }[] = [];
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  try {
    for (const variant of VARIANTS) {
      const profile = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${path.join(profileDir, variant.replace(/\W+/g, '-'))}`] : [];
      const proc = fork(__filename, [], {
        execArgv: ['--import', 'tsx', ...profile],
        env: { ...process.env, LOG_LEVEL: 'silent', OTEL_EXPORTER_OTLP_ENDPOINT: '', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: '', OTEL_TRACES_SAMPLER: '', SUBGRAPH_TRACING_ROLE: variant, BENCH_JWKS: jwks },
      });
      const ready = await new Promise<{ url: string; schema: string }>((resolve, reject) => {
        proc.once('message', resolve as never);
        proc.once('exit', (code) => reject(new Error(`${variant} exited with ${code}`)));
      });
      subgraphs.push({ variant, proc, url: new URL(ready.url), schema: ready.schema });
    }
    let sequence = 0;
    const send = (url: URL) => {
      const traceId = `${Math.random().toString(16).slice(2, 18).padEnd(16, '0')}${Math.random().toString(16).slice(2, 18).padEnd(16, '0')}`;
      const body = JSON.stringify({ query: QUERY, variables: { ids: [`a${sequence++}`, 'b'] } });
      return postOk(url, body, agent, { 'x-router-secret': 'test-router-secret', traceparent: `00-${traceId}-b7ad6b7169203331-01` });
    };
    const cycle = async (ms: number, counts: number[]) => {
      const end = performance.now() + ms;
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          while (performance.now() < end) {
            for (let i = 0; i < subgraphs.length; i++) {
              await send(subgraphs[i]!.url);
              counts[i]! += 1;
            }
          }
        }),
      );
    };
    console.log(`tracing's cost to one subgraph: ${rounds} rounds of 4 s, ${CONCURRENCY} clients, ${VARIANTS.join(' / ')} side by side, every request sampled`);
    await cycle(3_000, subgraphs.map(() => 0));
    const perRequest: number[][] = subgraphs.map(() => []);
    for (let round = 0; round < rounds; round++) {
      const before = subgraphs.map((s) => cpuMs(s.proc.pid!));
      const counts = subgraphs.map(() => 0);
      await cycle(4_000, counts);
      subgraphs.forEach((s, i) => perRequest[i]!.push((cpuMs(s.proc.pid!) - before[i]!) / counts[i]!));
      const [off, ...traced] = perRequest.map((xs) => xs.at(-1)!);
      process.stderr.write(`round ${round + 1}/${rounds}: µs/request ${perRequest.map((xs) => (xs.at(-1)! * 1000).toFixed(0)).join(' / ')}; ${traced.map((t) => signed((t / off! - 1) * 100)).join(' / ')}\n`);
    }
    const overhead = (i: number) => median(perRequest[i]!.map((x, round) => (x / perRequest[0]![round]! - 1) * 100));
    subgraphs.forEach((s, i) =>
      console.log(`${s.variant.padEnd(22)} ${(median(perRequest[i]!) * 1000).toFixed(0).padStart(6)} µs CPU/request${i ? `, ${signed(overhead(i))} vs untraced (paired per round, median)` : ''}`),
    );
  } finally {
    for (const s of subgraphs) {
      if (s.proc.exitCode === null) {
        s.proc.send('stop');
        await new Promise((resolve) => s.proc.once('exit', resolve));
      }
      await dropSchema(s.schema).catch(() => {});
    }
    agent.destroy();
  }
}

const role = process.env.SUBGRAPH_TRACING_ROLE as Variant | undefined;
(role ? child(role) : main()).then(
  () => role || process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
