// Events: the outbox relay delivers appointment changes to the notification/assistant/audit queues (ids
// only, no PHI) and to live subscriptions, filtered per subscriber; the doctor directory is fed from
// identity's queue.
import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import WebSocket from 'ws';
import { createClient, type Client } from 'graphql-ws';
import { TEST_REDIS_URL } from '@clinic/service-kit/testing';
import { AUDIT_QUEUE } from '@clinic/service-kit';
import { addDoctor, addEverydayRule, daysAhead, gql, localToUtc, REQUEST, SLOTS, startAppointments, token, type AppointmentsHarness } from './testing/fixtures.ts';
import { DOCTORS_QUEUE } from './directory/doctor-directory.ts';
import { ASSISTANT_QUEUE, DOCUMENTS_QUEUE, NOTIFICATIONS_QUEUE } from './service.ts';
import { connectWs, eventually } from '@clinic/router/src/testing/ws.ts';

let h: AppointmentsHarness;
let doctorId: string;
let redis: Redis;
const clients: Client[] = [];
const queues: Queue[] = [];

beforeAll(async () => {
  h = await startAppointments();
  doctorId = (await addDoctor(h)).doctorId;
  await addEverydayRule(h, doctorId);
  redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
});

afterAll(async () => {
  for (const c of clients) await c.dispose();
  for (const q of queues) {
    await q.obliterate({ force: true }).catch(() => {});
    await q.close();
  }
  await h?.stop();
  redis?.disconnect();
});

const queue = (name: string) => {
  const q = new Queue(h.queuePrefix + name, { connection: redis });
  queues.push(q);
  return q;
};

/** A graphql-ws client straight to the subgraph, as the router would connect (secret on the upgrade). */
function subscriber(authorization: string | undefined) {
  const url = h.stack.subgraphs.appointments!.url.replace('http', 'ws');
  const client = createClient({
    url,
    lazy: false,
    retryAttempts: 0,
    connectionParams: authorization ? { authorization } : {},
    webSocketImpl: class extends WebSocket {
      constructor(address: string, protocols?: string | string[]) {
        super(address, protocols, { headers: { 'x-router-secret': 'test-router-secret' } });
      }
    },
  });
  clients.push(client);
  return client;
}

function listen(client: Client, query: string, variables: Record<string, unknown> = {}) {
  const events: Record<string, unknown>[] = [];
  const errors: unknown[] = [];
  client.subscribe({ query, variables }, {
    next: (v) => (v.errors ? errors.push(...v.errors) : events.push(v.data as Record<string, unknown>)),
    error: (e) => errors.push(e),
    complete: () => {},
  });
  return { events, errors };
}

async function until(check: () => boolean | Promise<boolean>, ms = 5_000) {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 25));
  }
}

test('status changes reach only the patient and doctor involved; slot changes reach the doctor\'s listeners', async () => {
  const [patient, stranger] = [randomUUID(), randomUUID()];
  const STATUS = `subscription { myAppointmentStatusChanged { appointmentId status previousStatus appointment { id status } } }`;
  const mine = listen(subscriber(`Bearer ${await token(h, patient, ['PATIENT'])}`), STATUS);
  const theirs = listen(subscriber(`Bearer ${await token(h, stranger, ['PATIENT'])}`), STATUS);
  const doctors = listen(subscriber(`Bearer ${await token(h, doctorId, ['DOCTOR'])}`), STATUS);
  const slots = listen(subscriber(`Bearer ${await token(h, randomUUID(), ['PATIENT'])}`), `subscription($d: ID!) { slotAvailabilityChanged(doctorId: $d) { doctorId startsAt available } }`, { d: doctorId });
  const anonymous = listen(subscriber(undefined), STATUS);
  await new Promise((r) => setTimeout(r, 300));

  const at = localToUtc(daysAhead(2), '09:00');
  const res = await gql<{ requestAppointment: { id: string } }>(h.url, REQUEST, { token: await token(h, patient, ['PATIENT']), variables: { input: { doctorId, startsAt: at, reason: 'private' } } });
  const id = res.body.data!.requestAppointment.id;
  await gql(h.url, `mutation($id: ID!) { approveAppointment(id: $id) { id } }`, { token: await token(h, doctorId, ['DOCTOR']), variables: { id } });

  await until(() => mine.events.length >= 2 && doctors.events.length >= 2 && slots.events.length >= 2);
  expect(mine.events.map((e) => (e.myAppointmentStatusChanged as { status: string }).status)).toEqual(['REQUESTED', 'APPROVED']);
  expect(mine.events[1]).toEqual({ myAppointmentStatusChanged: { appointmentId: id, status: 'APPROVED', previousStatus: 'REQUESTED', appointment: { id, status: 'APPROVED' } } });
  expect(slots.events[0]).toEqual({ slotAvailabilityChanged: { doctorId, startsAt: at, available: false } });
  await new Promise((r) => setTimeout(r, 300));
  expect(theirs.events).toEqual([]);
  expect(anonymous.events).toEqual([]);
  expect(anonymous.errors.length).toBeGreaterThan(0);
});

test('a reschedule announces, through the router, the freed old time as well as the newly taken one', async () => {
  const patient = randomUUID();
  const patientToken = await token(h, patient, ['PATIENT']);
  const ws = connectWs(h.url, await token(h, randomUUID(), ['PATIENT']));
  try {
    const open = h.stack.subgraphs.appointments!.subscriptionStats().subscriptions;
    const slots = ws.subscribe<{ slotAvailabilityChanged: { startsAt: string; endsAt: string; available: boolean } }>(
      `subscription($d: ID!) { slotAvailabilityChanged(doctorId: $d) { startsAt endsAt available } }`,
      { d: doctorId },
    );
    await eventually(() => h.stack.subgraphs.appointments!.subscriptionStats().subscriptions > open, 5_000, 'the upstream subscription');
    const [oldAt, oldEnd, newAt, newEnd] = [localToUtc(daysAhead(3), '10:00'), localToUtc(daysAhead(3), '10:30'), localToUtc(daysAhead(3), '14:00'), localToUtc(daysAhead(3), '14:30')];
    const res = await gql<{ requestAppointment: { id: string } }>(h.url, REQUEST, { token: patientToken, variables: { input: { doctorId, startsAt: oldAt } } });
    const moved = await gql(h.url, `mutation($id: ID!, $at: DateTime!) { rescheduleAppointment(id: $id, startsAt: $at) { id } }`, {
      token: patientToken,
      variables: { id: res.body.data!.requestAppointment.id, at: newAt },
    });
    expect(moved.body.errors).toBeUndefined();
    await slots.nth(3);
    expect(slots.events.map((e) => e.data!.slotAvailabilityChanged)).toEqual([
      { startsAt: oldAt, endsAt: oldEnd, available: false },
      { startsAt: oldAt, endsAt: oldEnd, available: true },
      { startsAt: newAt, endsAt: newEnd, available: false },
    ]);
    // What was announced is what search says: the old time is bookable again, the new one is not.
    const found = await gql<{ availableSlots: { slots: { startsAt: string }[] } }>(h.url, SLOTS, {
      token: patientToken,
      variables: { search: { doctorIds: [doctorId], from: oldAt, to: newEnd, first: 200 } },
    });
    const starts = found.body.data!.availableSlots.slots.map((s) => s.startsAt);
    expect(starts).toContain(oldAt);
    expect(starts).not.toContain(newAt);
  } finally {
    await ws.dispose();
  }
});

test('a partner without availability:read cannot listen to slot changes', async () => {
  const partner = listen(
    subscriber(`Bearer ${await (await import('./testing/fixtures.ts')).partnerToken(h, 'other:scope')}`),
    `subscription($d: ID!) { slotAvailabilityChanged(doctorId: $d) { available } }`,
    { d: doctorId },
  );
  await until(() => partner.errors.length > 0);
  expect(JSON.stringify(partner.errors)).toContain('FORBIDDEN');
});

test('the relay puts appointment events on the notification, assistant and documents queues, and audit events on the audit queue, without PHI', async () => {
  const at = localToUtc(daysAhead(2), '11:00');
  const documentId = randomUUID();
  const patientToken = await token(h, randomUUID(), ['PATIENT']);
  const tooMany = await gql(h.url, REQUEST, { token: patientToken, variables: { input: { doctorId, startsAt: at, documentIds: Array.from({ length: 21 }, () => randomUUID()) } } });
  expect(tooMany.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  const res = await gql<{ requestAppointment: { id: string } }>(h.url, REQUEST, { token: patientToken, variables: { input: { doctorId, startsAt: at, reason: 'very private words', documentIds: [documentId] } } });
  const id = res.body.data!.requestAppointment.id;
  for (const name of [NOTIFICATIONS_QUEUE, ASSISTANT_QUEUE, DOCUMENTS_QUEUE, AUDIT_QUEUE]) {
    const q = queue(name);
    await until(async () => (await q.getJobs()).some((j) => JSON.stringify(j.data).includes(id)));
    const jobs = await q.getJobs();
    expect(JSON.stringify(jobs.map((j) => j.data))).not.toContain('very private words');
  }
  const notifications = await queue(NOTIFICATIONS_QUEUE).getJobs();
  const job = notifications.find((j) => j.data.payload.appointmentId === id)!;
  expect(job.data.topic).toBe('appointment.requested');
  expect(job.opts.jobId).toBe(job.data.eventId);
  // The documents service attaches the request's documents (it checks they are the patient's).
  const forDocuments = (await queue(DOCUMENTS_QUEUE).getJobs()).find((j) => j.data.payload.appointmentId === id)!;
  expect(forDocuments.data.payload.documentIds).toEqual([documentId]);
});

test('doctor profiles from identity\'s queue feed the directory, idempotently and in order', async () => {
  const newDoctor = randomUUID();
  const q = queue(DOCTORS_QUEUE);
  const job = (createdAt: string, specialisations: string[]) => ({
    eventId: randomUUID(),
    topic: 'doctor.profile_updated',
    createdAt,
    payload: { doctorId: newDoctor, specialisations, languages: ['en'], timeZone: 'America/New_York', consultationTypes: ['VIDEO'], active: true },
  });
  const first = job('2026-01-02T00:00:00.000Z', ['DERMATOLOGY']);
  await q.add(first.topic, first, { jobId: first.eventId });
  const patient = await token(h, randomUUID(), ['PATIENT']);
  const search = (specialisation: string) =>
    gql<{ availableSlots: { slots: { doctor: { id: string } }[] } }>(h.url, SLOTS, {
      token: patient,
      variables: { search: { specialisation, from: localToUtc(daysAhead(2), '00:00'), to: localToUtc(daysAhead(3), '00:00') } },
    });
  await until(async () => {
    const rows: unknown[] = await h.stack.subgraphs.appointments!.orm.em.fork().execute('select 1 from doctor_directory where doctor_id = ?', [newDoctor]);
    return rows.length === 1;
  });
  await addEverydayRule(h, newDoctor, { consultationType: 'VIDEO', validFrom: daysAhead(-1, 'America/New_York') });
  expect((await search('DERMATOLOGY')).body.data?.availableSlots.slots[0]?.doctor.id).toBe(newDoctor);

  // An older event delivered late changes nothing.
  const late = job('2026-01-01T00:00:00.000Z', ['PAEDIATRICS']);
  await q.add(late.topic, late, { jobId: late.eventId });
  await until(async () => (await q.getJobState(late.eventId)) === 'completed');
  expect((await search('PAEDIATRICS')).body.data?.availableSlots.slots).toEqual([]);
  expect((await search('DERMATOLOGY')).body.data?.availableSlots.slots.length).toBeGreaterThan(0);
});
