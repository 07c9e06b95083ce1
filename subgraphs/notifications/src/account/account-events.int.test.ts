// identity's and the assistant's events on our real queues: a sign-in, a password change and turning
// two-step verification off (the real identity subgraph, its outbox relay) each become an urgent SECURITY
// notice — in-app and e-mail even inside quiet hours; an assistant hand-off tells the operators (their ids from
// identity), an URGENT one first in the queue. Redelivered events change nothing.
import { randomBytes, randomUUID } from 'node:crypto';
import { ASSISTANT_NOTIFICATIONS_QUEUE, HANDOFF_REQUESTED_TOPIC, IDENTITY_NOTIFICATIONS_QUEUE, createLogger, createQueueProducer, type OutboxJob } from '@clinic/service-kit';
import { createTestKeys, TEST_REDIS_URL } from '@clinic/service-kit/testing';
import { startStack, type Stack } from '@clinic/router/src/testing/harness.ts';
import { createIdentitySubgraph } from '@clinic/identity';
import { createUser } from '@clinic/identity/src/domain/auth.ts';
import { inTransaction } from '@clinic/identity/src/db.ts';
import { SIGN_IN } from '@clinic/identity/src/testing/stack.ts';
import { createNotificationsSubgraph } from '../service.ts';
import { identityContacts, type ContactDirectory } from '../delivery/contacts.ts';
import { handleAssistantEvent, handleIdentityEvent } from './account-events.ts';
import { sql } from '../db.ts';
import { gql, testPolicy, until } from '../testing/harness.ts';

const queuePrefix = `a${randomBytes(4).toString('hex')}-`;
let stack: Stack;
let directory: ContactDirectory | null = null;
const notifications = createNotificationsSubgraph({
  env: {},
  queuePrefix,
  contacts: { contactOf: (id) => directory!.contactOf(id), staffIds: (role) => directory!.staffIds(role) },
  policy: testPolicy(),
  sweepIntervalMs: 3_600_000,
});
const producer = createQueueProducer(TEST_REDIS_URL, createLogger('test', 'silent'));

beforeAll(async () => {
  const keys = await createTestKeys();
  const identity = createIdentitySubgraph({
    signingKey: { kid: keys.kid, privateKey: keys.privateKey },
    queues: { audit: `${queuePrefix}audit`, doctors: `${queuePrefix}doctors`, care: `${queuePrefix}care`, notifications: queuePrefix + IDENTITY_NOTIFICATIONS_QUEUE },
  });
  stack = await startStack(keys, [identity, notifications]);
  directory = identityContacts(stack.subgraphs.identity!.url, 'test-router-secret');
});
afterAll(async () => {
  await producer.close();
  await stack?.stop();
});

const nem = () => stack.subgraphs.notifications!.orm.em.fork();
const deps = () => notifications.runtime()!.deps;

async function user(roles: string[]) {
  const email = `u-${randomUUID().slice(0, 8)}@example.test`;
  const id = await inTransaction(stack.subgraphs.identity!.orm.em.fork(), (tx) => createUser(tx, { email, displayName: 'Maria Ionescu', password: 'A-long-Passw0rd!', roles }));
  return { id, email };
}

async function signIn(email: string, password = 'A-long-Passw0rd!') {
  const res = await gql<{ signIn: { auth: { accessToken: string } } }>(stack.router.url, SIGN_IN, { variables: { email, password } });
  return res.body.data!.signIn.auth.accessToken;
}

const securityNotices = (userId: string) =>
  sql<{ body: string; dedupe_key: string }>(nem(), `select body, dedupe_key from notifications where user_id = ? and type = 'SECURITY' order by created_at`, [userId]);

test('a sign-in and a password change each tell the account holder at once, in quiet hours too, once', async () => {
  const u = await user(['PATIENT']);
  // quiet all day long: security notices do not wait; SMS consented, so only the policy keeps a sign-in off SMS
  await sql(
    nem(),
    `insert into notification_settings (user_id, locale, quiet_start, quiet_end, sms_consent_granted, sms_consent_method, sms_consent_at) values (?, 'en', '00:00', '23:59', true, 'web', now())`,
    [u.id],
  );
  const token = await signIn(u.email);
  const [notice] = await until(async () => {
    const rows = await securityNotices(u.id);
    return rows.length ? rows : null;
  }, 10_000, 'sign-in notice');
  expect(notice!.body).toBe('Security notice for your account: a new sign-in.');
  const [mail] = await until(async () => {
    const rows = await sql<{ status: string; body: string; not_before: Date | null }>(nem(), `select status, body, not_before from delivery_attempts where user_id = ? and type = 'SECURITY' and channel = 'EMAIL'`, [u.id]);
    return rows.some((r) => r.status === 'SENT') ? rows : null;
  }, 10_000, 'security e-mail sent');
  expect(mail!.not_before).toBeNull();
  expect(mail!.body).toContain('a new sign-in');
  // a sign-in is not texted (SMS is kept for changes to the account)
  expect(await sql(nem(), `select 1 from delivery_attempts where user_id = ? and channel = 'SMS'`, [u.id])).toHaveLength(0);

  const changed = await gql(stack.router.url, `mutation { changePassword(currentPassword: "A-long-Passw0rd!", newPassword: "An-other-Passw0rd!2") }`, { token });
  expect(changed.body.errors).toBeUndefined();
  const rows = await until(async () => {
    const list = await securityNotices(u.id);
    return list.length === 2 ? list : null;
  }, 10_000, 'password notice');
  expect(rows[1]!.body).toBe('Security notice for your account: your password was changed.');
  // a change to the account is texted as well
  await until(async () => ((await sql(nem(), `select 1 from delivery_attempts where user_id = ? and channel = 'SMS'`, [u.id])).length ? true : null), 10_000, 'password SMS');

  // the same event again (a redelivery) adds nothing
  const eventId = rows[1]!.dedupe_key.split('/')[1]!;
  await handleIdentityEvent(nem(), deps(), { eventId, topic: 'user.password_changed', createdAt: new Date().toISOString(), payload: { userId: u.id } });
  expect(await securityNotices(u.id)).toHaveLength(2);
});

test('an URGENT assistant hand-off tells every operator (not patients), urgently, once', async () => {
  const operator = await user(['OPERATOR']);
  const patient = await user(['PATIENT']);
  const job: OutboxJob = { eventId: randomUUID(), topic: HANDOFF_REQUESTED_TOPIC, createdAt: new Date().toISOString(), payload: { handoffId: randomUUID(), userId: patient.id, priority: 'URGENT' } };
  await producer.add(queuePrefix + ASSISTANT_NOTIFICATIONS_QUEUE, job);
  const [notice] = await until(async () => {
    const rows = await sql<{ type: string; title: string }>(nem(), `select type, title from notifications where user_id = ?`, [operator.id]);
    return rows.length ? rows : null;
  }, 10_000, 'operator told');
  expect(notice).toEqual({ type: 'ASSISTANT_HANDOFFS', title: 'Un pacient așteaptă un operator (URGENT)' });
  expect(await sql(nem(), `select 1 from notifications where user_id = ?`, [patient.id])).toHaveLength(0);
  await handleAssistantEvent(nem(), deps(), job);
  expect(await sql(nem(), `select 1 from notifications where user_id = ? and type = 'ASSISTANT_HANDOFFS'`, [operator.id])).toHaveLength(1);
  const [mail] = await sql<{ not_before: Date | null }>(nem(), `select not_before from delivery_attempts where user_id = ? and channel = 'EMAIL'`, [operator.id]);
  expect(mail!.not_before).toBeNull();
});
