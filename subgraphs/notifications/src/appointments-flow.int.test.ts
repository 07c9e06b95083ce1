// The real thing end to end: appointments' outbox relay puts its own events on our queue, and reminders
// follow what happens in appointments — planned on approval, moved on reschedule, cancelled on cancel — and
// the patient reads them on `appointment { reminders }` through the router.
import { randomBytes, randomUUID } from 'node:crypto';
import { everyIdIsAnAccount } from '@clinic/service-kit';
import { createTestKeys } from '@clinic/service-kit/testing';
import { startStack } from '@clinic/router/src/testing/harness.ts';
import { createAppointmentsSubgraph } from '@clinic/appointments';
import { addDoctor, addEverydayRule, daysAhead, localToUtc, REQUEST, testClinic, token, type AppointmentsHarness } from '@clinic/appointments/src/testing/fixtures.ts';
import { createNotificationsSubgraph } from './service.ts';
import { staticContacts, type Contact } from './delivery/contacts.ts';
import { gql, testPolicy, until } from './testing/harness.ts';

let h: AppointmentsHarness;

beforeAll(async () => {
  const keys = await createTestKeys();
  const clinic = testClinic();
  const queuePrefix = `t${randomBytes(4).toString('hex')}-`;
  const notifications = createNotificationsSubgraph({ env: {}, queuePrefix, contacts: staticContacts(new Map<string, Contact>()), policy: testPolicy(), sweepIntervalMs: 3_600_000 });
  const appointments = createAppointmentsSubgraph({ clinic, queuePrefix, relayPollMs: 50, sweepIntervalMs: 3_600_000, accounts: everyIdIsAnAccount });
  const stack = await startStack(keys, [appointments, notifications]);
  h = { keys, stack, clinic, queuePrefix, url: stack.router.url, answers: appointments.answerCache, stop: () => stack.stop() };
});
afterAll(async () => {
  await h?.stop();
});

const REMINDERS = `query($id: ID!) { appointment(id: $id) { id startsAt reminders { offsetMinutes channel dueAt status } } }`;
type Reminders = { appointment: { startsAt: string; reminders: { offsetMinutes: number; channel: string; dueAt: string; status: string }[] } };

test('approve → reminders at 24 h and 1 h; reschedule → moved; cancel → none left', async () => {
  const { doctorId } = await addDoctor(h);
  await addEverydayRule(h, doctorId);
  const patientId = randomUUID();
  const patient = await token(h, patientId, ['PATIENT']);
  const doctor = await token(h, doctorId, ['DOCTOR']);
  const booked = await gql<{ requestAppointment: { id: string } }>(h.url, REQUEST, {
    token: patient,
    variables: { input: { doctorId, startsAt: localToUtc(daysAhead(3), '10:00'), category: 'ROUTINE', reason: 'check-up' } },
  });
  const id = booked.body.data!.requestAppointment.id;
  const approved = await gql(h.url, `mutation($id: ID!) { approveAppointment(id: $id) { status } }`, { token: doctor, variables: { id } });
  expect(approved.body.errors).toBeUndefined();

  const read = async () => (await gql<Reminders>(h.url, REMINDERS, { token: patient, variables: { id } })).body.data!.appointment;
  const planned = await until(async () => {
    const a = await read();
    return a.reminders.length === 4 ? a : null;
  }, 8_000, 'reminders planned from the real event');
  const start = new Date(planned.startsAt).getTime();
  expect(planned.reminders.map((r) => [r.offsetMinutes, r.channel, new Date(r.dueAt).getTime() - start, r.status]).sort()).toEqual(
    [
      [1440, 'EMAIL', -1440 * 60_000, 'PENDING'],
      [1440, 'IN_APP', -1440 * 60_000, 'PENDING'],
      [60, 'EMAIL', -60 * 60_000, 'PENDING'],
      [60, 'IN_APP', -60 * 60_000, 'PENDING'],
    ].sort(),
  );
  // the approval was told to the patient in-app
  await until(async () => ((await gql<{ unreadNotificationCount: number }>(h.url, `{ unreadNotificationCount }`, { token: patient })).body.data!.unreadNotificationCount === 1 ? true : null));

  const newStart = localToUtc(daysAhead(4), '11:00');
  // the doctor moves it (it stays approved; a patient's move asks the doctor again, and reminders wait)
  const moved = await gql(h.url, `mutation($id: ID!, $s: DateTime!) { rescheduleAppointment(id: $id, startsAt: $s) { status startsAt } }`, { token: doctor, variables: { id, s: newStart } });
  expect(moved.body.data).toEqual({ rescheduleAppointment: { status: 'APPROVED', startsAt: new Date(newStart).toISOString() } });
  await until(async () => {
    const a = await read();
    return a.reminders.every((r) => new Date(r.dueAt).getTime() === new Date(newStart).getTime() - r.offsetMinutes * 60_000 && r.status === 'PENDING') ? true : null;
  }, 8_000, 'reminders moved');

  const cancelled = await gql(h.url, `mutation($id: ID!) { cancelAppointment(id: $id) { status } }`, { token: patient, variables: { id } });
  expect(cancelled.body.errors).toBeUndefined();
  await until(async () => ((await read()).reminders.every((r) => r.status === 'CANCELLED') ? true : null), 8_000, 'reminders cancelled');
});
