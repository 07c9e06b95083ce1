// Tracing's cost in this checkout against another (main, before a change), measured in ONE run: the router
// bench's own child roles (scripts/bench/router.ts with ROUTER_BENCH_ROLE) from both checkouts, tracing off,
// at 100 % and at the default sampling, six stacks loaded side by side (each client sends to each in turn).
// On a shared, loaded machine two separate bench runs see different load and their CPU medians wander by
// tens of percent; here both checkouts see the same seconds. CPU per request from /proc, router + subgraph;
// per round paired, medians. Skipped (by `npm run bench`, too) unless ROUTER_COMPARE_WITH names the other
// checkout, which needs its node_modules (hard-linked from this one will do):
//   ROUTER_COMPARE_WITH=<other checkout> npx tsx scripts/bench/router-compare.ts [seconds per round] [concurrency] [rounds]
import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { postOk } from './children.ts';

const THIS = path.resolve(__dirname, '..', '..');
const QUERY = 'query Bench($ids: [ID!]!) { greetings(userIds: $ids) { text } }';

interface Stack {
  name: string;
  url: URL;
  procs: ChildProcess[];
  schema: string;
}

const children: ChildProcess[] = [];

/** CPU time (user + system, all threads) a process has used so far, in ms (USER_HZ 100). */
function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

function start(checkout: string, role: 'router' | 'replica', env: Record<string, string>): Promise<{ proc: ChildProcess; url: string }> {
  const proc = fork(path.join(checkout, 'scripts/bench/router.ts'), [], {
    cwd: checkout,
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, LOG_LEVEL: 'silent', ...env, ROUTER_BENCH_ROLE: role },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  children.push(proc);
  return new Promise((resolve, reject) => {
    proc.once('message', (msg: { url: string }) => resolve({ proc, url: msg.url }));
    proc.once('exit', (code) => reject(new Error(`${role} of ${checkout} exited with ${code}`)));
  });
}

async function startStack(name: string, checkout: string, tracing: 'off' | 'all' | 'default', jwks: string, sinkUrl: string): Promise<Stack> {
  const schema = `t_bench_compare_${Math.random().toString(16).slice(2, 10)}`;
  const env: Record<string, string> = { BENCH_JWKS: jwks, BENCH_SCHEMA: schema, OTEL_TRACES_SAMPLER: '', OTEL_TRACES_SAMPLER_ARG: '' };
  if (tracing === 'off') Object.assign(env, { OTEL_EXPORTER_OTLP_ENDPOINT: '', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: '' });
  else Object.assign(env, { OTEL_EXPORTER_OTLP_ENDPOINT: sinkUrl, ...(tracing === 'all' ? { OTEL_TRACES_SAMPLER: 'parentbased_always_on' } : {}) });
  const replica = await start(checkout, 'replica', env);
  const router = await start(checkout, 'router', { ...env, BENCH_SUBGRAPH_URLS: replica.url });
  return { name, url: new URL(router.url), procs: [router.proc, replica.proc], schema };
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
let sequence = 0;
function post(url: URL): Promise<void> {
  // Distinct variables per request, as in router.ts: no two requests merge into one subgraph fetch.
  const body = JSON.stringify({ query: QUERY, variables: { ids: [`a${sequence++}`, 'b'] } });
  return postOk(url, body, agent);
}

/** One window: every client sends to each stack in turn; CPU ms per request of each stack's router + subgraph. */
async function sideBySide(stacks: Stack[], ms: number, concurrency: number): Promise<number[]> {
  const counts = stacks.map(() => 0);
  const cpu = (stack: Stack) => stack.procs.reduce((sum, p) => sum + cpuMs(p.pid!), 0);
  const before = stacks.map(cpu);
  const end = performance.now() + ms;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        for (let i = 0; i < stacks.length; i++) {
          await post(stacks[i]!.url);
          counts[i]! += 1;
        }
      }
    }),
  );
  return stacks.map((stack, i) => (cpu(stack) - before[i]!) / counts[i]!);
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const signed = (x: number) => `${x >= 0 ? '+' : ''}${x.toFixed(1)} %`;

async function main() {
  if (!process.env.ROUTER_COMPARE_WITH) {
    console.log('router-compare: skipped (set ROUTER_COMPARE_WITH to the checkout to compare with)');
    return;
  }
  const other = path.resolve(process.env.ROUTER_COMPARE_WITH);
  const seconds = Number(process.argv[2] ?? 8);
  const concurrency = Number(process.argv[3] ?? 16);
  const rounds = Number(process.argv[4] ?? 10);
  const { createTestKeys, dropSchema } = await import('@clinic/service-kit/testing');
  const jwks = (await createTestKeys()).jwksJson;
  // An OTLP sink that only answers.
  const sink = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
  });
  await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
  const sinkUrl = `http://127.0.0.1:${(sink.address() as { port: number }).port}`;
  const stacks: Stack[] = [];
  try {
    // Indexes: 0 off here, 1 off there, 2 100 % there, 3 100 % here, 4 default there, 5 default here.
    stacks.push(await startStack('off, this', THIS, 'off', jwks, sinkUrl));
    stacks.push(await startStack('off, other', other, 'off', jwks, sinkUrl));
    stacks.push(await startStack('100 %, other', other, 'all', jwks, sinkUrl));
    stacks.push(await startStack('100 %, this', THIS, 'all', jwks, sinkUrl));
    stacks.push(await startStack('default, other', other, 'default', jwks, sinkUrl));
    stacks.push(await startStack('default, this', THIS, 'default', jwks, sinkUrl));
    console.log(`tracing overhead, this checkout vs ${other}: ${rounds} rounds of ${seconds} s, ${concurrency} clients, six stacks side by side`);
    await sideBySide(stacks, 5_000, concurrency);
    const runs: number[][] = [];
    for (let round = 0; round < rounds; round++) {
      const cpu = await sideBySide(stacks, seconds * 1_000, concurrency);
      runs.push(cpu);
      process.stderr.write(`round ${round + 1}/${rounds}: CPU ms/request ${stacks.map((s, i) => `${s.name} ${cpu[i]!.toFixed(2)}`).join(', ')}\n`);
    }
    // Overhead against the mean of both "off" stacks of the same round (the two checkouts do the same untraced).
    const overhead = (i: number) => median(runs.map((r) => ((r[i]! - (r[0]! + r[1]!) / 2) / ((r[0]! + r[1]!) / 2)) * 100));
    const paired = (mine: number, theirs: number) => median(runs.map((r) => ((r[mine]! - r[theirs]!) / r[theirs]!) * 100));
    console.log(`median CPU ms/request, router + subgraph: ${stacks.map((s, i) => `${s.name} ${median(runs.map((r) => r[i]!)).toFixed(2)}`).join(', ')}`);
    console.log(`tracing overhead at 100 % sampling: other ${signed(overhead(2))}, this ${signed(overhead(3))}; at the default sampling: other ${signed(overhead(4))}, this ${signed(overhead(5))} CPU per request`);
    console.log(`this vs other, paired per round: 100 % ${signed(paired(3, 2))}, default ${signed(paired(5, 4))}; tracing off ${signed(paired(0, 1))} (the noise floor)`);
  } finally {
    for (const p of children) if (p.exitCode === null) p.send('stop');
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    for (const p of children) if (p.exitCode === null) p.kill('SIGKILL');
    for (const stack of stacks) await dropSchema(stack.schema).catch(() => {});
    agent.destroy();
    sink.close();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
