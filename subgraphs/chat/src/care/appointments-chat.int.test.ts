// Chat with the real appointments subgraph: its outbox relay feeds `chat-appointments`; an approved
// appointment opens its conversation (with a system message) once, however often the event is delivered;
// `Appointment.conversation` resolves through the router for its participants; quick actions in a message
// are executed by the client as ordinary appointments mutations with the user's own rights.
import { randomUUID } from 'node:crypto';
import { addDoctor, addEverydayRule, daysAhead, localToUtc, REQUEST, type AppointmentsHarness } from '@clinic/appointments/src/testing/fixtures.ts';
import { eventually } from '@clinic/router/src/testing/ws.ts';
import { codeOf, gql, MESSAGE_ADDED, send, startChat, token, ws, type ChatHarness } from '../testing/fixtures.ts';
import { applyAppointmentEvent } from './appointment-events.ts';

let h: ChatHarness;
let doctorId: string;
const patientId = randomUUID();
let patient: string;
let doctor: string;

beforeAll(async () => {
  h = await startChat({ withAppointments: true });
  const asAppointments = h as unknown as AppointmentsHarness;
  doctorId = (await addDoctor(asAppointments)).doctorId;
  await addEverydayRule(asAppointments, doctorId);
  patient = await token(h, patientId, ['PATIENT']);
  doctor = await token(h, doctorId, ['DOCTOR']);
});

afterAll(async () => {
  await h?.stop();
});

async function request(startsAt: string) {
  const res = await gql<{ requestAppointment: { id: string; status: string } }>(h.url, REQUEST, {
    token: patient,
    variables: { input: { doctorId, startsAt, consultationType: 'IN_PERSON' } },
  });
  if (res.body.errors) throw new Error(JSON.stringify(res.body.errors));
  return res.body.data!.requestAppointment;
}

const APPT = `query($id: ID!) { appointment(id: $id) { id status conversation { id kind messages { messages { kind body } } } } }`;
type Appt = { appointment: { conversation: { id: string; kind: string; messages: { messages: { kind: string; body: string }[] } } | null } };

test('approving an appointment opens its conversation once, with a system message, for patient and doctor', async () => {
  const appt = await request(localToUtc(daysAhead(3), '10:00'));
  const doctorFeed = ws(h, doctor).subscribe<{ conversationUpdated: { id: string } }>(`subscription { conversationUpdated { id } }`);
  await eventually(() => h.stack.subgraphs.chat!.subscriptionStats().subscriptions >= 1, 5_000, 'subscribed');
  const approved = await gql(h.url, `mutation($id: ID!) { approveAppointment(id: $id) { status } }`, { token: doctor, variables: { id: appt.id } });
  expect(approved.body.errors).toBeUndefined();
  const opened = (await doctorFeed.nth(1, 10_000)).data!.conversationUpdated.id;

  let seen: Appt | undefined;
  const deadline = Date.now() + 10_000;
  while (!seen?.appointment.conversation?.messages.messages.length && Date.now() < deadline) {
    seen = (await gql<Appt>(h.url, APPT, { token: patient, variables: { id: appt.id } })).body.data!;
  }
  expect(seen!.appointment.conversation).toEqual({ id: opened, kind: 'DIRECT', messages: { messages: [{ kind: 'SYSTEM', body: 'appointment.approved' }] } });
  const byDoctor = await gql<Appt>(h.url, APPT, { token: doctor, variables: { id: appt.id } });
  expect(byDoctor.body.data!.appointment.conversation!.id).toBe(opened);

  // The same event delivered again changes nothing.
  const chat = h.stack.subgraphs.chat!;
  const [event] = await chat.orm.em.fork().execute<{ event_id: string }[]>(`select event_id from processed_events order by processed_at desc limit 1`);
  const again = await applyAppointmentEvent(chat.orm, await h.services(), {
    eventId: event!.event_id, topic: 'appointment.approved', createdAt: new Date().toISOString(),
    payload: { appointmentId: appt.id, patientId, doctorId, status: 'APPROVED' },
  });
  expect(again).toBe(false);
  const count = await chat.orm.em.fork().execute<{ n: string }[]>(`select count(*) as n from messages where conversation_id = ?`, [opened]);
  expect(Number(count[0]!.n)).toBe(1);

  // Opening it from the appointment returns the same conversation.
  const fromAppt = await gql<{ openAppointmentConversation: { id: string } }>(h.url, `mutation($id: ID!) { openAppointmentConversation(appointmentId: $id) { id } }`, {
    token: patient, variables: { id: appt.id },
  });
  expect(fromAppt.body.data!.openAppointmentConversation.id).toBe(opened);
  const stranger = await token(h, randomUUID(), ['PATIENT']);
  expect((await gql<Appt>(h.url, `query($id: ID!) { appointment(id: $id) { id } }`, { token: stranger, variables: { id: appt.id } })).body.data?.appointment ?? null).toBeNull();
  expect(codeOf(await gql(h.url, `mutation($id: ID!) { openAppointmentConversation(appointmentId: $id) { id } }`, { token: stranger, variables: { id: appt.id } }))).toBe('FORBIDDEN');
});

test('a quick action books with the patient\'s own rights, and cannot approve', async () => {
  const pending = await request(localToUtc(daysAhead(4), '11:00'));
  // Wait until chat has learned of the appointment (the patient may now write to this doctor).
  const START = `mutation($d: ID!) { startConversation(input: { participantIds: [$d] }) { id } }`;
  let conv: string | undefined;
  const deadline = Date.now() + 10_000;
  while (!conv && Date.now() < deadline) conv = (await gql<{ startConversation: { id: string } }>(h.url, START, { token: patient, variables: { d: doctorId } })).body.data?.startConversation.id;
  expect(conv).toBeDefined();

  const slot = localToUtc(daysAhead(5), '12:30');
  // The first test's feed is still open: wait for this one to be counted on top of it.
  const open = h.stack.subgraphs.chat!.subscriptionStats().subscriptions;
  const patientFeed = ws(h, patient).subscribe<{ messageAdded: { id: string } }>(MESSAGE_ADDED, { id: conv });
  await eventually(() => h.stack.subgraphs.chat!.subscriptionStats().subscriptions > open, 5_000, 'subscribed');
  await send(h, doctor, conv!, 'I can see you then', randomUUID(), {
    actions: [
      { kind: 'BOOK_SLOT', doctorId, startsAt: slot, consultationType: 'IN_PERSON' },
      { kind: 'CONFIRM', appointmentId: pending.id },
    ],
  });
  await patientFeed.nth(1);
  const read = await gql<{ conversation: { lastMessage: { actions: { kind: string; doctorId: string; startsAt: string; appointmentId: string; consultationType: string }[] } } }>(
    h.url, `query($id: ID!) { conversation(id: $id) { lastMessage { actions { kind doctorId startsAt appointmentId consultationType } } } }`, { token: patient, variables: { id: conv } },
  );
  const [book, confirm] = read.body.data!.conversation.lastMessage.actions;
  expect(book!.kind).toBe('BOOK_SLOT');

  // The client executes BOOK_SLOT as requestAppointment with the patient's token: allowed.
  const booked = await gql<{ requestAppointment: { status: string } }>(h.url, REQUEST, {
    token: patient, variables: { input: { doctorId: book!.doctorId, startsAt: book!.startsAt, consultationType: book!.consultationType } },
  });
  expect(booked.body.data!.requestAppointment.status).toBe('REQUESTED');
  // CONFIRM as approveAppointment with the patient's token: refused, the appointment stays requested.
  const approve = await gql(h.url, `mutation($id: ID!) { approveAppointment(id: $id) { status } }`, { token: patient, variables: { id: confirm!.appointmentId } });
  expect(codeOf(approve)).toBe('FORBIDDEN');
  const still = await gql<{ appointment: { status: string } }>(h.url, `query($id: ID!) { appointment(id: $id) { status } }`, { token: patient, variables: { id: pending.id } });
  expect(still.body.data!.appointment.status).toBe('REQUESTED');
  // Patients cannot attach actions at all.
  const patientAction = await gql(h.url, `mutation($i: SendMessageInput!) { sendMessage(input: $i) { id } }`, {
    token: patient, variables: { i: { conversationId: conv, clientMessageId: randomUUID(), body: 'approve me', actions: [{ kind: 'CONFIRM', appointmentId: pending.id }] } },
  });
  expect(codeOf(patientAction)).toBe('FORBIDDEN');
});
