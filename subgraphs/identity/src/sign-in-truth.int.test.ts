// What the sign-in and registration screens need to tell the truth, through the router: whether
// Microsoft sign-in exists here (it does not without Azure AD settings), and a stable reason beside each
// refusal — a wrong password is WRONG_CREDENTIALS (not an ended session), a staff address created twice
// is EMAIL_TAKEN (patients' registration answers alike either way), a deactivated account is DEACTIVATED.
import { startIdentityStack, seedUser, signIn, gql, SIGN_IN, type IdentityStack } from './testing/stack.ts';

let s: IdentityStack;
const PASSWORD = 'Correct-Horse-9';

beforeAll(async () => {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('AZURE_AD_')));
  s = await startIdentityStack([], {}, env);
});

afterAll(async () => {
  await s?.stop();
});

const first = (res: { body: { errors?: { extensions?: Record<string, unknown> }[] } }) => res.body.errors?.[0]?.extensions ?? {};

test('without Azure AD settings the sign-in page is told there is no Microsoft sign-in (public query)', async () => {
  const res = await gql<{ signInOptions: { password: boolean; microsoft: boolean } }>(s.url, '{ signInOptions { password microsoft } }');
  expect(res.body.data?.signInOptions).toEqual({ password: true, microsoft: false });
});

test('a wrong password and an unknown address are WRONG_CREDENTIALS', async () => {
  await seedUser(s, 'known@example.test', PASSWORD, ['PATIENT']);
  for (const [email, password] of [['known@example.test', 'Wrong-Horse-9'], ['nobody@example.test', PASSWORD]]) {
    const res = await gql(s.url, SIGN_IN, { variables: { email, password } });
    expect(first(res)).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'WRONG_CREDENTIALS' });
  }
});

test('a staff account created again is EMAIL_TAKEN (an admin may know; registration answers alike, see registration.int.test.ts)', async () => {
  await seedUser(s, 'admin@example.test', PASSWORD, ['ADMIN']);
  const admin = await signIn(s, 'admin@example.test', PASSWORD);
  const CREATE = `mutation($input: CreateStaffInput!) { createStaffUser(input: $input) { id } }`;
  const staff = { email: 'dr.once@example.test', displayName: 'Dr Once', roles: ['DOCTOR'], password: PASSWORD };
  expect((await gql(s.url, CREATE, { token: admin.accessToken, variables: { input: staff } })).body.errors).toBeUndefined();
  expect(first(await gql(s.url, CREATE, { token: admin.accessToken, variables: { input: staff } }))).toMatchObject({ code: 'CONFLICT', reason: 'EMAIL_TAKEN' });
  const users = await gql<{ users: { id: string }[] }>(s.url, `{ users(search: "dr.once") { id } }`, { token: admin.accessToken });
  expect(users.body.data?.users).toHaveLength(1);
});

test('a deactivated account is told DEACTIVATED, not a missing permission', async () => {
  const id = await seedUser(s, 'gone@example.test', PASSWORD, ['PATIENT']);
  await seedUser(s, 'admin2@example.test', PASSWORD, ['ADMIN']);
  const admin = await signIn(s, 'admin2@example.test', PASSWORD);
  await gql(s.url, `mutation($id: ID!) { deactivateUser(userId: $id) { id } }`, { token: admin.accessToken, variables: { id } });
  expect(first(await gql(s.url, SIGN_IN, { variables: { email: 'gone@example.test', password: PASSWORD } }))).toMatchObject({ code: 'FORBIDDEN', reason: 'DEACTIVATED' });
});
