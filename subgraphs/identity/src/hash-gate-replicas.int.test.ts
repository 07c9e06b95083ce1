// Identity counts each client's password-hash work in the Redis every replica shares: when the client's
// bound is already taken up by hashes in flight on other replicas (entries another replica wrote), this
// replica refuses the client's sign-in at once, serves other clients, and serves the client again once
// those hashes end. (The gate itself, two replicas against each other: domain/hash-gate-cluster.int.test.ts.)
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { TEST_REDIS_URL } from '@clinic/service-kit/testing';
import { startIdentityStack, seedUser, gql, SIGN_IN, type IdentityStack } from './testing/stack.ts';

let s: IdentityStack;
let redis: Redis;
const prefix = `test-${randomUUID()}-`;
const PASSWORD = 'Correct-Horse-9';

beforeAll(async () => {
  s = await startIdentityStack([], {}, { ...process.env, QUEUE_PREFIX: prefix });
  redis = new Redis(TEST_REDIS_URL);
  await seedUser(s, 'busy@replicas.test', PASSWORD, ['PATIENT']);
});

afterAll(async () => {
  await redis?.del(`${prefix}hashgate:ip:10.99.0.1`);
  redis?.disconnect();
  await s?.stop();
});

const signInFrom = (ip: string) => gql<{ signIn: { status: string } }>(s.url, SIGN_IN, { variables: { email: 'busy@replicas.test', password: PASSWORD }, headers: { 'x-forwarded-for': ip } });

test("a client whose bound is taken on other replicas is refused here; others are not; it is served once they finish", async () => {
  const key = `${prefix}hashgate:ip:10.99.0.1`;
  // Five hashes of this client in flight elsewhere (1 running + 4 queued: the per-client bound).
  for (let i = 0; i < 5; i++) await redis.zadd(key, Date.now(), `other-replica-${i}`);
  const refused = await signInFrom('10.99.0.1');
  expect(refused.body.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
  expect((await signInFrom('10.99.0.2')).body.data?.signIn.status).toBe('SIGNED_IN');
  await redis.del(key);
  expect((await signInFrom('10.99.0.1')).body.data?.signIn.status).toBe('SIGNED_IN');
  expect(await redis.zcard(key)).toBe(0); // its own slot was given back
});
