// Reminders follow the appointment, end to end through the real queue, Postgres, Redis and the stub providers:
// planned at the right instants when approved, sent at the due instant on each wanted channel exactly once,
// cancelled with the appointment, moved with it, deferred by quiet hours (unless urgent), and never sent on a
// channel the patient opted out of.
import { randomUUID } from 'node:crypto';
import { DateTime } from 'luxon';
import { sql } from '../db.ts';
import { handleAppointmentEvent } from './appointment-events.ts';
import { runReminder } from './reminders.ts';
import { startQueues } from '../queues.ts';
import { deliverAttempt } from '../delivery/deliver.ts';
import { addPatient, codeOf, gql, orm, runtime, sendAppointmentEvent, startHarness, until, type Harness } from '../testing/harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.stop();
});

const MIN = 60_000;
const reminderRows = (appointmentId: string) =>
  sql<{ id: string; offset_minutes: number; channel: string; due_at: Date; status: string }>(
    orm(h).em.fork(),
    `select id, offset_minutes, channel, due_at, status from reminders where appointment_id = ? order by offset_minutes desc, channel`,
    [appointmentId],
  );
const sentTo = (email: string) => h.sendgrid.requests.filter((r) => r.body.includes(email));

test('approval plans 24 h and 1 h reminders per wanted channel at the exact instants; the patient sees them on the appointment', async () => {
  const patient = await addPatient(h);
  const appointmentId = randomUUID();
  const startsAt = new Date(Date.now() + 3 * 24 * 60 * MIN);
  await sendAppointmentEvent(h, 'approved', { appointmentId, patientId: patient.id, startsAt });
  const rows = await until(async () => ((await reminderRows(appointmentId)).length === 6 ? reminderRows(appointmentId) : null), 8_000, 'reminders planned');
  expect(rows.map((r) => [r.offset_minutes, r.channel, new Date(r.due_at).toISOString(), r.status])).toEqual([
    [1440, 'EMAIL', new Date(startsAt.getTime() - 1440 * MIN).toISOString(), 'PENDING'],
    [1440, 'IN_APP', new Date(startsAt.getTime() - 1440 * MIN).toISOString(), 'PENDING'],
    [1440, 'SMS', new Date(startsAt.getTime() - 1440 * MIN).toISOString(), 'PENDING'],
    [60, 'EMAIL', new Date(startsAt.getTime() - 60 * MIN).toISOString(), 'PENDING'],
    [60, 'IN_APP', new Date(startsAt.getTime() - 60 * MIN).toISOString(), 'PENDING'],
    [60, 'SMS', new Date(startsAt.getTime() - 60 * MIN).toISOString(), 'PENDING'],
  ]);
  // Through the router, via _entities on Appointment (as the router resolves it for appointments' queries).
  const q = `query($r: [_Any!]!) { _entities(representations: $r) { ... on Appointment { reminders { offsetMinutes channel dueAt status } } } }`;
  const direct = async (t: string) => {
    const res = await fetch(h.stack.subgraphs.notifications!.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${t}`, 'x-router-secret': 'test-router-secret' },
      body: JSON.stringify({ query: q, variables: { r: [{ __typename: 'Appointment', id: appointmentId }] } }),
    });
    return (await res.json()) as { data?: { _entities: { reminders: unknown[] }[] }; errors?: { extensions?: { code?: string } }[] };
  };
  expect((await direct(patient.token)).data!._entities[0]!.reminders).toHaveLength(6);
  const other = await addPatient(h, { smsConsent: false });
  expect((await direct(other.token)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
});

test('a Bucharest appointment on the day of the spring DST change: the 24 h reminder is 24 real hours before', async () => {
  const patient = await addPatient(h);
  const appointmentId = randomUUID();
  // Next year's last Sunday of March is a DST change in Europe/Bucharest (03:00 → 04:00); 10:00 that day.
  const year = DateTime.now().year + 1;
  const lastSunday = DateTime.fromObject({ year, month: 3, day: 31 }, { zone: 'Europe/Bucharest' }).startOf('week').minus({ days: 1 });
  const startsAt = lastSunday.set({ hour: 10 }).toJSDate();
  await sendAppointmentEvent(h, 'approved', { appointmentId, patientId: patient.id, startsAt });
  const rows = await until(async () => ((await reminderRows(appointmentId)).length === 6 ? reminderRows(appointmentId) : null));
  const day = rows.find((r) => r.offset_minutes === 1440)!;
  expect(startsAt.getTime() - new Date(day.due_at).getTime()).toBe(24 * 3_600_000);
  // Local wall clock: 09:00 on the Saturday (the clocks jump forward in between), not 10:00.
  expect(DateTime.fromJSDate(new Date(day.due_at), { zone: 'Europe/Bucharest' }).toFormat('ccc HH:mm')).toBe('Sat 09:00');
});

test('at the due instant each channel gets exactly one reminder (e-mail via SendGrid, SMS via Twilio, in-app); a redelivered event changes nothing', async () => {
  const patient = await addPatient(h);
  const appointmentId = randomUUID();
  const startsAt = new Date(h.clock.now().getTime() + 60 * MIN + 1_500);
  const event = await sendAppointmentEvent(h, 'approved', { appointmentId, patientId: patient.id, startsAt });
  const email = h.contacts.get(patient.id)!.email!;
  await until(async () => (sentTo(email).filter((r) => r.body.includes('Reminder') || r.body.includes('Memento')).length >= 1 ? true : null), 10_000, 'reminder e-mail');
  const mail = sentTo(email).find((r) => r.body.includes('Memento'))!;
  expect(mail.at).toBeGreaterThanOrEqual(startsAt.getTime() - 60 * MIN - 50);
  expect(mail.headers.authorization).toBe('Bearer SG.test-key');
  expect(JSON.parse(mail.body).headers['List-Unsubscribe-Post']).toBe('List-Unsubscribe=One-Click');
  await until(async () => (h.twilio.requests.some((r) => new URLSearchParams(r.body).get('Body')?.includes('Memento')) ? true : null), 5_000, 'reminder SMS');
  const inApp = await gql<{ user: null }>(h.url, `{ unreadNotificationCount }`, { token: patient.token });
  expect(inApp.body.data).toEqual({ unreadNotificationCount: 2 }); // the approval notice and the reminder
  // the same event again (a redelivery after a crash): nothing new
  await handleAppointmentEvent(orm(h).em.fork(), runtime(h).deps, event);
  const rows = await reminderRows(appointmentId);
  expect(rows.filter((r) => r.offset_minutes === 60).map((r) => r.status)).toEqual(['SENT', 'SENT', 'SENT']);
  for (const r of rows) expect(await runReminder(orm(h).em.fork(), runtime(h).deps, r.id)).toMatch(/done|not-due/);
  expect(sentTo(email).filter((r) => r.body.includes('Memento'))).toHaveLength(1);
});

test('cancel → no reminder; decline and no-show stop them too', async () => {
  const patient = await addPatient(h);
  // The 1 h reminders fall due 30 s from now, far enough that a loaded machine still handles the cancel first;
  // then the clock passes that instant and each reminder is run.
  const startsAt = new Date(h.clock.now().getTime() + 60 * MIN + 30_000);
  const rows: { id: string }[] = [];
  for (const action of ['cancelled', 'declined', 'no_show']) {
    const appointmentId = randomUUID();
    await sendAppointmentEvent(h, 'approved', { appointmentId, patientId: patient.id, startsAt });
    await until(async () => ((await reminderRows(appointmentId)).length > 0 ? true : null));
    await sendAppointmentEvent(h, action, { appointmentId, patientId: patient.id, startsAt, status: action === 'no_show' ? 'NO_SHOW' : action.toUpperCase() });
    await until(async () => ((await reminderRows(appointmentId)).every((r) => r.status === 'CANCELLED') ? true : null), 5_000, `${action} cancels`);
    rows.push(...(await reminderRows(appointmentId)));
  }
  h.clock.shift(31_000);
  try {
    for (const r of rows) expect(await runReminder(orm(h).em.fork(), runtime(h).deps, r.id)).toBe('done');
  } finally {
    h.clock.shift(0);
  }
  expect(sentTo(h.contacts.get(patient.id)!.email!).filter((r) => r.body.includes('Memento'))).toHaveLength(0);
});

test('reschedule → the reminders move to the new time, and the old instant sends nothing', async () => {
  const patient = await addPatient(h);
  const appointmentId = randomUUID();
  // The old 1 h reminders fall due 30 s from now: the reschedule is handled first even on a loaded machine.
  const first = new Date(h.clock.now().getTime() + 60 * MIN + 30_000);
  await sendAppointmentEvent(h, 'approved', { appointmentId, patientId: patient.id, startsAt: first });
  // only the 1 h reminders: the 24 h instant is already past
  await until(async () => ((await reminderRows(appointmentId)).length === 3 ? true : null));
  const moved = new Date(first.getTime() + 2 * 24 * 60 * MIN);
  await sendAppointmentEvent(h, 'rescheduled', { appointmentId, patientId: patient.id, startsAt: moved });
  const rows = await until(async () => {
    const r = await reminderRows(appointmentId);
    return r.length === 6 && r.every((x) => new Date(x.due_at).getTime() === moved.getTime() - x.offset_minutes * MIN) ? r : null;
  }, 5_000, 'moved');
  expect(rows.every((r) => r.status === 'PENDING')).toBe(true);
  // At the old instant a job that still fires sends nothing and puts itself back for the new one.
  h.clock.shift(31_000);
  try {
    for (const r of rows) expect(await runReminder(orm(h).em.fork(), runtime(h).deps, r.id)).toBe('not-due');
  } finally {
    h.clock.shift(0);
  }
  expect(sentTo(h.contacts.get(patient.id)!.email!).filter((r) => r.body.includes('Memento'))).toHaveLength(0);
});

test('quiet hours in the patient zone defer a reminder to their end; an urgent one (too close to the start) goes now', async () => {
  const patient = await addPatient(h);
  const zone = 'Asia/Tokyo';
  const local = DateTime.fromJSDate(h.clock.now(), { zone });
  const quiet = { start: local.minus({ hours: 1 }).toFormat('HH:mm'), end: local.plus({ hours: 3 }).toFormat('HH:mm') };
  const res = await gql(h.url, `mutation($i: NotificationSettingsInput!) { updateNotificationSettings(input: $i) { timeZone quietHours { start end } } }`, {
    token: patient.token,
    variables: { i: { timeZone: zone, quietHours: quiet } },
  });
  expect(res.body.errors).toBeUndefined();
  const deps = runtime(h).deps;
  const em = orm(h).em.fork();
  // A 24 h reminder due now: deferred to the end of quiet hours (a delayed job then), not sent.
  const far = randomUUID();
  await handleAppointmentEvent(em, deps, {
    eventId: randomUUID(), topic: 'appointment.approved', createdAt: new Date().toISOString(),
    payload: { appointmentId: far, patientId: patient.id, doctorId: '11111111-1111-4111-8111-111111111111', status: 'APPROVED', startsAt: new Date(h.clock.now().getTime() + 1440 * MIN + 60_000).toISOString(), consultationType: 'IN_PERSON', occurredAt: new Date().toISOString() },
  });
  h.clock.shift(61_000);
  try {
    const [day] = (await reminderRows(far)).filter((r) => r.offset_minutes === 1440 && r.channel === 'EMAIL');
    expect(await runReminder(em, deps, day!.id)).toBe('deferred');
    const job = await until(async () => (await runtime(h).queues.queues[0]!.getDelayed()).find((j) => j.data.reminderId === day!.id && j.id !== `r-${day!.id}-${new Date(day!.due_at).getTime()}`));
    const endsAt = local.plus({ hours: 3 }).set({ second: 0, millisecond: 0 });
    expect(job.id).toBe(`r-${day!.id}-${endsAt.toMillis()}`);
    // The 1 h reminder of an appointment 70 minutes away cannot wait 3 hours: sent at once.
    const near = randomUUID();
    await handleAppointmentEvent(em, deps, {
      eventId: randomUUID(), topic: 'appointment.approved', createdAt: new Date().toISOString(),
      payload: { appointmentId: near, patientId: patient.id, doctorId: '11111111-1111-4111-8111-111111111111', status: 'APPROVED', startsAt: new Date(h.clock.now().getTime() + 60 * MIN + 500).toISOString(), consultationType: 'IN_PERSON', occurredAt: new Date().toISOString() },
    });
    const [hour] = (await reminderRows(near)).filter((r) => r.offset_minutes === 60 && r.channel === 'IN_APP');
    await until(async () => (await runReminder(em, deps, hour!.id)) !== 'not-due' || null, 3_000);
    expect((await reminderRows(near)).find((r) => r.id === hour!.id)!.status).toBe('SENT');
  } finally {
    h.clock.shift(0);
  }
});

test('opt-out per channel is respected when planning and again at send time', async () => {
  const patient = await addPatient(h);
  await gql(h.url, `mutation { setNotificationPreferences(input: [{ type: REMINDERS, channel: EMAIL, enabled: false }]) { userId } }`, { token: patient.token });
  const appointmentId = randomUUID();
  const startsAt = new Date(h.clock.now().getTime() + 3 * 24 * 60 * MIN);
  await handleAppointmentEvent(orm(h).em.fork(), runtime(h).deps, {
    eventId: randomUUID(), topic: 'appointment.approved', createdAt: new Date().toISOString(),
    payload: { appointmentId, patientId: patient.id, doctorId: '11111111-1111-4111-8111-111111111111', status: 'APPROVED', startsAt: startsAt.toISOString(), consultationType: 'IN_PERSON', occurredAt: new Date().toISOString() },
  });
  expect([...new Set((await reminderRows(appointmentId)).map((r) => r.channel))]).toEqual(['IN_APP', 'SMS']);
  // SMS turned off after planning: at its instant the SMS reminder is dropped, not sent.
  await gql(h.url, `mutation { setNotificationPreferences(input: [{ type: REMINDERS, channel: SMS, enabled: false }]) { userId } }`, { token: patient.token });
  const sms = (await reminderRows(appointmentId)).find((r) => r.channel === 'SMS' && r.offset_minutes === 1440)!;
  h.clock.shift(2 * 24 * 60 * MIN + MIN);
  try {
    expect(await runReminder(orm(h).em.fork(), runtime(h).deps, sms.id)).toBe('cancelled');
  } finally {
    h.clock.shift(0);
  }
});

test('two workers on one queue, with duplicate jobs and concurrent runs, never double-send', async () => {
  const patient = await addPatient(h, { smsConsent: false });
  const appointmentId = randomUUID();
  const startsAt = new Date(h.clock.now().getTime() + 2 * 24 * 60 * MIN);
  const deps = runtime(h).deps;
  await handleAppointmentEvent(orm(h).em.fork(), deps, {
    eventId: randomUUID(), topic: 'appointment.approved', createdAt: new Date().toISOString(),
    payload: { appointmentId, patientId: patient.id, doctorId: '11111111-1111-4111-8111-111111111111', status: 'APPROVED', startsAt: startsAt.toISOString(), consultationType: 'IN_PERSON', occurredAt: new Date().toISOString() },
  });
  const email = (await reminderRows(appointmentId)).find((r) => r.channel === 'EMAIL' && r.offset_minutes === 1440)!;
  // A second worker process on the same queues and database.
  const ormRef = orm(h);
  const second = startQueues(
    { redisUrl: h.stack.subgraphs.notifications!.config.redisUrl, prefix: h.queuePrefix, logger: deps.logger, attempts: 3, retryDelayMs: 50, now: deps.now },
    { reminder: (id) => runReminder(ormRef.em.fork(), deps, id), delivery: (id, last) => deliverAttempt(ormRef.em.fork(), deps, id, last) },
  );
  h.clock.shift(24 * 60 * MIN + 1_000);
  try {
    const at = new Date(email.due_at);
    // the same reminder queued many times under different ids (redeliveries, sweeps), on both producers,
    // plus direct concurrent runs
    await Promise.all([
      ...[0, 1, 2].map((i) => runtime(h).queues.reminder(email.id, new Date(at.getTime() - i))),
      ...[3, 4, 5].map((i) => second.reminder(email.id, new Date(at.getTime() - i))),
      ...[0, 1, 2, 3].map(() => runReminder(ormRef.em.fork(), deps, email.id)),
    ]);
    const address = h.contacts.get(patient.id)!.email!;
    await until(async () => (sentTo(address).some((r) => r.body.includes('Memento')) ? true : null), 8_000, 'sent once');
    await new Promise((r) => setTimeout(r, 800));
    expect(sentTo(address).filter((r) => r.body.includes('Memento'))).toHaveLength(1);
    const attempts = await sql(ormRef.em.fork(), `select id from delivery_attempts where reminder_id = ?`, [email.id]);
    expect(attempts).toHaveLength(1);
  } finally {
    h.clock.shift(0);
    await second.close();
  }
});

test('bad input gets a clear error code', async () => {
  const patient = await addPatient(h, { smsConsent: false });
  const settings = (i: Record<string, unknown>) =>
    gql(h.url, `mutation($i: NotificationSettingsInput!) { updateNotificationSettings(input: $i) { timeZone } }`, { token: patient.token, variables: { i } });
  expect(codeOf(await settings({ timeZone: 'Mars/Olympus' }))).toBe('BAD_USER_INPUT');
  expect(codeOf(await settings({ quietHours: { start: '25:00', end: '07:00' } }))).toBe('BAD_USER_INPUT');
  expect(codeOf(await settings({ reminderOffsets: [7] }))).toBe('BAD_USER_INPUT');
  expect(codeOf(await settings({ locale: 'fr' }))).toBe('BAD_USER_INPUT');
  const unknownType = await gql(h.url, `mutation { setNotificationPreferences(input: [{ type: POSTCARDS, channel: EMAIL, enabled: false }]) { userId } }`, { token: patient.token });
  expect(unknownType.body.errors?.[0]?.message).toMatch(/POSTCARDS/);
  expect(codeOf(unknownType)).toBe('GRAPHQL_VALIDATION_FAILED');
  expect(codeOf(await gql(h.url, `mutation { recordSmsConsent(granted: true, method: "  ") { userId } }`, { token: patient.token }))).toBe('BAD_USER_INPUT');
  const ok = await settings({ timeZone: 'America/New_York', reminderOffsets: [2880, 60] });
  expect(ok.body.data).toEqual({ updateNotificationSettings: { timeZone: 'America/New_York' } });
});
