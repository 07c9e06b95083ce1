// Chat benchmark (`npm run bench -- chat`): N users connected over graphql-ws, in N/2 one-to-one
// conversations (a doctor and a patient each), spread over two routers in front of two chat replicas
// (round robin; live messages fan out through the real Redis, so a message sent through one replica
// reaches subscribers served by the other). Every user subscribes to `messageAdded` of their
// conversation; then M messages per second for D seconds, each sent through a router by one member of
// a random conversation, after a warm-up of the same load (CHAT_BENCH_WARMUP_S, default 5 s; 0 for none) whose
// deliveries are printed apart. Reports end-to-end delivery (send → the other member's socket) p50/p99/max,
// what was delivered, memory per connected socket in the routers and in the chat replicas, and CPU time per
// message in each router and replica (what a shared machine's load does not distort much).
// Routers and replicas each run in their own child process (this file, forked with a role), so their
// memory is their own; clients and senders run here. Real Postgres (a throwaway schema both replicas
// share) and Redis from DATABASE_URL / REDIS_URL; loopback only.
//   npx tsx scripts/bench/chat.ts [N=200] [M=20] [D=20]      # defaults finish in about a minute
//   npx tsx scripts/bench/chat.ts 1000 200 30                 # the 1 000 users, 200 msg/s
import { randomBytes, randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { ChildProcess } from 'node:child_process';
import http from 'node:http';
import { answerParent, ask, childProcesses, cpuMs, memory, phaseProfiler, post, roleOf, stopAll, tell as send } from './children.ts';

const role = roleOf('CHAT_BENCH_ROLE');

async function runChat() {
  const { everyIdIsAnAccount, startSubgraph } = await import('@clinic/service-kit');
  const { testServiceConfig } = await import('@clinic/service-kit/testing');
  const { createChatSubgraph } = await import('@clinic/chat');
  const env = process.env;
  // No identity in the bench: its users are tokens only, each one an account.
  const definition = createChatSubgraph({ kek: Buffer.from(env.CHAT_BENCH_KEK!, 'base64'), queuePrefix: env.CHAT_BENCH_PREFIX, env: { NODE_ENV: 'test' }, accounts: everyIdIsAnAccount });
  const config = testServiceConfig('chat', { jwksJson: env.JWKS_JSON! } as never, { LOG_LEVEL: 'warn', DB_SCHEMA: env.CHAT_BENCH_SCHEMA, DB_POOL_MAX: '20' });
  const subgraph = await startSubgraph(definition, config);
  send({ type: 'ready', url: subgraph.url });
  answerParent(
    {
      stats: () => ({ type: 'stats', ...subgraph.subscriptionStats(), memory: memory() }),
      cpu: async () => ({ type: 'cpu', ms: cpuMs(), postgres: await postgresCpu(subgraph.orm) }),
      ...phaseProfiler(profileDir, `chat-${process.pid}`),
    },
    () => subgraph.stop(),
  );
}

/**
 * CPU time (ms) of each Postgres backend serving this replica's pool, by pid: found by the pool's local ports in
 * pg_stat_activity, read from /proc (Postgres runs on this machine in the bench).
 */
async function postgresCpu(orm: import('@mikro-orm/core').MikroORM): Promise<Record<string, number>> {
  const { readFileSync } = await import('node:fs');
  type Resource = { resource?: { connection?: { stream?: { localPort?: number } } } };
  const pool = (orm.em.getConnection() as unknown as { getKnex(): { client: { pool: { used: Resource[]; free: Resource[] } } } }).getKnex().client.pool;
  const ports = [...pool.used, ...pool.free].map((r) => r.resource?.connection?.stream?.localPort).filter((p): p is number => !!p);
  const rows = await orm.em.getConnection().execute<{ pid: number }[]>(`select pid from pg_stat_activity where client_port = any(?::int[])`, [`{${ports.join(',')}}`]);
  const ticks: Record<string, number> = {};
  for (const { pid } of rows) {
    try {
      // utime and stime, fields 14 and 15 (after the parenthesised command name), in clock ticks of 10 ms.
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      ticks[pid] = (Number(fields[11]) + Number(fields[12])) * 10;
    } catch {
      // The backend ended meanwhile.
    }
  }
  return ticks;
}

async function runRouter() {
  const { startTestRouter } = await import('../../router/src/testing/harness.ts');
  const router = await startTestRouter({ jwksJson: process.env.JWKS_JSON! } as never, process.env.CHAT_BENCH_SUPERGRAPH!, {
    SUBGRAPH_CHAT_URL: process.env.CHAT_BENCH_REPLICAS,
    // The product's per-user limit (the harness lifts it for tests): each bench user is its own client, as real
    // users are, so the limit applies per user and the load stays far below it.
    RATE_LIMIT_POINTS: '600',
    LOG_LEVEL: 'warn',
  });
  send({ type: 'ready', url: router.url });
  answerParent(
    { stats: () => ({ type: 'stats', ...router.subscriptions.stats(), memory: memory() }), cpu: () => ({ type: 'cpu', ms: cpuMs() }), ...phaseProfiler(profileDir, `router-${process.pid}`) },
    () => router.stop(),
  );
}

// CHAT_BENCH_CPU_PROF=<dir> writes a .cpuprofile of the sending phase per router, replica and of the bench's own clients (open in Chrome DevTools).
const profileDir = process.env.CHAT_BENCH_CPU_PROF;
const { start: startChild, killAll } = childProcesses(__filename, 'CHAT_BENCH_ROLE');

const percentile = (sorted: number[], p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]! : NaN);
const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor(check: () => Promise<boolean> | boolean, timeoutMs: number, what: string) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

type Memory = { rss: number; heapUsed: number };
const total = async (procs: ChildProcess[]) => {
  const stats = await Promise.all(procs.map((p) => ask(p, 'stats')));
  return {
    subscriptions: stats.reduce((n, s) => n + Number(s.subscriptions), 0),
    rss: stats.reduce((n, s) => n + (s.memory as Memory).rss, 0),
    heapUsed: stats.reduce((n, s) => n + (s.memory as Memory).heapUsed, 0),
  };
};

const cpuOf = async (procs: ChildProcess[]) => (await Promise.all(procs.map((p) => ask(p, 'cpu')))).map((m) => Number(m.ms));
/** CPU ms by Postgres backend pid, of every replica's pool. */
const postgresOf = async (procs: ChildProcess[]) =>
  Object.assign({}, ...(await Promise.all(procs.map((p) => ask(p, 'cpu')))).map((m) => m.postgres as Record<string, number>)) as Record<string, number>;

async function main() {
  const users = Number(process.argv[2] ?? 200);
  const rate = Number(process.argv[3] ?? 20);
  const seconds = Number(process.argv[4] ?? 20);
  if (users < 2 || users % 2) throw new Error('N must be an even number ≥ 2');
  const { createTestKeys, dropSchema, signTestToken, uniqueSchema } = await import('@clinic/service-kit/testing');
  const { composeFor, gql } = await import('../../router/src/testing/harness.ts');
  const { connectWs } = await import('../../router/src/testing/ws.ts');
  const { createChatSubgraph } = await import('@clinic/chat');
  console.log(`chat: ${users} users in ${users / 2} conversations, 2 routers × 2 chat replicas, ${rate} msg/s for ${seconds} s`);

  const keys = await createTestKeys();
  const schema = uniqueSchema('chatbench');
  const shared = { JWKS_JSON: keys.jwksJson, CHAT_BENCH_SCHEMA: schema, CHAT_BENCH_KEK: randomBytes(32).toString('base64'), CHAT_BENCH_PREFIX: `bench${randomBytes(3).toString('hex')}-` };
  // One replica first (it migrates the shared schema), then the second.
  const chatA = await startChild('chat', shared);
  const chatB = await startChild('chat', shared);
  const replicas = [String(chatA.ready.url), String(chatB.ready.url)];
  const supergraph = composeFor([{ definition: createChatSubgraph({ kek: randomBytes(32), env: { NODE_ENV: 'test' } }), url: replicas[0]! }]);
  const routerEnv = { ...shared, CHAT_BENCH_SUPERGRAPH: supergraph, CHAT_BENCH_REPLICAS: replicas.join(',') };
  const routerA = await startChild('router', routerEnv);
  const routerB = await startChild('router', routerEnv);
  const routerUrls = [routerA, routerB].map((r) => String(r.ready.url).replace('localhost', '127.0.0.1'));
  const routers = [routerA.child, routerB.child];
  const chats = [chatA.child, chatB.child];

  // Doctors start one conversation each with a patient (staff may write to anyone).
  const ids = Array.from({ length: users }, () => randomUUID());
  const tokens = await Promise.all(ids.map((sub, i) => signTestToken(keys, { sub, roles: [i % 2 === 0 ? 'DOCTOR' : 'PATIENT'], expiresIn: '2h' })));
  const conversations: string[] = [];
  for (let c = 0; c < users / 2; c++) {
    const res = await gql<{ startConversation: { id: string } }>(routerUrls[c % 2]!, `mutation($i: StartConversationInput!) { startConversation(input: $i) { id } }`, {
      token: tokens[2 * c]!,
      variables: { i: { participantIds: [ids[2 * c + 1]] } },
    });
    if (!res.body.data) throw new Error(JSON.stringify(res.body.errors));
    conversations.push(res.body.data.startConversation.id);
  }

  // The sends are open-loop (a fixed rate, whatever the answers): an overloaded stack shows as latency.
  const beforeRouters = await total(routers);
  const beforeChats = await total(chats);
  const latencies: number[] = [];
  // The same split by when the message was sent: the first 5 s of load (cold code paths, pools and sockets
  // still growing) and the rest, so a tail that is only a start-up transient shows as one.
  const firstSeconds: number[] = [];
  const laterSeconds: number[] = [];
  let loadStart = Infinity;
  let delivered = 0;
  // The warm-up's deliveries (reported apart, never in the figures above).
  const warmLatencies: number[] = [];
  let failed = 0;
  const clients: ReturnType<typeof connectWs>[] = [];
  const connectStart = performance.now();
  for (let i = 0; i < users; i++) {
    const client = connectWs(routerUrls[i % 2]!, tokens[i]!, { lazy: false });
    clients.push(client);
    const me = ids[i]!;
    client.client.subscribe<{ messageAdded: { body: string; sender: { id: string } | null } }>(
      { query: `subscription($c: ID!) { messageAdded(conversationId: $c) { body sender { id } } }`, variables: { c: conversations[Math.floor(i / 2)] } },
      {
        next: (result) => {
          const message = result.data?.messageAdded;
          if (!message || message.sender?.id === me) return;
          const [phase, at] = message.body.split(' ');
          const sentAt = Number(at);
          const latency = performance.timeOrigin + performance.now() - sentAt;
          if (phase === 'warm') {
            warmLatencies.push(latency);
            return;
          }
          latencies.push(latency);
          (sentAt < performance.timeOrigin + loadStart + 5_000 ? firstSeconds : laterSeconds).push(latency);
          delivered += 1;
        },
        error: (error) => {
          failed += 1;
          if (failed <= 3) console.error('subscription failed:', JSON.stringify(error).slice(0, 200));
        },
        complete: () => {},
      },
    );
    // Connect in waves so the listen backlog never overflows.
    if (i % 100 === 99) await sleep(50);
  }
  // Every subscription is open at its router and at a chat replica (or refused: counted, not waited for).
  let open = { routers: 0, chats: 0 };
  await waitFor(
    async () => {
      open = { routers: (await total(routers)).subscriptions, chats: (await total(chats)).subscriptions };
      return open.routers + failed >= users && open.chats >= open.routers;
    },
    90_000,
    `${users} subscriptions`,
  ).catch((error: Error) => {
    // A machine too busy to open them all in time still gets measured: the missing ones are reported.
    console.error(`${error.message} (open at the routers: ${open.routers}, at the replicas: ${open.chats}, refused: ${failed}); going on without the rest`);
  });
  const notOpen = users - Math.min(open.routers, open.chats) - failed;
  const connectSeconds = (performance.now() - connectStart) / 1000;
  const afterRouters = await total(routers);
  const afterChats = await total(chats);

  // M messages per second, each from one member of a random conversation, through alternating routers.
  let sent = 0;
  let sendErrors = 0;
  const errorKinds = new Map<string, number>();
  const sendFailed = (what: string) => {
    sendErrors += 1;
    errorKinds.set(what, (errorKinds.get(what) ?? 0) + 1);
  };
  const inFlight = new Set<Promise<void>>();
  // Plain keep-alive HTTP (fetch cost the bench's own process more CPU per send than a router spends on it).
  const agent = new http.Agent({ keepAlive: true, scheduling: 'lifo' });
  const sendUrls = routerUrls.map((u) => new URL(u));
  const SEND = `mutation($i: SendMessageInput!) { sendMessage(input: $i) { id } }`;
  const everyone = [...routers, ...chats];
  /** `rate` messages a second for `secondsOf` seconds, open-loop; `phase` starts each body (the subscribers' split). */
  const sendLoad = async (secondsOf: number, phase: 'warm' | 'bench', onSent: () => void, from = performance.now()) => {
    const count = rate * secondsOf;
    for (let k = 0; k < count; k++) {
      const due = from + (k * 1000) / rate;
      const wait = due - performance.now();
      if (wait > 1) await sleep(wait);
      const c = Math.floor(Math.random() * conversations.length);
      const sender = 2 * c + (k % 2);
      const sentAt = performance.timeOrigin + performance.now();
      const body = JSON.stringify({ query: SEND, variables: { i: { conversationId: conversations[c], clientMessageId: randomUUID(), body: `${phase} ${sentAt}` } } });
      const request = post(sendUrls[k % 2]!, body, agent, { headers: { authorization: `Bearer ${tokens[sender]!}` }, read: true }).then(
        ({ status, text }) => {
          const answer = JSON.parse(text) as { errors?: { message: string; extensions?: { code?: string } }[] };
          if (answer.errors) sendFailed(`${status} ${String(answer.errors[0]?.extensions?.code)}: ${answer.errors[0]?.message.slice(0, 80)}`);
          else onSent();
        },
        (error: Error) => sendFailed(error.message.slice(0, 80)),
      );
      inFlight.add(request);
      void request.finally(() => inFlight.delete(request));
    }
    await Promise.all(inFlight);
  };
  // Warm-up (CHAT_BENCH_WARMUP_S, default 5; 0 for none): the same load for that long first, so compiled code,
  // pools and sockets are those of a running service; its deliveries are reported apart, and it is over (its
  // last deliveries in, or 30 s) before the idle rate and the measured phase start. Send errors of the warm-up count.
  const warmSeconds = Number(process.env.CHAT_BENCH_WARMUP_S ?? 5);
  let warmSent = 0;
  if (warmSeconds > 0) {
    await sendLoad(warmSeconds, 'warm', () => (warmSent += 1));
    await waitFor(() => warmLatencies.length >= warmSent, 30_000, 'the warm-up deliveries').catch((error: Error) => console.error(error.message));
  }
  const ownProfile = phaseProfiler(profileDir, `clients-${process.pid}`);
  await Promise.all([...everyone.map((p) => ask(p, 'profileStart')), ownProfile.profileStart!()]);
  // What the processes spend with nobody writing (keep-alives, presence leases, relay polls), per second.
  const idleStart = [await cpuOf(routers), await cpuOf(chats)];
  const idleFrom = performance.now();
  await sleep(3_000);
  const idleSeconds = (performance.now() - idleFrom) / 1000;
  const [startRouters, startChats] = [await cpuOf(routers), await cpuOf(chats)];
  const idlePerSecond = (end: number[], start: number[]) => end.map((ms, i) => (ms - start[i]!) / idleSeconds);
  // Only meaningful once every subscription is open (otherwise the stack is still busy opening them): else none.
  const idleOrNone = (xs: number[]) => (notOpen > 0 ? xs.map(() => 0) : xs);
  const [idleRouters, idleChats] = [idleOrNone(idlePerSecond(startRouters, idleStart[0]!)), idleOrNone(idlePerSecond(startChats, idleStart[1]!))];
  const postgresStart = await postgresOf(chats);
  const clientsStart = cpuMs();
  loadStart = performance.now();
  await sendLoad(seconds, 'bench', () => (sent += 1), loadStart);
  const loadSeconds = (performance.now() - loadStart) / 1000;
  await waitFor(() => delivered >= sent, 30_000, 'the last deliveries').catch((error: Error) => console.error(error.message));
  // CPU per message (load-independent, unlike latency on a shared machine): each process's CPU time over the
  // load phase (sends, fan-out, deliveries and the last deliveries' wait) less its idle rate, divided by the
  // messages that went the whole way (delivered to the other member).
  const [endRouters, endChats] = [await cpuOf(routers), await cpuOf(chats)];
  const busySeconds = (performance.now() - loadStart) / 1000;
  const clientsCpu = (cpuMs() - clientsStart) / Math.max(1, delivered);
  const postgresEnd = await postgresOf(chats);
  // Backends opened during the load count from zero; one that ended meanwhile is missed (the pool keeps them while busy).
  const postgresCpu = Object.entries(postgresEnd).reduce((n, [pid, ms]) => n + ms - (postgresStart[pid] ?? 0), 0) / Math.max(1, delivered);
  await Promise.all([...everyone.map((p) => ask(p, 'profileStop')), ownProfile.profileStop!()]);
  const perMessage = (end: number[], start: number[], idle: number[]) => end.map((ms, i) => (ms - start[i]! - idle[i]! * busySeconds) / Math.max(1, delivered));
  const [routerCpu, chatCpu] = [perMessage(endRouters, startRouters, idleRouters), perMessage(endChats, startChats, idleChats)];
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  const show = (xs: number[]) => xs.map((x) => x.toFixed(2)).join(' / ');

  latencies.sort((a, b) => a - b);
  const result = {
    users,
    conversations: conversations.length,
    targetRate: rate,
    achievedRate: (sent / loadSeconds).toFixed(1),
    sent,
    sendErrors,
    delivered: `${delivered}/${sent}`,
    failedSubscriptions: failed,
    subscriptionsNeverOpen: notOpen,
    p50Ms: percentile(latencies, 50).toFixed(1),
    p99Ms: percentile(latencies, 99).toFixed(1),
    maxMs: (latencies[latencies.length - 1] ?? NaN).toFixed(1),
    p99MsFirst5s: percentile(firstSeconds.sort((a, b) => a - b), 99).toFixed(1),
    p99MsAfter5s: percentile(laterSeconds.sort((a, b) => a - b), 99).toFixed(1),
    routerCpuMsPerMessage: show(routerCpu),
    chatCpuMsPerMessage: show(chatCpu),
    // The bench's own senders and 1 000 ws clients (one process): if this nears a core, the tail is theirs.
    clientCpuMsPerMessage: clientsCpu.toFixed(2),
    // The Postgres backends of both replicas' pools (idle not subtracted); Redis is shared and not counted.
    postgresCpuMsPerMessage: postgresCpu.toFixed(2),
    idleCpuMsPerSecond: `routers ${show(idleRouters)}, chat ${show(idleChats)}`,
    // Two quiet cores give 2 000 ms of CPU a second; the stack's processes alone (Postgres, Redis and the
    // clients not counted) could then carry this many messages a second.
    cpuBoundMsgPerSecond: ((2000 - sum(idleRouters) - sum(idleChats)) / (sum(routerCpu) + sum(chatCpu))).toFixed(0),
    connectSeconds: connectSeconds.toFixed(1),
    // Heap after a full GC is what a socket costs; RSS is shown whole (it also holds freed start-up memory).
    routersRssMb: mb(afterRouters.rss),
    routerHeapPerSocketKb: ((afterRouters.heapUsed - beforeRouters.heapUsed) / users / 1024).toFixed(1),
    chatRssMb: mb(afterChats.rss),
    chatHeapPerSocketKb: ((afterChats.heapUsed - beforeChats.heapUsed) / users / 1024).toFixed(1),
  };
  if (errorKinds.size) console.log('send errors:', Object.fromEntries(errorKinds));
  warmLatencies.sort((a, b) => a - b);
  console.log(
    warmSeconds > 0
      ? `warm-up (not in the figures below): ${warmSeconds} s at ${rate} msg/s first, delivered ${warmLatencies.length}/${warmSent}, p50 ${percentile(warmLatencies, 50).toFixed(1)} ms, p99 ${percentile(warmLatencies, 99).toFixed(1)} ms`
      : 'no warm-up (CHAT_BENCH_WARMUP_S=0): the figures below start from cold',
  );
  console.table(Object.entries(result).map(([k, v]) => ({ measure: k, value: v })));
  console.log(`target: p99 under 100 ms → ${Number(result.p99Ms) < 100 ? 'met' : 'NOT met'} (p99 ${result.p99Ms} ms at ${result.achievedRate} msg/s, ${users} users)`);

  agent.destroy();
  await Promise.all(clients.map((c) => c.dispose()));
  await stopAll([...routers, ...chats]);
  await dropSchema(schema);
}

const entry = role === 'chat' ? runChat : role === 'router' ? runRouter : main;
entry().catch((error: unknown) => {
  console.error(error);
  killAll();
  process.exit(1);
});
