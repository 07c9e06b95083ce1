// Fan-out benchmark: N graphql-ws clients subscribed through the router to one subgraph subscription,
// one publisher posting notices through the router (mutation → subgraph → Redis → subgraph → router →
// clients). Reports delivery latency p50/p99/max per N, the router's memory per subscriber, and the CPU
// time the router and the subgraph spend per event delivered (load-independent, unlike the latency).
// The subgraph and the router each run in their own child process (this file, forked with a role),
// so the router's memory is its own; clients and publisher run here. Loopback only; real Postgres
// (a throwaway schema) and Redis from DATABASE_URL / REDIS_URL.
//   npx tsx scripts/bench/fanout.ts            # N = 1000, shared token and per-user tokens side by side
//   npx tsx scripts/bench/fanout.ts 1000 [events] [shared|per-user]
//   FANOUT_HOLD=10000 npm run bench -- fanout  # 10 000 signed-in users held on one router, memory per subscriber
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { answerParent, ask, childProcesses, memory, phaseProfiler, roleOf, stopAll, tell as send } from './children.ts';

const role = roleOf('FANOUT_ROLE');

async function runSubgraph() {
  const { startSubgraph } = await import('@clinic/service-kit');
  const { testServiceConfig, dropSchema } = await import('@clinic/service-kit/testing');
  const { createNoticesSubgraph } = await import('../../router/src/testing/notices-subgraph.ts');
  const definition = createNoticesSubgraph(`bench-notices:${randomUUID()}`);
  const config = testServiceConfig('notices', { jwksJson: process.env.JWKS_JSON! } as never, { LOG_LEVEL: 'warn' });
  const subgraph = await startSubgraph(definition, config);
  send({ type: 'ready', url: subgraph.url });
  answerParent(
    {
      stats: () => ({ type: 'stats', ...subgraph.subscriptionStats() }),
      cpu: () => ({ type: 'cpu', ...process.cpuUsage() }),
      ...phaseProfiler(profileDir, `subgraph-${process.env.FANOUT_SCENARIO}`),
    },
    async () => {
      await subgraph.stop();
      await dropSchema(config.dbSchema);
    },
  );
}

async function runRouter() {
  const { startTestRouter } = await import('../../router/src/testing/harness.ts');
  const supergraphSdl = process.env.FANOUT_SUPERGRAPH!;
  const router = await startTestRouter({ jwksJson: process.env.JWKS_JSON! } as never, supergraphSdl, {
    RATE_LIMIT_POINTS: '100000000',
    LOG_LEVEL: 'warn',
    MAX_BODY_BYTES: '100000',
  });
  send({ type: 'ready', url: router.url, memory: memory() });
  answerParent(
    {
      stats: () => ({ type: 'stats', ...router.subscriptions.stats() }),
      cpu: () => ({ type: 'cpu', ...process.cpuUsage() }),
      memory: () => ({ type: 'memory', ...router.subscriptions.stats(), memory: memory() }),
      ...phaseProfiler(profileDir, `router-${process.env.FANOUT_SCENARIO}`),
    },
    () => router.stop(),
  );
}

// FANOUT_CPU_PROF=<dir> writes a .cpuprofile of the publishing phase per child and scenario (open in Chrome DevTools).
const profileDir = process.env.FANOUT_CPU_PROF;
const { start: startChild, killAll } = childProcesses(__filename, 'FANOUT_ROLE');

function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function waitFor(check: () => Promise<boolean> | boolean, timeoutMs: number, what: string) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

type Scenario = 'shared' | 'per-user';

/**
 * `shared`: every client uses one token (the same signed-in user in many tabs) — identical requests share
 * one upstream subscription, shaped once per event and fanned out by the router. `per-user`: every client
 * signs in as a different user, so each has its own upstream subscription (all multiplexed over a few
 * upstream connections, each checked per event by the subgraph) and every event is shaped per client.
 */
async function runOnce(n: number, events: number, scenario: Scenario) {
  const { createTestKeys, signTestToken } = await import('@clinic/service-kit/testing');
  const { composeFor, gql } = await import('../../router/src/testing/harness.ts');
  const { createNoticesSubgraph } = await import('../../router/src/testing/notices-subgraph.ts');
  const { connectWs } = await import('../../router/src/testing/ws.ts');

  const keys = await createTestKeys();
  const env = { JWKS_JSON: keys.jwksJson, FANOUT_SCENARIO: scenario };
  const subgraph = await startChild('subgraph', env);
  const supergraph = composeFor([{ definition: createNoticesSubgraph(), url: String(subgraph.ready.url) }]);
  const router = await startChild('router', { ...env, FANOUT_SUPERGRAPH: supergraph });
  const routerUrl = String(router.ready.url).replace('localhost', '127.0.0.1');
  const before = (await ask(router.child, 'memory')).memory as { rss: number; heapUsed: number };

  const latencies: number[][] = Array.from({ length: events }, () => []);
  const received = new Array<number>(events).fill(0);
  let failed = 0;
  const clients: (ReturnType<typeof connectWs> & { acknowledged: boolean })[] = [];
  const connectStart = performance.now();
  const field = 'noticePosted';
  const sharedToken = await signTestToken(keys, { sub: randomUUID(), roles: ['ADMIN'], expiresIn: '1h' });
  for (let i = 0; i < n; i++) {
    const clientToken = scenario === 'shared' ? sharedToken : await signTestToken(keys, { sub: randomUUID(), roles: ['ADMIN'], expiresIn: '1h' });
    const client = Object.assign(connectWs(routerUrl, clientToken), { acknowledged: false });
    client.client.on('connected', () => (client.acknowledged = true));
    clients.push(client);
    client.client.subscribe<Record<string, { text: string; sentAt: number }>>(
      { query: `subscription { ${field} { text sentAt } }` },
      {
        next: (result) => {
          const notice = result.data?.[field];
          if (!notice) return;
          const index = Number(notice.text);
          latencies[index]?.push(performance.timeOrigin + performance.now() - notice.sentAt);
          received[index] = (received[index] ?? 0) + 1;
        },
        error: () => (failed += 1),
        complete: () => {},
      },
    );
    // Connect in waves, each acknowledged before the next, so the listen backlog never overflows.
    if (i % 200 === 199 || i === n - 1) {
      const wave = clients.slice(i - (i % 200));
      await Promise.all(wave.map((c) => new Promise<void>((resolve) => (c.acknowledged ? resolve() : c.client.on('connected', () => resolve())))));
    }
  }
  // Every client subscription is open at the router, and every upstream one it needs is open at the subgraph.
  await waitFor(
    async () => {
      const routerStats = await ask(router.child, 'stats');
      const subgraphStats = await ask(subgraph.child, 'stats');
      return Number(routerStats.subscriptions) === n && Number(subgraphStats.subscriptions) === Number(routerStats.upstreamSubscriptions);
    },
    120_000,
    `${n} subscriptions`,
  );
  const connectSeconds = (performance.now() - connectStart) / 1000;
  const after = await ask(router.child, 'memory');
  const afterMemory = after.memory as { rss: number; heapUsed: number };

  const token = await signTestToken(keys, { sub: randomUUID(), roles: ['ADMIN'] });
  await Promise.all([router, subgraph].map((c) => ask(c.child, 'profileStart')));
  const cpuBefore = await Promise.all([router, subgraph].map((c) => ask(c.child, 'cpu')));
  const publishStart = performance.now();
  for (let e = 0; e < events; e++) {
    const sentAt = performance.timeOrigin + performance.now();
    const res = await gql(routerUrl, 'mutation($text: String!, $sentAt: Float) { postNotice(text: $text, sentAt: $sentAt) { id } }', {
      variables: { text: String(e), sentAt },
      token,
    });
    if (res.body.errors) throw new Error(JSON.stringify(res.body.errors));
    await waitFor(() => received[e] === n, 30_000, `event ${e} to reach ${n} clients`).catch((error: Error) => console.error(error.message));
    await new Promise((r) => setTimeout(r, 50));
  }
  const publishSeconds = (performance.now() - publishStart) / 1000;
  const cpuAfter = await Promise.all([router, subgraph].map((c) => ask(c.child, 'cpu')));
  await Promise.all([router, subgraph].map((c) => ask(c.child, 'profileStop')));
  const cpuMs = (i: number) => (Number(cpuAfter[i]!.user) + Number(cpuAfter[i]!.system) - Number(cpuBefore[i]!.user) - Number(cpuBefore[i]!.system)) / 1000;

  // The first event warms up the paths (JIT, plan cache); it is reported apart.
  const steady = latencies.slice(1).flat().sort((a, b) => a - b);
  const first = [...latencies[0]!].sort((a, b) => a - b);
  const delivered = received.reduce((a, b) => a + b, 0);
  const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);
  const result = {
    scenario,
    subscribers: n,
    events,
    delivered: `${delivered}/${n * events}`,
    failedSubscriptions: failed,
    p50Ms: percentile(steady, 50).toFixed(1),
    p99Ms: percentile(steady, 99).toFixed(1),
    maxMs: (steady[steady.length - 1] ?? NaN).toFixed(1),
    firstEventP99Ms: percentile(first, 99).toFixed(1),
    routerRssMb: `${mb(before.rss)} → ${mb(afterMemory.rss)}`,
    routerHeapMb: `${mb(before.heapUsed)} → ${mb(afterMemory.heapUsed)}`,
    rssPerSubscriberKb: ((afterMemory.rss - before.rss) / n / 1024).toFixed(1),
    heapPerSubscriberKb: ((afterMemory.heapUsed - before.heapUsed) / n / 1024).toFixed(1),
    upstreamSubscriptions: after.upstreamSubscriptions,
    upstreamConnections: after.upstreamConnections,
    // CPU time over the publishing phase (all events) per event delivered to one client.
    routerCpuUsPerDelivery: ((cpuMs(0) * 1000) / Math.max(1, delivered)).toFixed(1),
    subgraphCpuUsPerDelivery: ((cpuMs(1) * 1000) / Math.max(1, delivered)).toFixed(1),
    loadAverage: os.loadavg()[0]!.toFixed(1),
    connectSeconds: connectSeconds.toFixed(1),
    publishSeconds: publishSeconds.toFixed(1),
  };
  console.log(JSON.stringify(result));

  await Promise.all(clients.map((c) => c.dispose()));
  await stopAll([router.child, subgraph.child]);
  return result;
}

async function main() {
  const hold = Number(process.env.FANOUT_HOLD ?? (process.argv[2] === 'hold' ? (process.argv[3] ?? 10_000) : 0));
  const args = process.argv[2] === 'hold' ? [] : process.argv.slice(2);
  const sizes = hold ? [hold] : args[0] ? [Number(args[0])] : [1000];
  const events = Number(args[1] ?? (hold ? 5 : 20));
  const scenarios: Scenario[] = hold ? ['per-user'] : args[2] ? [args[2] as Scenario] : ['shared', 'per-user'];
  console.log(`fan-out: ${sizes.join(', ')} subscribers × ${scenarios.join(', ')}, ${events} events each (router and subgraph in child processes)`);
  const results = [];
  for (const scenario of scenarios) for (const n of sizes) results.push(await runOnce(n, events, scenario));
  console.table(results);
  for (const r of results.filter((x) => x.subscribers === 1000)) {
    console.log(`target (${r.scenario}): 1000 subscribers p99 < 100 ms → ${Number(r.p99Ms) < 100 ? 'met' : 'NOT met'} (p99 ${r.p99Ms} ms, load average ${r.loadAverage})`);
  }
  for (const r of results.filter((x) => x.subscribers >= 10_000)) {
    console.log(`held: ${r.subscribers} signed-in users on one router, ${r.rssPerSubscriberKb} KiB RSS / ${r.heapPerSubscriberKb} KiB heap per subscriber, ${r.upstreamConnections} upstream connections`);
  }
}

const entry = role === 'subgraph' ? runSubgraph : role === 'router' ? runRouter : main;
entry().catch((error: unknown) => {
  console.error(error);
  killAll();
  process.exit(1);
});
