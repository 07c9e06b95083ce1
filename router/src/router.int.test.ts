// The router in front of real subgraphs (identity + a fixture that references User), on the real Postgres/Redis.
import { createTestKeys, signTestToken, type TestKeys } from '@clinic/service-kit/testing';
import { identitySubgraph } from '@clinic/identity';
import { UserSchema } from '@clinic/identity/src/entities/user.ts';
import { greetingsSubgraph } from './testing/greetings-subgraph.ts';
import { gql, startStack, type Stack } from './testing/harness.ts';

let keys: TestKeys;
let stack: Stack;
const users: { id: string; email: string }[] = [];

beforeAll(async () => {
  keys = await createTestKeys();
  stack = await startStack(keys, [identitySubgraph, greetingsSubgraph]);
  const em = stack.subgraphs.identity!.orm.em.fork();
  for (let i = 0; i < 3; i++) {
    const user = em.create(UserSchema, { email: `person${i}@example.test`, displayName: `Person ${i}`, createdAt: new Date() });
    users.push(user);
  }
  await em.flush();
});

afterAll(async () => {
  await stack?.stop();
});

test('answers { __typename } through the router', async () => {
  const res = await gql(stack.router.url, '{ __typename }');
  expect(res.status).toBe(200);
  expect(res.body.data).toEqual({ __typename: 'Query' });
});

test('resolves a federated field: greetings (fixture subgraph) → User.email (identity)', async () => {
  const token = await signTestToken(keys, { sub: users[0]!.id, roles: ['ADMIN'] });
  const res = await gql<{ greetings: { text: string; user: { id: string; email: string } }[] }>(
    stack.router.url,
    'query($ids: [ID!]!) { greetings(userIds: $ids) { text user { id email } } }',
    { variables: { ids: users.map((u) => u.id) }, token },
  );
  expect(res.body.errors).toBeUndefined();
  expect(res.body.data?.greetings.map((g) => g.user.email)).toEqual(users.map((u) => u.email));
});

test('me returns the signed-in user, and UNAUTHENTICATED without a token', async () => {
  const token = await signTestToken(keys, { sub: users[1]!.id, roles: ['PATIENT'] });
  const signedIn = await gql<{ me: { email: string } }>(stack.router.url, '{ me { email } }', { token });
  expect(signedIn.body.data?.me.email).toBe(users[1]!.email);

  const anonymous = await gql(stack.router.url, '{ me { email } }');
  expect(anonymous.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
});

test('a patient cannot read another user by id', async () => {
  const token = await signTestToken(keys, { sub: users[1]!.id, roles: ['PATIENT'] });
  const res = await gql<{ user: unknown }>(stack.router.url, 'query($id: ID!) { user(id: $id) { email } }', {
    variables: { id: users[2]!.id },
    token,
  });
  expect(res.body.data?.user).toBeNull();
});

test('a bad token is refused at the edge with 401 UNAUTHENTICATED', async () => {
  const res = await gql(stack.router.url, '{ __typename }', { token: 'not.a.token' });
  expect(res.status).toBe(401);
  expect(res.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
});

test('forwards the request id to the subgraphs and back', async () => {
  const res = await gql(stack.router.url, '{ __typename }', { headers: { 'x-request-id': 'req-abc-123' } });
  expect(res.headers.get('x-request-id')).toBe('req-abc-123');
});

test('subgraphs refuse direct calls without the router secret', async () => {
  const res = await gql(stack.subgraphs.identity!.url, '{ __typename }');
  expect(res.status).toBe(403);
  expect(res.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
});

test('Accept */* and no Accept both get JSON; a client asking for graphql-response+json gets it', async () => {
  for (const accept of ['*/*', undefined]) {
    const res = await gql(stack.router.url, '{ __typename }', { headers: accept ? { accept } : {} });
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
  }
  const preferred = await gql(stack.router.url, '{ __typename }', { headers: { accept: 'application/graphql-response+json' } });
  expect(preferred.headers.get('content-type')).toBe('application/graphql-response+json; charset=utf-8');
});
