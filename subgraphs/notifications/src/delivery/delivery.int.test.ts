// Delivery through the real SendGrid and Twilio SDKs against local stubs: what reaches the provider, retries
// with backoff then the dead-letter list (retry / discard by an admin), permanent failures not retried and a
// reminder failing over from e-mail to SMS, provider webhooks through the router's public routes (signed ones
// accepted, forged and replayed ones refused), one-click unsubscribe, and the admin's template editing.
import { createHmac, randomUUID, sign } from 'node:crypto';
import { sql } from '../db.ts';
import { notify } from './messages.ts';
import { failover } from './deliver.ts';
import { addPatient, codeOf, gql, orm, PUBLIC_BASE, runtime, startHarness, token, TWILIO_TOKEN, until, type Harness } from '../testing/harness.ts';

let h: Harness;
let admin: string;
beforeAll(async () => {
  h = await startHarness();
  admin = await token(h, randomUUID(), ['ADMIN']);
});
afterAll(async () => {
  await h?.stop();
});

const attempt = async (id: string) =>
  (await sql<{ status: string; attempts: number; provider_message_id: string | null; error: string | null }>(orm(h).em.fork(), `select * from delivery_attempts where id = ?`, [id]))[0]!;

async function sendEmail(userId: string, over: { reminderId?: string; dedupeKey?: string; type?: 'REMINDERS' } = {}) {
  const outcome = await notify(orm(h).em.fork(), runtime(h).deps, {
    userId,
    type: over.type ?? 'APPOINTMENT_UPDATES',
    channel: 'EMAIL',
    dedupeKey: over.dedupeKey ?? `test/${randomUUID()}`,
    change: 'approved',
    startsAt: new Date('2026-06-10T07:00:00Z'),
    doctorId: '11111111-1111-4111-8111-111111111111',
    reminderId: over.reminderId,
    urgent: true,
  });
  if (outcome.kind !== 'queued') throw new Error(`not queued: ${outcome.kind}`);
  return outcome.attemptId;
}

test('e-mail goes through @sendgrid/mail: key, recipient, personalised Romanian text in the recipient zone, unsubscribe headers', async () => {
  const p = await addPatient(h);
  const id = await sendEmail(p.id);
  const done = await until(async () => ((await attempt(id)).status === 'SENT' ? attempt(id) : null));
  const req = h.sendgrid.requests.find((r) => r.body.includes(h.contacts.get(p.id)!.email!))!;
  expect(req.path).toBe('/v3/mail/send');
  expect(req.headers.authorization).toBe('Bearer SG.test-key');
  const body = JSON.parse(req.body);
  expect(body.personalizations[0].to[0].email).toBe(h.contacts.get(p.id)!.email);
  expect(body.content[0].value).toContain('Dr. Ion Ionescu');
  expect(body.content[0].value).toContain('miercuri, 10 iunie 2026 la 10:00');
  // multipart: the plain text, then the responsive HTML (MJML) with the same words, escaped, and the unsubscribe link
  expect(body.content.map((c: { type: string }) => c.type)).toEqual(['text/plain', 'text/html']);
  const html: string = body.content[1].value;
  expect(html).toMatch(/<meta name="viewport" content="width=device-width, initial-scale=1">/);
  expect(html).toContain('@media only screen and (min-width:480px)');
  expect(html).toContain('Dr. Ion Ionescu');
  expect(html).toContain('miercuri, 10 iunie 2026 la 10:00');
  expect(html).toContain('Dezabonare de la aceste e-mailuri');
  expect(html).toContain(`href="${PUBLIC_BASE}/webhooks/unsubscribe?token`);
  expect(html).toContain('lang="ro"');
  expect(body.custom_args).toEqual({ attemptId: id });
  expect(body.headers['List-Unsubscribe']).toMatch(new RegExp(`^<${PUBLIC_BASE}/webhooks/unsubscribe\\?token=`));
  expect(body.headers['List-Unsubscribe-Post']).toBe('List-Unsubscribe=One-Click');
  expect(done.provider_message_id).toMatch(/^sg/);
});

test('SMS goes through the twilio SDK: account, from, to, body; the message SID is recorded', async () => {
  const p = await addPatient(h);
  const outcome = await notify(orm(h).em.fork(), runtime(h).deps, { userId: p.id, type: 'SECURITY', channel: 'SMS', dedupeKey: `test/${randomUUID()}` });
  if (outcome.kind !== 'queued') throw new Error(outcome.kind);
  const done = await until(async () => ((await attempt(outcome.attemptId)).status === 'SENT' ? attempt(outcome.attemptId) : null));
  const req = h.twilio.requests.find((r) => r.body.includes(encodeURIComponent('+40711111111')))!;
  expect(req.path).toBe(`/2010-04-01/Accounts/AC${'0'.repeat(32)}/Messages.json`);
  expect(req.headers.authorization).toBe(`Basic ${Buffer.from(`AC${'0'.repeat(32)}:${TWILIO_TOKEN}`).toString('base64')}`);
  const form = new URLSearchParams(req.body);
  expect(form.get('From')).toBe('+40700000000');
  expect(form.get('StatusCallback')).toBe(`${PUBLIC_BASE}/webhooks/twilio`);
  expect(done.provider_message_id).toMatch(/^SM/);
});

test('transient failures are retried with backoff, then dead-lettered; an admin lists, retries and discards dead letters', async () => {
  const p = await addPatient(h);
  h.sendgrid.fail(503, 2);
  const recovered = await sendEmail(p.id);
  expect((await until(async () => ((await attempt(recovered)).status === 'SENT' ? attempt(recovered) : null))).attempts).toBe(3);

  h.sendgrid.fail(500);
  const dead = await sendEmail(p.id);
  const deadRow = await until(async () => ((await attempt(dead)).status === 'DEAD' ? attempt(dead) : null), 8_000, 'dead');
  expect(deadRow.attempts).toBe(3);
  expect(deadRow.error).toMatch(/SendGrid did not take the message \(500\)/);
  const list = await gql<{ deadLetters: { id: string; status: string }[] }>(h.url, `{ deadLetters { id status channel attempts } }`, { token: admin });
  expect(list.body.data!.deadLetters.map((d) => d.id)).toContain(dead);
  expect(codeOf(await gql(h.url, `{ deadLetters { id } }`, { token: p.token }))).toBe('FORBIDDEN');
  h.sendgrid.heal();
  const retried = await gql(h.url, `mutation($id: ID!) { retryDeadLetter(id: $id) { status } }`, { token: admin, variables: { id: dead } });
  expect(retried.body.data).toEqual({ retryDeadLetter: { status: 'QUEUED' } });
  await until(async () => ((await attempt(dead)).status === 'SENT' ? true : null), 5_000, 'retried');
  // discard
  h.sendgrid.fail(500);
  const other = await sendEmail(p.id);
  await until(async () => ((await attempt(other)).status === 'DEAD' ? true : null), 8_000, 'dead again');
  h.sendgrid.heal();
  const discarded = await gql(h.url, `mutation($id: ID!) { discardDeadLetter(id: $id) { status } }`, { token: admin, variables: { id: other } });
  expect(discarded.body.data).toEqual({ discardDeadLetter: { status: 'DISCARDED' } });
  expect(codeOf(await gql(h.url, `mutation($id: ID!) { retryDeadLetter(id: $id) { status } }`, { token: admin, variables: { id: other } }))).toBe('BAD_USER_INPUT');
});

test('a permanent failure (bounce, invalid number) is not retried; a reminder fails over from e-mail to SMS', async () => {
  const p = await addPatient(h);
  const reminderId = randomUUID();
  await sql(
    orm(h).em.fork(),
    `insert into reminders (id, appointment_id, patient_id, doctor_id, offset_minutes, channel, starts_at, due_at, status) values (?, ?, ?, ?, 60, 'EMAIL', ?, ?, 'SENT')`,
    [reminderId, randomUUID(), p.id, '11111111-1111-4111-8111-111111111111', new Date(Date.now() + 3_600_000), new Date()],
  );
  const before = h.sendgrid.requests.length;
  h.sendgrid.fail(400, 1);
  const id = await sendEmail(p.id, { reminderId, type: 'REMINDERS' });
  await until(async () => ((await attempt(id)).status === 'FAILED' ? true : null), 5_000, 'failed');
  expect(h.sendgrid.requests.length - before).toBe(1);
  const sms = await until(async () => (await sql<{ id: string; status: string }>(orm(h).em.fork(), `select id, status from delivery_attempts where reminder_id = ? and channel = 'SMS'`, [reminderId]))[0]);
  await until(async () => ((await attempt(sms.id)).status === 'SENT' ? true : null), 5_000, 'failover SMS sent');
  const [settings] = await sql<{ email_failing: boolean }>(orm(h).em.fork(), `select email_failing from notification_settings where user_id = ?`, [p.id]);
  expect(settings!.email_failing).toBe(true);
  // Twilio refusing the number (400, code 21211) is permanent too: the reminder then lands in-app.
  h.twilio.fail(400, 1, 21211);
  const again = await failover(orm(h).em.fork(), runtime(h).deps, { userId: p.id, type: 'REMINDERS', channel: 'EMAIL', reminderId, dedupeKey: `x/${randomUUID()}` });
  if (again?.kind !== 'queued') throw new Error(String(again?.kind));
  await until(async () => ((await attempt(again.attemptId)).status === 'FAILED' ? true : null), 5_000, 'sms failed');
  expect((await attempt(again.attemptId)).error).toMatch(/Twilio refused the message \(400 21211\)/);
  await until(async () => ((await sql(orm(h).em.fork(), `select 1 from notifications where user_id = ? and type = 'REMINDERS'`, [p.id])).length ? true : null), 5_000, 'in-app');
});

function signSendgrid(body: string, timestamp = Math.floor(Date.now() / 1000)) {
  const signature = sign('sha256', Buffer.from(`${timestamp}${body}`), h.sendgridSigningKey).toString('base64');
  return { 'x-twilio-email-event-webhook-signature': signature, 'x-twilio-email-event-webhook-timestamp': String(timestamp), 'content-type': 'application/json' };
}
const routerOrigin = () => new URL(h.url).origin;

test('SendGrid event webhook through the router: signed events update the attempt; forged, stale and replayed ones are refused', async () => {
  const p = await addPatient(h);
  const id = await sendEmail(p.id);
  await until(async () => ((await attempt(id)).status === 'SENT' ? true : null));
  const body = JSON.stringify([{ event: 'delivered', attemptId: id, sg_event_id: randomUUID(), timestamp: 1 }]);
  const post = (headers: Record<string, string>, b = body) => fetch(`${routerOrigin()}/webhooks/sendgrid`, { method: 'POST', headers, body: b });
  const forged = JSON.stringify([{ event: 'bounce', attemptId: id, sg_event_id: randomUUID() }]);
  expect((await post(signSendgrid(body), forged)).status).toBe(401);
  expect((await post({ 'content-type': 'application/json' })).status).toBe(401);
  expect((await post(signSendgrid(body, Math.floor(Date.now() / 1000) - 3_600))).status).toBe(409);
  const headers = signSendgrid(body);
  expect((await post(headers)).status).toBe(200);
  expect((await attempt(id)).status).toBe('DELIVERED');
  expect((await post(headers)).status).toBe(409);
});

test('Twilio status callback through the router: X-Twilio-Signature checked with validateRequest; forged and replayed refused', async () => {
  const p = await addPatient(h);
  const outcome = await notify(orm(h).em.fork(), runtime(h).deps, { userId: p.id, type: 'SECURITY', channel: 'SMS', dedupeKey: `test/${randomUUID()}` });
  if (outcome.kind !== 'queued') throw new Error(outcome.kind);
  const sent = await until(async () => ((await attempt(outcome.attemptId)).status === 'SENT' ? attempt(outcome.attemptId) : null));
  const params = { MessageSid: sent.provider_message_id!, MessageStatus: 'delivered', AccountSid: `AC${'0'.repeat(32)}` };
  // Twilio's scheme: HMAC-SHA1 over the public URL followed by the sorted params, base64.
  const signature = (p2: Record<string, string>) =>
    createHmac('sha1', TWILIO_TOKEN).update(`${PUBLIC_BASE}/webhooks/twilio` + Object.keys(p2).sort().map((k) => k + p2[k]).join('')).digest('base64');
  const post = (p2: Record<string, string>, sig: string) =>
    fetch(`${routerOrigin()}/webhooks/twilio`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': sig }, body: new URLSearchParams(p2).toString() });
  expect((await post({ ...params, MessageStatus: 'failed' }, signature(params))).status).toBe(401);
  expect((await post(params, 'AAAA')).status).toBe(401);
  expect((await post(params, signature(params))).status).toBe(200);
  expect((await attempt(outcome.attemptId)).status).toBe('DELIVERED');
  expect((await post(params, signature(params))).status).toBe(409);
});

test('one-click unsubscribe (RFC 8058): GET only asks, a signed POST turns the preference off, a tampered link is refused', async () => {
  const p = await addPatient(h);
  const id = await sendEmail(p.id);
  await until(async () => ((await attempt(id)).status === 'SENT' ? true : null));
  const req = h.sendgrid.requests.find((r) => r.body.includes(h.contacts.get(p.id)!.email!))!;
  const link = /<([^>]+)>/.exec(JSON.parse(req.body).headers['List-Unsubscribe'])![1]!;
  const local = `${routerOrigin()}${new URL(link).pathname}${new URL(link).search}`;
  expect((await fetch(local)).status).toBe(200);
  expect((await fetch(local.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')), { method: 'POST' })).status).toBe(400);
  const res = await fetch(local, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' });
  expect(res.status).toBe(200);
  const [row] = await sql<{ enabled: boolean }>(orm(h).em.fork(), `select enabled from notification_preferences where user_id = ? and type = 'APPOINTMENT_UPDATES' and channel = 'EMAIL'`, [p.id]);
  expect(row!.enabled).toBe(false);
  const outcome = await notify(orm(h).em.fork(), runtime(h).deps, { userId: p.id, type: 'APPOINTMENT_UPDATES', channel: 'EMAIL', dedupeKey: `test/${randomUUID()}` });
  expect(outcome.kind).toBe('opted-out');
});

test('templates: a broken one is refused at save, a good one is versioned, previewed and used', async () => {
  const save = (input: Record<string, unknown>) =>
    gql<{ saveNotificationTemplate: { version: number } }>(h.url, `mutation($i: NotificationTemplateInput!) { saveNotificationTemplate(input: $i) { version locale } }`, { token: admin, variables: { i: input } });
  const base = { type: 'DOCUMENTS', channel: 'SMS', locale: 'en' };
  expect(codeOf(await save({ ...base, body: 'Hi {{#if name}}' }))).toBe('BAD_USER_INPUT');
  expect(codeOf(await save({ ...base, body: 'Hi {{patientSecret}}' }))).toBe('BAD_USER_INPUT');
  expect(codeOf(await save({ ...base, locale: 'xx', body: 'Hi' }))).toBe('BAD_USER_INPUT');
  expect((await save({ ...base, body: 'Doc for {{name}} v1' })).body.data!.saveNotificationTemplate.version).toBe(1);
  expect((await save({ ...base, body: 'Doc for {{name}} v2' })).body.data!.saveNotificationTemplate.version).toBe(2);
  const preview = await gql(h.url, `query($i: NotificationTemplateInput!) { previewNotificationTemplate(input: $i) { body html } }`, { token: admin, variables: { i: { ...base, body: 'Hello {{name}}' } } });
  expect(preview.body.data).toEqual({ previewNotificationTemplate: { body: 'Hello Ana Popescu', html: null } });
  // an e-mail template is previewed (and validated at save) as its HTML part too
  const email = await gql<{ previewNotificationTemplate: { body: string; html: string } }>(h.url, `query($i: NotificationTemplateInput!) { previewNotificationTemplate(input: $i) { body html } }`, {
    token: admin,
    variables: { i: { type: 'DOCUMENTS', channel: 'EMAIL', locale: 'en', subject: 'For {{name}}', body: 'Dear {{name}},\n\nA <new> document.' } },
  });
  expect(email.body.data!.previewNotificationTemplate.body).toBe('Dear Ana Popescu,\n\nA <new> document.');
  expect(email.body.data!.previewNotificationTemplate.html).toContain('A &lt;new&gt; document.');
  expect(email.body.data!.previewNotificationTemplate.html).toContain('Unsubscribe from these e-mails');
  const p = await addPatient(h);
  await gql(h.url, `mutation { updateNotificationSettings(input: { locale: "en" }) { locale } }`, { token: p.token });
  await gql(h.url, `mutation { setNotificationPreferences(input: [{ type: DOCUMENTS, channel: SMS, enabled: true }]) { userId } }`, { token: p.token });
  const outcome = await notify(orm(h).em.fork(), runtime(h).deps, { userId: p.id, type: 'DOCUMENTS', channel: 'SMS', dedupeKey: `test/${randomUUID()}` });
  if (outcome.kind !== 'queued') throw new Error(outcome.kind);
  await until(async () => ((await attempt(outcome.attemptId)).status === 'SENT' ? true : null));
  expect(h.twilio.requests.some((r) => new URLSearchParams(r.body).get('Body') === 'Doc for Ana Pop v2')).toBe(true);
  expect(codeOf(await save({ ...base, body: 'x' }).then(() => gql(h.url, `{ notificationTemplates { version } }`, { token: p.token })))).toBe('FORBIDDEN');
});
