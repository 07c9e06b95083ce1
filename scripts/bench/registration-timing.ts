// Registration answers alike for a new and an already registered address: does its timing tell them
// apart? Identity behind the router, in-process on the real Postgres and Redis; registrations alternate
// between new addresses and one existing account, each from its own client address (no per-client
// queueing), and the two latency distributions are compared.
//   npx tsx scripts/bench/registration-timing.ts [pairs=40]
import { performance } from 'node:perf_hooks';
import { gql } from '../../router/src/testing/harness.ts';
import { seedUser, startIdentityStack } from '../../subgraphs/identity/src/testing/stack.ts';

const pairs = Number(process.argv[2] ?? 40);
const PASSWORD = 'Timing-Horse-77';
const REGISTER = `mutation($input: RegisterPatientInput!) { registerPatient(input: $input) { email } }`;

function percentiles(samples: number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!.toFixed(1);
  return { n: sorted.length, p10: at(10), p50: at(50), p90: at(90) };
}

async function main() {
  const s = await startIdentityStack([], {}, { ...process.env, LOG_LEVEL: 'silent' });
  try {
    await seedUser(s, 'taken@timing.test', PASSWORD, ['PATIENT']);
    let ip = 1;
    const time = async (email: string) => {
      const started = performance.now();
      const res = await gql(s.url, REGISTER, { variables: { input: { email, password: PASSWORD, displayName: 'Tim Ing' } }, headers: { 'x-forwarded-for': `10.66.${Math.floor(ip / 250)}.${(ip++ % 250) + 1}` } });
      if (res.body.errors) throw new Error(JSON.stringify(res.body.errors));
      return performance.now() - started;
    };
    for (let i = 0; i < 5; i++) await time(`warm-${i}-${Date.now()}@timing.test`); // warm-up
    const fresh: number[] = [];
    const existing: number[] = [];
    for (let i = 0; i < pairs; i++) {
      fresh.push(await time(`new-${i}-${Date.now()}@timing.test`));
      existing.push(await time('taken@timing.test'));
    }
    process.stdout.write(`registerPatient, new address (ms):      ${JSON.stringify(percentiles(fresh))}\n`);
    process.stdout.write(`registerPatient, existing address (ms): ${JSON.stringify(percentiles(existing))}\n`);
  } finally {
    await s.stop();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  },
);
