// Our router against stock `@apollo/gateway` (`npm run bench -- router`), in the same run, on the same two
// subgraphs (identity, and a test subgraph whose greetings reference identity's users: a federated read).
// Three kinds of process, so that each one's CPU is its own (read from /proc): each gateway alone in its
// own; the subgraphs in this one; the load generator in its own. The load is a realistic mix of repeated
// operations, each request from one of many signed-in users with their own token: `me` (identity only),
// greetings with their users' names (two subgraphs), and both at once. Then `me` one request at a time: p50
// through each gateway and straight to identity. Loopback only; real Postgres/Redis from DATABASE_URL /
// REDIS_URL. Each gateway's line also gives the CPU per request of the subgraphs' process and of the load
// generator's.
// Until 2026-12-01 the load generator (undici's global fetch, about 1 ms of CPU per request) shared this
// process with the subgraphs: on two cores that one process (~2.5 ms per request) capped the throughput of
// either gateway, so the throughput ratio measured the bench, not the gateways. It now runs alone, with a
// lean keep-alive client over node:http (one socket per simulated client), the same for both gateways and for
// the direct call to identity.
//   npx tsx scripts/bench/router-vs-stock.ts [seconds=6] [concurrency=16] [users=20] [rounds=3]
// BENCH_BASELINE=<another checkout, e.g. /work/main> adds that checkout's router as a third gateway in the same
// run (before/after a change under the same machine load); BENCH_PROFILE=<dir> writes a CPU profile per gateway;
// BENCH_APOLLO_PATH=1 adds phases where our router answers every request through Apollo Server's pipeline.
// BENCH_HOP=1 adds, to the `me` p50s, a bare forwarding process in front of identity (no checks, no planning): the
// floor of any router in its own process on this machine.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parse } from 'graphql';
import { post as postJson } from './children.ts';

const seconds = Number(process.argv[2] ?? 6);
const concurrency = Number(process.argv[3] ?? 16);
const users = Number(process.argv[4] ?? 20);
const rounds = Number(process.argv[5] ?? 3);
const SECRET = 'test-router-secret';

/** Child: one gateway on a random port; prints READY <url>. */
async function serveGateway(kind: string, sdl: string, jwksJson: string) {
  if (kind === 'hop') return serveBareHop(process.env.BENCH_IDENTITY!);
  if (kind === 'ours' || kind === 'baseline') {
    const root = kind === 'ours' ? '../..' : path.resolve(process.env.BENCH_BASELINE!);
    const { loadRouterConfig } = (await import(`${root}/router/src/config.ts`)) as typeof import('../../router/src/config.ts');
    const { startRouter } = (await import(`${root}/router/src/router.ts`)) as typeof import('../../router/src/router.ts');
    const router = await startRouter(
      loadRouterConfig({
        NODE_ENV: 'test', PORT: '0', ROUTER_SECRET: SECRET, JWKS_JSON: jwksJson, LOG_LEVEL: 'silent',
        REDIS_URL: process.env.REDIS_URL || 'redis://127.0.0.1:6379', RATE_LIMIT_POINTS: '100000000',
      }),
      { supergraphSdl: sdl },
    );
    return router.url;
  }
  const { ApolloServer } = await import('@apollo/server');
  const { startStandaloneServer } = await import('@apollo/server/standalone');
  const { ApolloGateway, RemoteGraphQLDataSource } = await import('@apollo/gateway');
  // As our router does: no usage report to Apollo (nothing may leave this machine) and the same work per request.
  process.env.APOLLO_TELEMETRY_DISABLED = 'true';
  class Forwarding extends RemoteGraphQLDataSource<{ authorization?: string }> {
    override willSendRequest({ request, context }: { request: { http?: { headers: { set(k: string, v: string): void } } }; context: { authorization?: string } }) {
      request.http?.headers.set('x-router-secret', SECRET);
      if (context.authorization) request.http?.headers.set('authorization', context.authorization);
    }
  }
  // Stock refuses `for: SECURITY` features it cannot enforce; it runs the same supergraph without enforcing them.
  const { withRouterEnforcedSecurity } = await import('../../router/src/access-directives.ts');
  const gateway = new ApolloGateway({ supergraphSdl: withRouterEnforcedSecurity(sdl), buildService: ({ url }) => new Forwarding({ url }) });
  const server = new ApolloServer<{ authorization?: string }>({ gateway });
  const { url } = await startStandaloneServer(server, { listen: { port: 0 }, context: async ({ req }) => ({ authorization: req.headers.authorization }) });
  return url;
}

/**
 * Child (BENCH_HOP=1): the least any router in its own process can do, as a floor for `me` p50: read the
 * request, send it to identity on a keep-alive socket, read the answer, send it back. No checks, no planning.
 */
async function serveBareHop(identityUrl: string) {
  const target = new URL(identityUrl);
  const agent = new http.Agent({ keepAlive: true });
  const server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.once('end', () => {
      const headers = { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), 'x-router-secret': SECRET, authorization: req.headers.authorization ?? '' };
      const upstream = http.request({ hostname: target.hostname, port: target.port, path: target.pathname, method: 'POST', agent, headers }, (answer) => {
        let text = '';
        answer.setEncoding('utf8');
        answer.on('data', (chunk: string) => (text += chunk));
        answer.once('end', () => res.writeHead(answer.statusCode ?? 502, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)) }).end(text));
      });
      upstream.once('error', () => res.writeHead(502).end());
      upstream.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as import('node:net').AddressInfo).port}/graphql`;
}

/** utime + stime of a process, in ms (clock ticks of 10 ms). */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

function startChild(kind: string, sdlPath: string, jwksJson: string, identityUrl?: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [...(process.env.BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] : []), '--import', 'tsx', __filename], {
    env: { ...process.env, BENCH_GATEWAY: kind, BENCH_SDL: sdlPath, BENCH_JWKS: jwksJson, BENCH_IDENTITY: identityUrl ?? '', LOG_LEVEL: 'silent' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const ready = /READY (\S+)/.exec(out);
      if (ready) resolve({ child, url: ready[1]!.replace('localhost', '127.0.0.1') });
    });
    child.once('exit', (code) => reject(new Error(`${kind} gateway exited (${code})`)));
  });
}

const percentile = (samples: number[], p: number) => [...samples].sort((a, b) => a - b)[Math.min(samples.length - 1, Math.floor((p / 100) * samples.length))]!;


interface LoadPlan {
  tokens: string[];
  idSets: string[][];
  concurrency: number;
}
type LoadAsk =
  | { type: 'load'; url: string; ms: number; viaApollo: boolean }
  | { type: 'me'; targets: { url: string; headers?: Record<string, string> }[] };

/**
 * Child: the load generator. A lean keep-alive client over node:http (one socket per simulated client, the
 * body read into a string), the same for every target, so that what a request costs the client is small and
 * the same whichever gateway answers.
 */
function generateLoad(plan: LoadPlan) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: plan.concurrency });
  const targets = new Map<string, URL>();
  const post = async (url: string, body: unknown, token: string, headers: Record<string, string> = {}) => {
    let target = targets.get(url);
    if (!target) targets.set(url, (target = new URL(url)));
    const answer = await postJson(target, JSON.stringify(body), agent, { headers: { authorization: `Bearer ${token}`, ...headers }, read: true });
    if (answer.status !== 200 || answer.text.includes('"errors"')) throw new Error(`${url}: ${answer.status} ${answer.text.slice(0, 300)}`);
  };
  const mix = [
    { weight: 4, body: () => ({ query: 'query Me { me { id displayName } }' }) },
    { weight: 4, body: (i: number) => ({ query: 'query Greetings($ids: [ID!]!) { greetings(userIds: $ids) { text user { id displayName } } }', variables: { ids: plan.idSets[i % plan.idSets.length] } }) },
    { weight: 2, body: (i: number) => ({ query: 'query Both($ids: [ID!]!) { me { id email } greetings(userIds: $ids) { text } }', variables: { ids: plan.idSets[i % plan.idSets.length] } }) },
  ];
  const bag = mix.flatMap((m) => Array<typeof m>(m.weight).fill(m));
  const { tokens, concurrency } = plan;
  const load = async (url: string, ms: number, viaApollo: boolean) => {
    let done = 0;
    let n = 0;
    const end = performance.now() + ms;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (performance.now() < end) {
          const i = n++;
          const body = bag[i % bag.length]!.body(i);
          // `operationName: null` means no name to Apollo Server and keeps the request off the known-operation lane.
          await post(url, viaApollo ? { ...body, operationName: null } : body, tokens[i % tokens.length]!);
          done += 1;
        }
      }),
    );
    return done;
  };
  /** `me` one request at a time, in alternating batches over the targets so load from elsewhere hits all alike. */
  const meP50s = async (targets: { url: string; headers?: Record<string, string> }[]) => {
    const samples = targets.map(() => [] as number[]);
    for (let batch = 0; batch < 12; batch++) {
      for (const [t, target] of targets.entries()) {
        for (let i = 0; i < 50; i++) {
          const started = performance.now();
          await post(target.url, { query: 'query Me { me { id displayName } }' }, tokens[i % tokens.length]!, target.headers);
          if (batch > 1) samples[t]!.push(performance.now() - started);
        }
      }
    }
    return samples.map((x) => percentile(x, 50));
  };
  process.on('message', (ask: LoadAsk) => {
    const answered = ask.type === 'load' ? load(ask.url, ask.ms, ask.viaApollo).then((done) => ({ done })) : meP50s(ask.targets).then((p50s) => ({ p50s }));
    answered.then(
      (answer) => process.send!(answer),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  });
  process.send!({ ready: true });
}

/** The load generator's process, and a way to ask it for a phase and wait for the answer. */
function startLoadGenerator(plan: LoadPlan) {
  const child = spawn(process.execPath, ['--import', 'tsx', __filename], {
    env: { ...process.env, BENCH_LOAD: JSON.stringify(plan), LOG_LEVEL: 'silent' },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const next = () =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const onExit = (code: number | null) => reject(new Error(`load generator exited (${code})`));
      child.once('exit', onExit);
      child.once('message', (msg: Record<string, unknown>) => {
        child.off('exit', onExit);
        resolve(msg);
      });
    });
  const ready = next();
  return {
    child,
    ready,
    load: async (url: string, ms: number, viaApollo = false) => {
      const answer = next();
      child.send({ type: 'load', url, ms, viaApollo } satisfies LoadAsk);
      return (await answer).done as number;
    },
    meP50s: async (targets: { url: string; headers?: Record<string, string> }[]) => {
      const answer = next();
      child.send({ type: 'me', targets } satisfies LoadAsk);
      return (await answer).p50s as number[];
    },
  };
}

async function main() {
  const { greetingsSubgraph } = await import('../../router/src/testing/greetings-subgraph.ts');
  const { composeFor } = await import('../../router/src/testing/harness.ts');
  const { seedUser, signIn, startIdentityStack } = await import('../../subgraphs/identity/src/testing/stack.ts');
  const { identitySdlPath } = await import('../../subgraphs/identity/src/service.ts');
  const s = await startIdentityStack([greetingsSubgraph], { RATE_LIMIT_POINTS: '100000000' }, { ...process.env, LOG_LEVEL: 'silent' });
  const children: ChildProcess[] = [];
  try {
    const identityUrl = s.stack.subgraphs.identity!.url;
    const sdl = composeFor([
      { definition: { name: 'identity', typeDefs: parse(readFileSync(identitySdlPath, 'utf8')), resolvers: {}, entities: [], migrations: [] }, url: identityUrl },
      { definition: greetingsSubgraph, url: s.stack.subgraphs.greetings!.url },
    ]);
    const sdlPath = path.join(mkdtempSync(path.join(tmpdir(), 'bench-')), 'supergraph.graphql');
    writeFileSync(sdlPath, sdl);
    const tokens: { token: string; userId: string }[] = [];
    for (let i = 0; i < users; i++) {
      await seedUser(s, `bench${i}@stock.test`, 'Stock-Horse-77', ['PATIENT']);
      const signedIn = await signIn(s, `bench${i}@stock.test`, 'Stock-Horse-77');
      tokens.push({ token: signedIn.accessToken, userId: signedIn.userId });
    }
    const idSets = [0, 1, 2, 3].map((k) => tokens.filter((_, i) => i % 4 === k).slice(0, 3).map((t) => t.userId));
    const loader = startLoadGenerator({ tokens: tokens.map((t) => t.token), idSets, concurrency });
    children.push(loader.child);
    await loader.ready;
    const { load, meP50s } = loader;
    // Both gateways up at once; load phases alternate between them (median of the rounds) so that load from
    // other work on the machine falls on both alike.
    const kinds = ['stock', 'ours', ...(process.env.BENCH_BASELINE ? (['baseline'] as const) : [])];
    const gateways: { kind: string; child: ChildProcess; url: string; rps: number[]; cpu: number[]; shared: number[]; client: number[] }[] = [];
    for (const kind of kinds) {
      const started = await startChild(kind, sdlPath, s.keys.jwksJson);
      children.push(started.child);
      gateways.push({ kind, ...started, rps: [] as number[], cpu: [] as number[], shared: [] as number[], client: [] as number[] });
      await load(started.url, 1_500); // warm-up: plans, connections, JIT
    }
    // BENCH_APOLLO_PATH=1: our router's phases also alternate with phases whose requests take Apollo Server's path.
    const viaApollo = process.env.BENCH_APOLLO_PATH ? { ...gateways[1]!, kind: 'ours-apollo', rps: [] as number[], cpu: [] as number[], shared: [] as number[], client: [] as number[] } : null;
    for (let round = 0; round < rounds; round++) {
      for (const g of viaApollo ? [...gateways, viaApollo] : gateways) {
        const cpuBefore = cpuMs(g.child.pid!);
        const sharedBefore = cpuMs(process.pid);
        const clientBefore = cpuMs(loader.child.pid!);
        const started = performance.now();
        const done = await load(g.url, seconds * 1_000, g === viaApollo);
        const elapsed = (performance.now() - started) / 1000;
        g.rps.push(done / elapsed);
        g.cpu.push((cpuMs(g.child.pid!) - cpuBefore) / done);
        g.shared.push((cpuMs(process.pid) - sharedBefore) / done);
        g.client.push((cpuMs(loader.child.pid!) - clientBefore) / done);
      }
    }
    const hop = process.env.BENCH_HOP ? await startChild('hop', sdlPath, s.keys.jwksJson, identityUrl) : null;
    if (hop) children.push(hop.child);
    const [stockMe, oursMe, direct, ...others] = await meP50s([
      { url: gateways[0]!.url },
      { url: gateways[1]!.url },
      { url: identityUrl, headers: { 'x-router-secret': SECRET } },
      ...(hop ? [{ url: hop.url }] : []),
      ...gateways.slice(2).map((g) => ({ url: g.url })),
    ]);
    const hopMe = hop ? others.shift() : undefined;
    const baselineMe = others[0];
    const median = (xs: number[]) => percentile(xs, 50);
    const results: Record<string, { rps: number; cpuPerRequest: number; meP50: number; shared: number; client: number }> = {
      stock: { rps: median(gateways[0]!.rps), cpuPerRequest: median(gateways[0]!.cpu), meP50: stockMe!, shared: median(gateways[0]!.shared), client: median(gateways[0]!.client) },
      ours: { rps: median(gateways[1]!.rps), cpuPerRequest: median(gateways[1]!.cpu), meP50: oursMe!, shared: median(gateways[1]!.shared), client: median(gateways[1]!.client) },
    };
    for (const g of gateways) g.child.kill('SIGINT');
    const ours = results.ours!;
    const stock = results.stock!;
    console.log(`mix: 40% me, 40% greetings + users' names (two subgraphs), 20% both; ${users} users with their own tokens; ${concurrency} clients; median of ${rounds} alternating rounds of ${seconds} s`);
    for (const [name, r] of [['stock @apollo/gateway', stock], ['our router', ours]] as const) {
      console.log(`${name.padEnd(22)} ${r.rps.toFixed(0).padStart(6)} req/s   CPU ${r.cpuPerRequest.toFixed(3)} ms/request   me p50 ${r.meP50.toFixed(2)} ms   (subgraphs ${r.shared.toFixed(3)}, load generator ${r.client.toFixed(3)} ms/request)`);
    }
    const baseline = gateways[2] && { rps: median(gateways[2].rps), cpuPerRequest: median(gateways[2].cpu), meP50: baselineMe! };
    if (baseline) {
      console.log(`${'baseline router'.padEnd(22)} ${baseline.rps.toFixed(0).padStart(6)} req/s   CPU ${baseline.cpuPerRequest.toFixed(3)} ms/request   me p50 ${baseline.meP50.toFixed(2)} ms   (${process.env.BENCH_BASELINE})`);
    }
    console.log(`${'identity directly'.padEnd(22)} ${''.padStart(6)}                                      me p50 ${direct!.toFixed(2)} ms`);
    if (hopMe !== undefined) console.log(`${'bare hop to identity'.padEnd(22)} ${''.padStart(6)}                                      me p50 ${hopMe.toFixed(2)} ms (${(hopMe / direct!).toFixed(2)}× direct: the floor of any router in its own process)`);
    // On two cores the throughput of either is bounded by the CPU per request of all three processes together.
    const whole = (r: typeof ours) => r.cpuPerRequest + r.shared + r.client;
    console.log(`CPU per request, gateway + subgraphs + load generator: stock ${whole(stock).toFixed(3)} ms, ours ${whole(ours).toFixed(3)} ms (stock/ours ${(whole(stock) / whole(ours)).toFixed(2)}×: the throughput ratio if the machine were saturated by this bench alone)`);
    console.log(`ours/stock: throughput ${(ours.rps / stock.rps).toFixed(2)}× (target ≥ 1.5×), CPU per request ${(ours.cpuPerRequest / stock.cpuPerRequest).toFixed(2)}× (target ≤ 0.7×)`);
    console.log(`me p50: ours/direct ${(ours.meP50 / direct!).toFixed(2)}× (target ≤ 1.3×), stock/direct ${(stock.meP50 / direct!).toFixed(2)}×`);
    if (viaApollo) {
      // Paired per round (the two phases run one after the other), so that load drifting between rounds cancels out.
      const paired = viaApollo.cpu.map((cpu, round) => gateways[1]!.cpu[round]! / cpu).sort((a, b) => a - b);
      console.log(
        `our router, every request through Apollo Server's pipeline: ${median(viaApollo.rps).toFixed(0)} req/s, CPU ${median(viaApollo.cpu).toFixed(3)} ms/request; ` +
          `known-operation lane/Apollo Server's path, CPU per request paired by round: median ${median(paired).toFixed(2)}× (${paired[0]!.toFixed(2)}–${paired.at(-1)!.toFixed(2)}×)`,
      );
    }
    if (baseline) {
      console.log(`ours/baseline: throughput ${(ours.rps / baseline.rps).toFixed(2)}×, CPU per request ${(ours.cpuPerRequest / baseline.cpuPerRequest).toFixed(2)}×, me p50 ${(ours.meP50 / baseline.meP50).toFixed(2)}× (baseline/direct ${(baseline.meP50 / direct!).toFixed(2)}×)`);
    }
  } finally {
    for (const child of children) child.kill();
    await s.stop();
  }
}

if (process.env.BENCH_LOAD) {
  process.on('disconnect', () => process.exit(0));
  generateLoad(JSON.parse(process.env.BENCH_LOAD) as LoadPlan);
} else if (process.env.BENCH_GATEWAY) {
  process.on('SIGINT', () => process.exit(0)); // a normal exit, so --cpu-prof (BENCH_PROFILE=dir) writes its profile
  serveGateway(process.env.BENCH_GATEWAY, readFileSync(process.env.BENCH_SDL!, 'utf8'), process.env.BENCH_JWKS!).then(
    (url) => process.stdout.write(`READY ${url}\n`),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
} else {
  main().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
