// identity's account mails reach people end to end: the real identity subgraph (its outbox relay) puts the
// events on our real queue, notifications sends them through the SendGrid SDK to the local stub, and the links
// in those e-mails work through the router. Sent whatever the preferences, once per event, in the recipient's
// language; the stored attempt keeps no link after the send.
import { randomBytes, randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import { IDENTITY_NOTIFICATIONS_QUEUE, type OutboxJob } from '@clinic/service-kit';
import { createTestKeys, TEST_REDIS_URL } from '@clinic/service-kit/testing';
import { startStack, type Stack } from '@clinic/router/src/testing/harness.ts';
import { createIdentitySubgraph } from '@clinic/identity';
import { query } from '@clinic/identity/src/db.ts';
import { SIGN_IN } from '@clinic/identity/src/testing/stack.ts';
import { createNotificationsSubgraph } from '../service.ts';
import { identityContacts, type ContactDirectory } from '../delivery/contacts.ts';
import { handleIdentityEvent } from './account-events.ts';
import { startStubProvider, type StubProvider } from '../testing/stub-providers.ts';
import { sql } from '../db.ts';
import { gql, testPolicy, until } from '../testing/harness.ts';

const queuePrefix = `m${randomBytes(4).toString('hex')}-`;
const PASSWORD = 'A-long-Passw0rd!';
let stack: Stack;
let sendgrid: StubProvider;
let directory: ContactDirectory | null = null;
// SendGrid's address is known once its stub listens (before the stack starts, when providers are made).
const env: Record<string, string> = { SENDGRID_API_KEY: 'SG.test-key' };
const notifications = createNotificationsSubgraph({
  env,
  queuePrefix,
  contacts: { contactOf: (id) => directory!.contactOf(id), staffIds: (role) => directory!.staffIds(role) },
  policy: testPolicy(),
  sweepIntervalMs: 3_600_000,
});

beforeAll(async () => {
  const keys = await createTestKeys();
  sendgrid = await startStubProvider('sendgrid');
  env.SENDGRID_API_URL = sendgrid.url;
  const identity = createIdentitySubgraph({
    signingKey: { kid: keys.kid, privateKey: keys.privateKey },
    queues: { audit: `${queuePrefix}audit`, doctors: `${queuePrefix}doctors`, care: `${queuePrefix}care`, notifications: queuePrefix + IDENTITY_NOTIFICATIONS_QUEUE },
  });
  stack = await startStack(keys, [identity, notifications]);
  directory = identityContacts(stack.subgraphs.identity!.url, 'test-router-secret');
});
afterAll(async () => {
  await stack?.stop();
  await sendgrid?.close();
});

interface Mail {
  to: string;
  subject: string;
  text: string;
  html: string;
  headers: Record<string, string>;
}

const mailsTo = (address: string): Mail[] =>
  sendgrid.requests
    .map((r) => JSON.parse(r.body) as { personalizations: { to: { email: string }[] }[]; subject: string; content: { type: string; value: string }[]; headers?: Record<string, string> })
    .filter((m) => m.personalizations[0]!.to[0]!.email === address)
    .map((m) => ({
      to: address,
      subject: m.subject,
      text: m.content.find((c) => c.type === 'text/plain')!.value,
      html: m.content.find((c) => c.type === 'text/html')!.value,
      headers: m.headers ?? {},
    }));

const mailCount = (address: string, n: number) => until(async () => (mailsTo(address).length >= n ? mailsTo(address) : null), 15_000, `${n} mail(s) to ${address}`);
const linkIn = (text: string, path: string) => new URL(text.match(new RegExp(`https?://\\S+${path}\\?token=\\S+`))![0]);
const nem = () => stack.subgraphs.notifications!.orm.em.fork();
const address = () => `m-${randomUUID().slice(0, 8)}@example.test`;

const REGISTER = 'mutation($i: RegisterPatientInput!) { registerPatient(input: $i) { email } }';
const VERIFY = 'mutation($t: String!) { verifyEmail(token: $t) { accessToken user { id email } } }';
const RESET = 'mutation($t: String!, $p: String!) { resetPassword(token: $t, newPassword: $p) }';
const register = (email: string) => gql(stack.router.url, REGISTER, { variables: { i: { email, displayName: 'Maria Ionescu', password: PASSWORD } } });

async function verifiedPatient(): Promise<{ email: string; id: string; token: string }> {
  const email = address();
  await register(email);
  const [mail] = await mailCount(email, 1);
  const res = await gql<{ verifyEmail: { accessToken: string; user: { id: string } } }>(stack.router.url, VERIFY, { variables: { t: linkIn(mail!.text, '/verify-email').searchParams.get('token') } });
  return { email, id: res.body.data!.verifyEmail.user.id, token: res.body.data!.verifyEmail.accessToken };
}

test('registering a new address: one e-mail (Romanian by default) whose link verifies the account; no link kept', async () => {
  const email = address();
  expect((await register(email)).body.errors).toBeUndefined();
  const [mail] = await mailCount(email, 1);
  expect(mail!.subject).toBe('Confirmați adresa de e-mail');
  expect(mail!.text).toContain('Bună ziua, Maria Ionescu');
  const link = linkIn(mail!.text, '/verify-email');
  expect(mail!.html).toContain(`href="${link.origin}/verify-email?token&#x3D;${link.searchParams.get('token')}"`);
  // transactional: no unsubscribe header or footer
  expect(mail!.headers['List-Unsubscribe']).toBeUndefined();
  expect(mail!.html).not.toContain('Dezabonare');
  const verified = await gql<{ verifyEmail: { user: { email: string } } }>(stack.router.url, VERIFY, { variables: { t: link.searchParams.get('token') } });
  expect(verified.body.errors).toBeUndefined();
  expect(verified.body.data!.verifyEmail.user.email).toBe(email);
  // what notifications stored keeps no token: a placeholder in the body, the link cleared once sent
  const token = link.searchParams.get('token')!;
  const [row] = await sql<{ body: string; secret_link: string | null; status: string }>(nem(), `select body, secret_link, status from delivery_attempts where address = ?`, [email]);
  expect(row).toMatchObject({ status: 'SENT', secret_link: null });
  expect(row!.body).not.toContain(token);
  expect(row!.body).toContain('[link]');
});

test('registering an address that has an account: the owner gets "you already have an account"', async () => {
  const owner = await verifiedPatient();
  expect((await register(owner.email)).body.errors).toBeUndefined();
  const mails = await mailCount(owner.email, 2);
  expect(mails[1]!.subject).toBe('Aveți deja un cont');
  expect(mails[1]!.text).toContain('/sign-in');
});

test('a password reset in English for an English-speaking patient; its link sets the new password', async () => {
  const patient = await verifiedPatient();
  // the patient chose English, and turned every e-mail off: account mail still comes
  const settings = await gql(stack.router.url, 'mutation { updateNotificationSettings(input: { locale: "en" }) { locale } }', { token: patient.token });
  expect(settings.body.errors).toBeUndefined();
  await sql(nem(), `insert into notification_preferences (user_id, type, channel, enabled) values (?, 'SECURITY', 'EMAIL', false)`, [patient.id]);
  expect((await gql(stack.router.url, 'mutation($e: String!) { requestPasswordReset(email: $e) }', { variables: { e: patient.email } })).body.errors).toBeUndefined();
  const mails = await mailCount(patient.email, 2);
  const reset = mails[1]!;
  expect(reset.subject).toBe('Reset your password');
  expect(reset.text).toContain('Hello Maria Ionescu');
  const link = linkIn(reset.text, '/reset-password');
  expect((await gql(stack.router.url, RESET, { variables: { t: link.searchParams.get('token'), p: 'Brand-New-Secret-7' } })).body.errors).toBeUndefined();
  const signedIn = await gql<{ signIn: { auth: { accessToken: string } | null } }>(stack.router.url, SIGN_IN, { variables: { email: patient.email, password: 'Brand-New-Secret-7' } });
  expect(signedIn.body.data!.signIn.auth?.accessToken).toBeTruthy();
});

test('the same event delivered again sends no second e-mail', async () => {
  const email = address();
  await register(email);
  await mailCount(email, 1);
  const [event] = await query<{ id: string; topic: string; payload: Record<string, unknown> }>(
    stack.subgraphs.identity!.orm.em.fork(),
    `select id, topic, payload from outbox_events where topic = 'user.email_verification_requested' and payload->>'email' = ?`,
    [email],
  );
  // what Redis keeps of the handled job no longer has the link either
  const queue = new Queue(queuePrefix + IDENTITY_NOTIFICATIONS_QUEUE, { connection: { url: TEST_REDIS_URL } });
  const kept = await until(async () => {
    const job = await queue.getJob(event!.id);
    return job && (await job.isCompleted()) ? job : null;
  }, 10_000, 'job completed');
  expect(Object.keys(kept.data.payload).sort()).toEqual(['email', 'expiresInMinutes', 'userId']);
  await queue.close();
  // redelivered as the relay first sent it (with its link): no second attempt, no second mail
  const job: OutboxJob = { eventId: event!.id, topic: event!.topic, createdAt: new Date().toISOString(), payload: { ...event!.payload, link: 'https://clinic.test/verify-email?token=again' } };
  await handleIdentityEvent(nem(), notifications.runtime()!.deps, job);
  expect(await sql(nem(), `select 1 from delivery_attempts where address = ?`, [email])).toHaveLength(1);
  // a later mail is out: whatever the redelivery could have queued would be too
  const other = address();
  await register(other);
  await mailCount(other, 1);
  expect(mailsTo(email)).toHaveLength(1);
});
