// The admin console's notifications APIs through the router: the built-in text an editor starts from, the
// server's refusal of a template that does not render (in words), and every admin API refused to a patient
// and to a doctor with FORBIDDEN, changing nothing.
import { randomUUID } from 'node:crypto';
import { codeOf, gql, orm, startHarness, token, type Harness } from '../testing/harness.ts';
import { DeliveryAttemptSchema } from '../entities/index.ts';

let h: Harness;
let admin: string;
beforeAll(async () => {
  h = await startHarness({ providers: false });
  admin = await token(h, randomUUID(), ['ADMIN']);
});
afterAll(async () => {
  await h?.stop();
});

const BUILT_IN = `query($type: NotificationType!, $channel: NotificationChannel!, $locale: String!) { builtInNotificationTemplate(type: $type, channel: $channel, locale: $locale) { subject body } }`;
const PREVIEW = `query($input: NotificationTemplateInput!) { previewNotificationTemplate(input: $input) { subject body } }`;

test('an admin gets the built-in text of a template to start editing from, per locale; an unknown locale is refused', async () => {
  const en = await gql<{ builtInNotificationTemplate: { subject: string | null; body: string } }>(h.url, BUILT_IN, { token: admin, variables: { type: 'REMINDERS', channel: 'EMAIL', locale: 'en' } });
  const ro = await gql<{ builtInNotificationTemplate: { subject: string | null; body: string } }>(h.url, BUILT_IN, { token: admin, variables: { type: 'REMINDERS', channel: 'EMAIL', locale: 'ro' } });
  expect(en.body.errors).toBeUndefined();
  expect(en.body.data!.builtInNotificationTemplate.body).toContain('{{');
  expect(ro.body.data!.builtInNotificationTemplate.body).not.toBe(en.body.data!.builtInNotificationTemplate.body);
  const sms = await gql<{ builtInNotificationTemplate: { subject: string | null } }>(h.url, BUILT_IN, { token: admin, variables: { type: 'REMINDERS', channel: 'SMS', locale: 'en' } });
  expect(sms.body.data!.builtInNotificationTemplate.subject).toBeNull();
  expect(codeOf(await gql(h.url, BUILT_IN, { token: admin, variables: { type: 'REMINDERS', channel: 'EMAIL', locale: 'de' } }))).toBe('BAD_USER_INPUT');
});

test('a preview of a template naming an unknown variable is refused with the reason in words', async () => {
  const ok = await gql<{ previewNotificationTemplate: { body: string } }>(h.url, PREVIEW, { token: admin, variables: { input: { type: 'REMINDERS', channel: 'SMS', locale: 'en', body: 'Hi {{name}}' } } });
  expect(ok.body.data!.previewNotificationTemplate.body).toBe('Hi Ana Popescu');
  const bad = await gql(h.url, PREVIEW, { token: admin, variables: { input: { type: 'REMINDERS', channel: 'SMS', locale: 'en', body: 'Hi {{nickname}}' } } });
  expect(bad.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  expect(bad.body.errors?.[0]?.message).toMatch(/does not render: .*nickname/);
});

test('a patient or a doctor calling any notifications admin API gets FORBIDDEN, and nothing changes', async () => {
  const em = orm(h).em.fork();
  const dead = em.create(DeliveryAttemptSchema, {
    id: randomUUID(), dedupeKey: `t/${randomUUID()}`, userId: randomUUID(), type: 'REMINDERS', channel: 'EMAIL', reminderId: null, subject: null, body: 'Reminder',
    status: 'DEAD', providerMessageId: null, attempts: 3, error: 'bounced', createdAt: new Date(), updatedAt: new Date(),
  });
  await em.flush();
  const input = { type: 'REMINDERS', channel: 'SMS', locale: 'en', body: 'Hi {{name}}' };
  const calls: [string, Record<string, unknown>][] = [
    [`{ notificationTemplates { id } }`, {}],
    [PREVIEW, { input }],
    [BUILT_IN, { type: 'REMINDERS', channel: 'EMAIL', locale: 'en' }],
    [`mutation($input: NotificationTemplateInput!) { saveNotificationTemplate(input: $input) { id } }`, { input }],
    [`{ notificationQueues { name } }`, {}],
    [`{ deadLetters { id } }`, {}],
    [`mutation($id: ID!) { retryDeadLetter(id: $id) { id } }`, { id: dead.id }],
    [`mutation($id: ID!) { discardDeadLetter(id: $id) { id } }`, { id: dead.id }],
  ];
  for (const roles of [['PATIENT'], ['DOCTOR']]) {
    const t = await token(h, randomUUID(), roles);
    for (const [q, variables] of calls) expect({ q, code: codeOf(await gql(h.url, q, { token: t, variables })) }).toEqual({ q, code: 'FORBIDDEN' });
  }
  expect((await orm(h).em.fork().findOneOrFail(DeliveryAttemptSchema, { id: dead.id })).status).toBe('DEAD');
  const saved = await gql<{ notificationTemplates: unknown[] }>(h.url, `{ notificationTemplates { id } }`, { token: admin });
  expect(saved.body.data!.notificationTemplates).toEqual([]);
});
