// Holds and special time through the router: an undecided request releases its slot when it expires;
// emergency slots are held back from routine requests but open to urgent ones; clinic-wide holidays are
// for administrators; reads of appointments are audited, and so are refused attempts by outsiders.
import { randomUUID } from 'node:crypto';
import { addDoctor, addEverydayRule, codeOf, daysAhead, gql, localToUtc, REQUEST, SLOTS, startAppointments, token, type AppointmentsHarness } from '../testing/fixtures.ts';
import { expireRequests } from '../approval/approve-requests.ts';

let h: AppointmentsHarness;
let doctorId: string;

beforeAll(async () => {
  h = await startAppointments({ policy: { requestTtlHours: 2 } });
  doctorId = (await addDoctor(h)).doctorId;
  await addEverydayRule(h, doctorId);
});

afterAll(async () => {
  h.clinic.shift(0);
  await h?.stop();
});

const em = () => h.stack.subgraphs.appointments!.orm.em.fork();

test('an undecided request expires and its slot is free again', async () => {
  const at = localToUtc(daysAhead(4), '09:00');
  const res = await gql<{ requestAppointment: { id: string } }>(h.url, REQUEST, { token: await token(h, randomUUID(), ['PATIENT']), variables: { input: { doctorId, startsAt: at } } });
  const id = res.body.data!.requestAppointment.id;
  expect(await expireRequests(em(), h.clinic)).toBe(0);
  h.clinic.shift(3 * 3_600_000);
  try {
    expect(await expireRequests(em(), h.clinic)).toBe(1);
    const approve = await gql(h.url, `mutation($id: ID!) { approveAppointment(id: $id) { id } }`, { token: await token(h, doctorId, ['DOCTOR']), variables: { id } });
    expect(codeOf(approve)).toBe('CONFLICT');
    const again = await gql<{ requestAppointment: { status: string } }>(h.url, REQUEST, { token: await token(h, randomUUID(), ['PATIENT']), variables: { input: { doctorId, startsAt: at } } });
    expect(again.body.data?.requestAppointment.status).toBe('REQUESTED');
  } finally {
    h.clinic.shift(0);
  }
});

test('emergency slots: hidden from patients\' search and routine requests, open to urgent requests and staff', async () => {
  const date = daysAhead(5);
  const ADD = `mutation($input: ScheduleExceptionInput!) { addScheduleException(input: $input) { exception { id kind } } }`;
  const added = await gql(h.url, ADD, {
    token: await token(h, doctorId, ['DOCTOR']),
    variables: { input: { doctorId, kind: 'EMERGENCY', startsAt: localToUtc(date, '16:00'), endsAt: localToUtc(date, '17:00'), slotMinutes: 30 } },
  });
  expect(added.body.errors).toBeUndefined();
  const search = async (roles: string[]) =>
    (await gql<{ availableSlots: { slots: { startsAt: string; emergency: boolean }[] } }>(h.url, SLOTS, {
      token: await token(h, randomUUID(), roles),
      variables: { search: { doctorIds: [doctorId], from: localToUtc(date, '15:00'), to: localToUtc(date, '18:00') } },
    })).body.data!.availableSlots.slots;
  expect((await search(['PATIENT'])).map((s) => s.startsAt)).toEqual([localToUtc(date, '15:00'), localToUtc(date, '15:30')]);
  expect((await search(['OPERATOR'])).filter((s) => s.emergency).map((s) => s.startsAt)).toEqual([localToUtc(date, '16:00'), localToUtc(date, '16:30')]);

  const routine = await gql(h.url, REQUEST, { token: await token(h, randomUUID(), ['PATIENT']), variables: { input: { doctorId, startsAt: localToUtc(date, '16:00') } } });
  expect(codeOf(routine)).toBe('BAD_USER_INPUT');
  const urgent = await gql<{ requestAppointment: { priority: number } }>(h.url, REQUEST, {
    token: await token(h, randomUUID(), ['PATIENT']),
    variables: { input: { doctorId, startsAt: localToUtc(date, '16:00'), category: 'URGENT' } },
  });
  expect(urgent.body.data?.requestAppointment.priority).toBe(1);
});

test('clinic-wide holidays are for administrators and close every doctor', async () => {
  const date = daysAhead(6);
  const input = { kind: 'HOLIDAY', startsAt: localToUtc(date, '00:00'), endsAt: localToUtc(daysAhead(7), '00:00'), label: 'National day' };
  const ADD = `mutation($input: ScheduleExceptionInput!) { addScheduleException(input: $input) { exception { id doctorId } } }`;
  expect(codeOf(await gql(h.url, ADD, { token: await token(h, doctorId, ['DOCTOR']), variables: { input } }))).toBe('FORBIDDEN');
  const ok = await gql<{ addScheduleException: { exception: { doctorId: string | null } } }>(h.url, ADD, { token: await token(h, randomUUID(), ['ADMIN']), variables: { input } });
  expect(ok.body.data?.addScheduleException.exception.doctorId).toBeNull();
  const slots = await gql<{ availableSlots: { slots: unknown[] } }>(h.url, SLOTS, {
    token: await token(h, randomUUID(), ['PATIENT']),
    variables: { search: { from: localToUtc(date, '00:00'), to: localToUtc(daysAhead(7), '00:00') } },
  });
  expect(slots.body.data?.availableSlots.slots).toEqual([]);
});

test('reading an appointment writes an audit event (ids only) through the outbox', async () => {
  const patient = randomUUID();
  const res = await gql<{ requestAppointment: { id: string } }>(h.url, REQUEST, {
    token: await token(h, patient, ['PATIENT']),
    variables: { input: { doctorId, startsAt: localToUtc(daysAhead(4), '11:00'), reason: 'secret symptom' } },
  });
  const id = res.body.data!.requestAppointment.id;
  const admin = randomUUID();
  await gql(h.url, `query($id: ID!) { appointment(id: $id) { reason } }`, { token: await token(h, admin, ['ADMIN']), variables: { id } });
  const rows: { payload: Record<string, unknown> }[] = await em().execute(
    `select payload from outbox_events where topic = 'audit.recorded' and payload->>'action' = 'appointment.read' and payload->>'resourceId' = ?`,
    [id],
  );
  expect(rows).toHaveLength(1);
  expect(rows[0]!.payload).toMatchObject({ actorId: admin, subjectUserId: patient, outcome: 'SUCCESS' });
  expect(JSON.stringify(rows[0]!.payload)).not.toContain('secret symptom');
});

test('a doctor listing several patients\' appointments is audited once per patient, against that patient', async () => {
  const patients = [randomUUID(), randomUUID()];
  for (const [i, patient] of patients.entries()) {
    const res = await gql(h.url, REQUEST, { token: await token(h, patient, ['PATIENT']), variables: { input: { doctorId, startsAt: localToUtc(daysAhead(5), `1${i + 3}:00`) } } });
    expect(res.body.errors).toBeUndefined();
  }
  const doctorToken = await token(h, doctorId, ['DOCTOR']);
  const before = new Date(Date.now() - 1000).toISOString();
  for (const q of ['{ pendingRequests { id } }', '{ myAppointments { id } }']) {
    const res = await gql(h.url, q, { token: doctorToken });
    expect(res.body.errors).toBeUndefined();
  }
  const rows: { subject: string; count: number }[] = await em().execute(
    `select payload->>'subjectUserId' as subject, count(*)::int as count from outbox_events
      where topic = 'audit.recorded' and payload->>'action' = 'appointment.read' and payload->>'actorId' = ? and created_at >= ?
      group by 1`,
    [doctorId, before],
  );
  const bySubject = new Map(rows.map((r) => [r.subject, r.count]));
  for (const patient of patients) expect(bySubject.get(patient)).toBe(2);
  expect(bySubject.has(doctorId)).toBe(false);
});

test('another patient\'s attempts to read, cancel or decide an appointment are refused and audited as DENIED', async () => {
  const patient = randomUUID();
  const res = await gql<{ requestAppointment: { id: string } }>(h.url, REQUEST, {
    token: await token(h, patient, ['PATIENT']),
    variables: { input: { doctorId, startsAt: localToUtc(daysAhead(4), '12:00') } },
  });
  const id = res.body.data!.requestAppointment.id;
  const intruder = randomUUID();
  const intruderToken = await token(h, intruder, ['PATIENT']);
  const read = await gql<{ appointment: unknown }>(h.url, `query($id: ID!) { appointment(id: $id) { reason } }`, { token: intruderToken, variables: { id } });
  expect(read.body.data!.appointment).toBeNull();
  const cancel = await gql(h.url, `mutation($id: ID!) { cancelAppointment(id: $id) { status } }`, { token: intruderToken, variables: { id } });
  expect(codeOf(cancel)).toBe('NOT_FOUND');
  const otherDoctor = await token(h, randomUUID(), ['DOCTOR']);
  const approve = await gql(h.url, `mutation($id: ID!) { approveAppointment(id: $id) { status } }`, { token: otherDoctor, variables: { id } });
  expect(codeOf(approve)).toBe('NOT_FOUND');
  const rows: { payload: Record<string, unknown> }[] = await em().execute(
    `select payload from outbox_events where topic = 'audit.recorded' and payload->>'resourceId' = ? and payload->>'outcome' = 'DENIED' order by created_at`,
    [id],
  );
  expect(rows.map((r) => r.payload.action)).toEqual(['appointment.read', 'appointment.cancel', 'appointment.approve']);
  expect(rows[0]!.payload).toMatchObject({ actorId: intruder, subjectUserId: patient });
  // Nothing changed, and an unknown id is a plain NOT_FOUND with nothing to audit.
  const still = await gql<{ appointment: { status: string } }>(h.url, `query($id: ID!) { appointment(id: $id) { status } }`, { token: await token(h, patient, ['PATIENT']), variables: { id } });
  expect(still.body.data!.appointment.status).toBe('REQUESTED');
  const unknown = await gql(h.url, `mutation($id: ID!) { cancelAppointment(id: $id) { status } }`, { token: intruderToken, variables: { id: randomUUID() } });
  expect(codeOf(unknown)).toBe('NOT_FOUND');
});

test('through the database and router: a New York doctor\'s 09:00 stays 09:00 local across the March 2027 change', async () => {
  const ny = (await addDoctor(h, { timeZone: 'America/New_York', specialisations: ['GERIATRICS'] })).doctorId;
  await addEverydayRule(h, ny, { validFrom: daysAhead(-1, 'America/New_York'), startTime: '09:00', endTime: '10:00', slotMinutes: 60 });
  h.clinic.shift(new Date('2027-03-10T12:00:00Z').getTime() - Date.now());
  try {
    const res = await gql<{ availableSlots: { slots: { startsAt: string; localStartsAt: string }[] } }>(h.url, SLOTS, {
      token: await token(h, randomUUID(), ['PATIENT']),
      variables: { search: { specialisation: 'GERIATRICS', from: '2027-03-12T00:00:00Z', to: '2027-03-16T00:00:00Z', timeZone: 'America/New_York' } },
    });
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data!.availableSlots.slots.map((s) => [s.startsAt, s.localStartsAt])).toEqual([
      ['2027-03-12T14:00:00.000Z', '2027-03-12T09:00:00-05:00'],
      ['2027-03-13T14:00:00.000Z', '2027-03-13T09:00:00-05:00'],
      ['2027-03-14T13:00:00.000Z', '2027-03-14T09:00:00-04:00'],
      ['2027-03-15T13:00:00.000Z', '2027-03-15T09:00:00-04:00'],
    ]);
  } finally {
    h.clinic.shift(0);
  }
});
