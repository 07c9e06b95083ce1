// `me` latency through the router: what checking the token revocation list costs on every request (the
// router and identity each verify the token; each check is one Redis MGET at most once a second per
// session, else a local cache hit). Identity and the router in-process on the real Postgres and Redis.
//   npx tsx scripts/bench/me-latency.ts [requests=2000] [sessions=20]
// Reports p50/p95/p99 for one session (cache hits) and for requests spread over many sessions with a
// pause longer than the cache lifetime between rounds (so every first request of a round misses).
import { performance } from 'node:perf_hooks';
import { gql } from '../../router/src/testing/harness.ts';
import { seedUser, signIn, startIdentityStack } from '../../subgraphs/identity/src/testing/stack.ts';

const requests = Number(process.argv[2] ?? 2000);
const sessions = Number(process.argv[3] ?? 20);
const PASSWORD = 'Latency-Horse-77';

function percentiles(samples: number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!.toFixed(2);
  return { n: sorted.length, p50: at(50), p95: at(95), p99: at(99) };
}

async function timeMe(url: string, token: string): Promise<number> {
  const started = performance.now();
  const res = await gql(url, '{ me { id } }', { token });
  if (res.body.errors) throw new Error(JSON.stringify(res.body.errors));
  return performance.now() - started;
}

/** The check alone: a cache hit, and a miss (one Redis MGET), in microseconds. */
async function checkCost() {
  const { createRevocationList } = await import('@clinic/service-kit');
  const list = createRevocationList(process.env.REDIS_URL || 'redis://127.0.0.1:6379', { name: 'bench' });
  try {
    const token = (i: number) => ({ kind: 'user' as const, subject: `bench-user-${i}`, sessionId: `bench-session-${i}`, issuedAt: Math.floor(Date.now() / 1000) });
    const time = async (n: number, pick: (i: number) => ReturnType<typeof token>) => {
      const samples: number[] = [];
      for (let i = 0; i < n; i++) {
        const started = performance.now();
        await list.isRevoked(pick(i));
        samples.push((performance.now() - started) * 1000);
      }
      return percentiles(samples);
    };
    await list.isRevoked(token(0));
    process.stdout.write(`revocation check, cache hit (µs):  ${JSON.stringify(await time(10_000, () => token(0)))}\n`);
    process.stdout.write(`revocation check, cache miss (µs): ${JSON.stringify(await time(2_000, (i) => token(i + 1)))}\n`);
  } finally {
    await list.close();
  }
}

async function main() {
  const s = await startIdentityStack([], {}, { ...process.env, LOG_LEVEL: 'silent' });
  try {
    await seedUser(s, 'bench@latency.test', PASSWORD, ['PATIENT']);
    const tokens: string[] = [];
    for (let i = 0; i < sessions; i++) tokens.push((await signIn(s, 'bench@latency.test', PASSWORD)).accessToken);
    for (let i = 0; i < 200; i++) await timeMe(s.url, tokens[0]!); // warm-up

    const one: number[] = [];
    for (let i = 0; i < requests; i++) one.push(await timeMe(s.url, tokens[0]!));

    const spread: number[] = [];
    const rounds = Math.max(1, Math.floor(requests / sessions / 10));
    for (let r = 0; r < rounds; r++) {
      await new Promise((done) => setTimeout(done, 1_100)); // past the revocation cache lifetime
      for (let k = 0; k < 10; k++) for (const token of tokens) spread.push(await timeMe(s.url, token));
    }
    process.stdout.write(`me, one session (ms):      ${JSON.stringify(percentiles(one))}\n`);
    await checkCost();
    process.stdout.write(`me, ${sessions} sessions, cold rounds (ms): ${JSON.stringify(percentiles(spread))}\n`);
  } finally {
    await s.stop();
  }
}

void main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${String(error)}\n`);
    process.exit(1);
  },
);
