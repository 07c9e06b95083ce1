// The router checks a token's signature once and remembers it (service-kit's rememberVerified): repeated
// requests with one token cost no second signature check, callers with different rights alternating on
// the same operation each keep their own rights, and a remembered token whose session is revoked is
// refused at the edge within the revocation list's one-second bound.
import { randomUUID } from 'node:crypto';
import { createTestKeys, signTestToken, TEST_REDIS_URL, type TestKeys } from '@clinic/service-kit/testing';
import { createRevocationList, tokenVerifierStats } from '@clinic/service-kit';
import { greetingsSubgraph } from './testing/greetings-subgraph.ts';
import { gql, startStack, type Stack } from './testing/harness.ts';

let keys: TestKeys;
let stack: Stack;

beforeAll(async () => {
  keys = await createTestKeys();
  stack = await startStack(keys, [greetingsSubgraph]);
});

afterAll(async () => {
  await stack?.stop();
});

test('repeated requests with one token check its signature once at the edge', async () => {
  const token = await signTestToken(keys, { sub: randomUUID(), roles: ['PATIENT'] });
  expect((await gql(stack.router.url, '{ __typename }', { token })).status).toBe(200);
  const before = tokenVerifierStats.signatureChecks;
  for (let i = 0; i < 5; i++) expect((await gql(stack.router.url, '{ __typename }', { token })).status).toBe(200);
  expect(tokenVerifierStats.signatureChecks).toBe(before);
});

test('callers with different rights alternating on one operation each keep their own rights', async () => {
  const holder = await signTestToken(keys, { sub: randomUUID(), permissions: ['greetings:secret'] });
  const other = await signTestToken(keys, { sub: randomUUID(), permissions: [] });
  const query = 'query($ids: [ID!]!) { greetings(userIds: $ids) { text secret } }';
  const variables = { ids: [randomUUID()] };
  for (let round = 0; round < 3; round++) {
    const allowed = await gql<{ greetings: { secret: string | null }[] }>(stack.router.url, query, { token: holder, variables });
    expect(allowed.body.errors).toBeUndefined();
    expect(allowed.body.data?.greetings[0]?.secret).toBe('the secret');
    const refused = await gql<{ greetings: { secret: string | null }[] }>(stack.router.url, query, { token: other, variables });
    expect(refused.body.data?.greetings[0]?.secret).toBeNull();
    expect(refused.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const anonymous = await gql(stack.router.url, query, { variables });
    expect(anonymous.body.data).toEqual({ greetings: [{ text: expect.any(String), secret: null }] });
    expect(anonymous.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  }
});

test('a remembered token whose session is revoked is refused within a second and a half', async () => {
  const sessionId = randomUUID();
  const token = await signTestToken(keys, { sub: randomUUID(), roles: ['PATIENT'], extra: { sid: sessionId } });
  for (let i = 0; i < 2; i++) expect((await gql(stack.router.url, '{ __typename }', { token })).status).toBe(200);
  const list = createRevocationList(TEST_REDIS_URL, { name: 'edge-tokens-test' });
  try {
    await list.revoke([{ kind: 'session', sessionId }]);
    const revokedAt = Date.now();
    let status = 200;
    while (status === 200 && Date.now() - revokedAt < 3_000) {
      status = (await gql(stack.router.url, '{ __typename }', { token })).status;
      if (status === 200) await new Promise((r) => setTimeout(r, 50));
    }
    expect(status).toBe(401);
    expect(Date.now() - revokedAt).toBeLessThan(1_500);
  } finally {
    await list.close();
  }
});
