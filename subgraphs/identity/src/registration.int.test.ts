// Registration that does not reveal whether an address has an account, through the router: a new and an
// existing address get the same answer (nobody is signed in), differing only in the mail the address
// receives; the single-use, expiring link activates the account and signs in; an unverified account
// cannot sign in (EMAIL_NOT_VERIFIED) and may ask for the link again, which answers alike for any address.
import { registerVerifiedPatient, verificationToken } from '@clinic/service-kit/testing';
import { startIdentityStack, seedUser, signIn, gql, identityEm, readDevInbox, SIGN_IN, type IdentityStack } from './testing/stack.ts';
import { query } from './db.ts';

let s: IdentityStack;
let adminToken: string;
const PASSWORD = 'Correct-Horse-9';
let nextIp = 1;
const newClient = () => ({ 'x-forwarded-for': `10.78.${nextIp++}.1` });

const REGISTER = `mutation($input: RegisterPatientInput!) { registerPatient(input: $input) { email } }`;
const VERIFY = `mutation($t: String!) { verifyEmail(token: $t) { accessToken user { id email } } }`;
const RESEND = `mutation($e: String!) { resendVerificationEmail(email: $e) { email } }`;
const first = (res: { body: { errors?: { extensions?: Record<string, unknown> }[] } }) => res.body.errors?.[0]?.extensions ?? {};
const register = (email: string, password = PASSWORD) =>
  gql(s.url, REGISTER, { variables: { input: { email, password, displayName: 'Pat Ient' } }, headers: newClient() });
/** The answer with the address itself blanked, so two answers about different addresses compare. */
const shape = (res: Awaited<ReturnType<typeof gql>>, email: string) => ({ status: res.status, body: JSON.stringify(res.body).split(email).join('<email>') });
const mailTo = async (email: string) => (await readDevInbox(s, adminToken)).filter((m) => m.to === email);

beforeAll(async () => {
  s = await startIdentityStack();
  await seedUser(s, 'admin@reg.test', PASSWORD, ['ADMIN']);
  adminToken = (await signIn(s, 'admin@reg.test', PASSWORD)).accessToken;
});

afterAll(async () => {
  await s?.stop();
});

test('a new and an existing address get the same answer; only the mail differs', async () => {
  await seedUser(s, 'taken@reg.test', PASSWORD, ['PATIENT']);
  const existing = await register('taken@reg.test', 'Another-Pass-77');
  const fresh = await register('fresh@reg.test');
  expect(shape(existing, 'taken@reg.test')).toEqual(shape(fresh, 'fresh@reg.test'));
  expect(fresh.body).toEqual({ data: { registerPatient: { email: 'fresh@reg.test' } } });

  expect((await mailTo('taken@reg.test')).map((m) => m.subject)).toEqual(['You already have an account']);
  const [verify] = await mailTo('fresh@reg.test');
  expect(verify?.link).toMatch(/\/verify-email\?token=/);
  // The existing account's password did not change.
  await signIn(s, 'taken@reg.test', PASSWORD);
});

test('an unverified account cannot sign in (EMAIL_NOT_VERIFIED); a wrong password says nothing about it', async () => {
  await register('waiting@reg.test');
  const right = await gql(s.url, SIGN_IN, { variables: { email: 'waiting@reg.test', password: PASSWORD }, headers: newClient() });
  expect(right.body.data).toBeNull();
  expect(first(right)).toMatchObject({ code: 'FORBIDDEN', reason: 'EMAIL_NOT_VERIFIED' });
  const wrong = await gql(s.url, SIGN_IN, { variables: { email: 'waiting@reg.test', password: 'Wrong-Horse-9' }, headers: newClient() });
  expect(first(wrong)).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'WRONG_CREDENTIALS' });
});

test('the link verifies and signs in once; a used or expired link is refused', async () => {
  await register('ada@reg.test');
  const token = await verificationToken(s.url, 'ada@reg.test', adminToken);
  const verified = await gql<{ verifyEmail: { accessToken: string; user: { email: string } } }>(s.url, VERIFY, { variables: { t: token } });
  expect(verified.body.errors).toBeUndefined();
  expect(verified.body.data?.verifyEmail.user.email).toBe('ada@reg.test');
  const me = await gql<{ me: { email: string } }>(s.url, '{ me { email } }', { token: verified.body.data!.verifyEmail.accessToken });
  expect(me.body.data?.me.email).toBe('ada@reg.test');
  await signIn(s, 'ada@reg.test', PASSWORD);
  expect(first(await gql(s.url, VERIFY, { variables: { t: token } }))).toMatchObject({ code: 'BAD_USER_INPUT', field: 'token' });

  await register('late@reg.test');
  const late = await verificationToken(s.url, 'late@reg.test', adminToken);
  await query(identityEm(s), `update email_verifications set expires_at = now() - interval '1 minute' where user_id = (select id from users where email = 'late@reg.test')`);
  expect(first(await gql(s.url, VERIFY, { variables: { t: late } }))).toMatchObject({ code: 'BAD_USER_INPUT', field: 'token' });
});

test('resending answers alike for unknown, verified and unverified addresses, and is limited per address', async () => {
  await register('again@reg.test');
  const answers = [];
  for (const email of ['again@reg.test', 'nobody@reg.test', 'admin@reg.test']) {
    answers.push(shape(await gql(s.url, RESEND, { variables: { e: email }, headers: newClient() }), email));
  }
  expect(new Set(answers.map((a) => JSON.stringify(a))).size).toBe(1);
  for (let i = 0; i < 4; i++) await gql(s.url, RESEND, { variables: { e: 'again@reg.test' }, headers: newClient() });
  expect(await mailTo('again@reg.test')).toHaveLength(3); // the hourly budget of mails an address may trigger
  expect(await mailTo('nobody@reg.test')).toHaveLength(0);
  // Any of the links works; afterwards none does.
  const token = await verificationToken(s.url, 'again@reg.test', adminToken);
  expect((await gql(s.url, VERIFY, { variables: { t: token } })).body.errors).toBeUndefined();
});

test('registering an unverified address again: the link activates the password of the registration that sent it', async () => {
  await register('contested@reg.test', 'Squatter-Pass-11');
  await register('contested@reg.test', 'Owner-Pass-22');
  const token = await verificationToken(s.url, 'contested@reg.test', adminToken); // the newest: the owner's
  expect((await gql(s.url, VERIFY, { variables: { t: token } })).body.errors).toBeUndefined();
  await signIn(s, 'contested@reg.test', 'Owner-Pass-22');
  const squatter = await gql(s.url, SIGN_IN, { variables: { email: 'contested@reg.test', password: 'Squatter-Pass-11' }, headers: newClient() });
  expect(first(squatter)).toMatchObject({ code: 'UNAUTHENTICATED' });
});

test('the shared helper registers and verifies a patient', async () => {
  const p = await registerVerifiedPatient(s.url, { email: 'helper@reg.test', password: PASSWORD, displayName: 'Helper' }, adminToken);
  const me = await gql<{ me: { id: string; roles: string[] } }>(s.url, '{ me { id roles } }', { token: p.accessToken });
  expect(me.body.data?.me).toEqual({ id: p.userId, roles: ['PATIENT'] });
});
