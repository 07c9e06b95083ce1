// The doctor's side through the router: approve/decline (one and many), the pending queue, decision
// history, refused transitions, deadlines with recorded staff overrides, reschedule, outcomes, and
// that a patient never sees or changes another patient's appointment.
import { randomUUID } from 'node:crypto';
import { addDoctor, addEverydayRule, codeOf, daysAhead, gql, localToUtc, REQUEST, startAppointments, token, type AppointmentsHarness } from '../testing/fixtures.ts';

let h: AppointmentsHarness;
let doctorId: string;
let doctorToken: string;
let adminToken: string;

beforeAll(async () => {
  h = await startAppointments();
  doctorId = (await addDoctor(h)).doctorId;
  await addEverydayRule(h, doctorId);
  doctorToken = await token(h, doctorId, ['DOCTOR']);
  adminToken = await token(h, randomUUID(), ['ADMIN']);
});

afterAll(async () => {
  h.clinic.shift(0);
  await h?.stop();
});

async function book(patientId: string, date: string, time: string, category = 'ROUTINE') {
  const res = await gql<{ requestAppointment: { id: string; status: string } }>(h.url, REQUEST, {
    token: await token(h, patientId, ['PATIENT']),
    variables: { input: { doctorId, startsAt: localToUtc(date, time), category, reason: 'chest pain' } },
  });
  if (!res.body.data) throw new Error(JSON.stringify(res.body.errors));
  return res.body.data.requestAppointment.id;
}

const APPROVE = `mutation($id: ID!, $reason: String) { approveAppointment(id: $id, reason: $reason) { id status } }`;
const DECLINE = `mutation($id: ID!, $reason: String) { declineAppointment(id: $id, reason: $reason) { id status } }`;
const CANCEL = `mutation($id: ID!, $reason: String, $override: Boolean) { cancelAppointment(id: $id, reason: $reason, override: $override) { id status history { action fromStatus toStatus reason policyOverride actor { id } } } }`;
const GET = `query($id: ID!) { appointment(id: $id) { id status reason startsAt history { action toStatus previousStartsAt } } }`;

test('lifecycle: REQUESTED → APPROVED → COMPLETED, with every transition recorded, and refused transitions', async () => {
  const patient = randomUUID();
  const id = await book(patient, daysAhead(2), '09:00');
  expect((await gql<{ approveAppointment: { status: string } }>(h.url, APPROVE, { token: doctorToken, variables: { id, reason: 'ok' } })).body.data?.approveAppointment.status).toBe('APPROVED');

  const again = await gql(h.url, DECLINE, { token: doctorToken, variables: { id } });
  expect(codeOf(again)).toBe('CONFLICT');
  expect(again.body.errors?.[0]?.message).toBe('An appointment that is APPROVED cannot become DECLINED');

  const early = await gql(h.url, `mutation($id: ID!) { completeAppointment(id: $id) { status } }`, { token: doctorToken, variables: { id } });
  expect(codeOf(early)).toBe('CONFLICT');

  h.clinic.shift(3 * 86_400_000);
  try {
    const byPatient = await gql(h.url, `mutation($id: ID!) { completeAppointment(id: $id) { status } }`, { token: await token(h, patient, ['PATIENT']), variables: { id } });
    expect(codeOf(byPatient)).toBe('FORBIDDEN');
    const done = await gql<{ completeAppointment: { status: string } }>(h.url, `mutation($id: ID!) { completeAppointment(id: $id) { status } }`, { token: doctorToken, variables: { id } });
    expect(done.body.data?.completeAppointment.status).toBe('COMPLETED');
    const cancelDone = await gql(h.url, CANCEL, { token: doctorToken, variables: { id } });
    expect(codeOf(cancelDone)).toBe('CONFLICT');
  } finally {
    h.clinic.shift(0);
  }
  const read = await gql<{ appointment: { history: { action: string; toStatus: string }[] } }>(h.url, GET, { token: await token(h, patient, ['PATIENT']), variables: { id } });
  expect(read.body.data?.appointment.history.map((e) => `${e.action}:${e.toStatus}`)).toEqual(['requested:REQUESTED', 'approved:APPROVED', 'completed:COMPLETED']);
});

test('no-show is recorded by the doctor after the start', async () => {
  const id = await book(randomUUID(), daysAhead(2), '09:30');
  await gql(h.url, APPROVE, { token: doctorToken, variables: { id } });
  h.clinic.shift(3 * 86_400_000);
  try {
    const res = await gql<{ markNoShow: { status: string } }>(h.url, `mutation($id: ID!) { markNoShow(id: $id) { status } }`, { token: doctorToken, variables: { id } });
    expect(res.body.data?.markNoShow.status).toBe('NO_SHOW');
  } finally {
    h.clinic.shift(0);
  }
});

test('a patient cannot see or cancel another patient\'s appointment', async () => {
  const owner = randomUUID();
  const id = await book(owner, daysAhead(4), '09:00');
  const intruder = await token(h, randomUUID(), ['PATIENT']);
  const read = await gql<{ appointment: unknown }>(h.url, GET, { token: intruder, variables: { id } });
  expect(read.body.data?.appointment).toBeNull();
  expect(codeOf(await gql(h.url, CANCEL, { token: intruder, variables: { id } }))).toBe('NOT_FOUND');
  expect(codeOf(await gql(h.url, APPROVE, { token: intruder, variables: { id } }))).toBe('NOT_FOUND');
  const otherDoctor = await token(h, randomUUID(), ['DOCTOR']);
  expect(codeOf(await gql(h.url, APPROVE, { token: otherDoctor, variables: { id } }))).toBe('NOT_FOUND');
  // The patient cannot approve their own request either.
  expect(codeOf(await gql(h.url, APPROVE, { token: await token(h, owner, ['PATIENT']), variables: { id } }))).toBe('FORBIDDEN');
  const mine = await gql<{ myAppointments: { id: string }[] }>(h.url, `{ myAppointments { id } }`, { token: intruder });
  expect(mine.body.data?.myAppointments).toEqual([]);
  const stillThere = await gql<{ appointment: { status: string; reason: string } }>(h.url, GET, { token: await token(h, owner, ['PATIENT']), variables: { id } });
  expect(stillThere.body.data?.appointment).toMatchObject({ status: 'REQUESTED', reason: 'chest pain' });
});

test('batch approve/decline: a per-item result, one failure does not undo the others, priority first', async () => {
  const date = daysAhead(5);
  const a = await book(randomUUID(), date, '10:00');
  const b = await book(randomUUID(), date, '10:30', 'URGENT');
  const c = await book(randomUUID(), date, '11:00');
  await gql(h.url, CANCEL, { token: adminToken, variables: { id: c, reason: 'patient called' } });

  const pending = await gql<{ pendingRequests: { id: string; priority: number }[] }>(
    h.url,
    `query($from: DateTime, $to: DateTime) { pendingRequests(from: $from, to: $to) { id priority } }`,
    { token: doctorToken, variables: { from: localToUtc(date, '00:00'), to: localToUtc(date, '23:59') } },
  );
  expect(pending.body.data?.pendingRequests.map((p) => p.id)).toEqual([b, a]);

  const res = await gql<{ decideAppointments: { id: string; ok: boolean; errorCode: string | null; appointment: { status: string } | null }[] }>(
    h.url,
    `mutation($d: [DecisionInput!]!) { decideAppointments(decisions: $d) { id ok errorCode appointment { status } } }`,
    {
      token: doctorToken,
      variables: {
        d: [
          { id: a, decision: 'APPROVE' },
          { id: c, decision: 'APPROVE' },
          { id: b, decision: 'DECLINE', reason: 'please see the emergency department' },
          { id: randomUUID(), decision: 'APPROVE' },
        ],
      },
    },
  );
  expect(res.body.errors).toBeUndefined();
  expect(res.body.data?.decideAppointments).toEqual([
    { id: a, ok: true, errorCode: null, appointment: { status: 'APPROVED' } },
    { id: c, ok: false, errorCode: 'CONFLICT', appointment: null },
    { id: b, ok: true, errorCode: null, appointment: { status: 'DECLINED' } },
    expect.objectContaining({ ok: false, errorCode: 'NOT_FOUND' }),
  ]);
  const history = await gql<{ decisionHistory: { appointmentId: string; action: string; reason: string | null }[] }>(
    h.url,
    `{ decisionHistory(first: 10) { appointmentId action reason } }`,
    { token: doctorToken },
  );
  // Newest first: the urgent request (b) was decided before a, although it came later in the batch.
  expect(history.body.data?.decisionHistory.slice(0, 2)).toEqual([
    { appointmentId: a, action: 'approved', reason: null },
    { appointmentId: b, action: 'declined', reason: 'please see the emergency department' },
  ]);
  expect(codeOf(await gql(h.url, `{ decisionHistory { id } }`, { token: await token(h, randomUUID(), ['PATIENT']) }))).toBe('FORBIDDEN');
});

test('cancellation deadline: the patient is refused within 24 h; staff override with a reason, recorded', async () => {
  const patient = randomUUID();
  const tomorrow = daysAhead(1);
  const id = await book(patient, tomorrow, '16:00');
  await gql(h.url, APPROVE, { token: doctorToken, variables: { id } });
  h.clinic.shift(new Date(localToUtc(tomorrow, '16:00')).getTime() - Date.now() - 2 * 3_600_000);
  try {
    const patientToken = await token(h, patient, ['PATIENT']);
    expect(codeOf(await gql(h.url, CANCEL, { token: patientToken, variables: { id } }))).toBe('CONFLICT');
    expect(codeOf(await gql(h.url, CANCEL, { token: patientToken, variables: { id, override: true, reason: 'please' } }))).toBe('FORBIDDEN');
    expect(codeOf(await gql(h.url, CANCEL, { token: adminToken, variables: { id, override: true } }))).toBe('BAD_USER_INPUT');
    const res = await gql<{ cancelAppointment: { status: string; history: { action: string; policyOverride: boolean; reason: string }[] } }>(h.url, CANCEL, {
      token: adminToken,
      variables: { id, override: true, reason: 'doctor ill' },
    });
    expect(res.body.data?.cancelAppointment.status).toBe('CANCELLED');
    expect(res.body.data?.cancelAppointment.history.at(-1)).toMatchObject({ action: 'cancelled', policyOverride: true, reason: 'doctor ill' });
  } finally {
    h.clinic.shift(0);
  }
});

test('rescheduling a pending request moves it (never duplicates it) and keeps history; past ones cannot move', async () => {
  const patient = randomUUID();
  const date = daysAhead(6);
  const id = await book(patient, date, '14:00');
  const patientToken = await token(h, patient, ['PATIENT']);
  const RESCHEDULE = `mutation($id: ID!, $at: DateTime!) { rescheduleAppointment(id: $id, startsAt: $at) { id status startsAt } }`;
  const moved = await gql<{ rescheduleAppointment: { id: string; startsAt: string } }>(h.url, RESCHEDULE, { token: patientToken, variables: { id, at: localToUtc(date, '15:00') } });
  expect(moved.body.data?.rescheduleAppointment).toMatchObject({ id, startsAt: localToUtc(date, '15:00') });
  const mine = await gql<{ myAppointments: { id: string; startsAt: string }[] }>(h.url, `{ myAppointments { id startsAt } }`, { token: patientToken });
  expect(mine.body.data?.myAppointments).toEqual([{ id, startsAt: localToUtc(date, '15:00') }]);
  const read = await gql<{ appointment: { history: { action: string; previousStartsAt: string | null }[] } }>(h.url, GET, { token: patientToken, variables: { id } });
  expect(read.body.data?.appointment.history.at(-1)).toEqual({ action: 'rescheduled', toStatus: 'REQUESTED', previousStartsAt: localToUtc(date, '14:00') });
  // The old time is free again.
  expect(await book(randomUUID(), date, '14:00')).toBeTruthy();

  h.clinic.shift(7 * 86_400_000);
  try {
    const late = await gql(h.url, RESCHEDULE, { token: adminToken, variables: { id, at: localToUtc(daysAhead(9), '10:00') } });
    expect(codeOf(late)).toBe('CONFLICT');
    expect(late.body.errors?.[0]?.message).toBe('Past appointments cannot be rescheduled');
  } finally {
    h.clinic.shift(0);
  }
});

test('an exception that takes approved time is reported before it applies, then applied with the appointments handled', async () => {
  const date = daysAhead(8);
  const id = await book(randomUUID(), date, '11:00');
  await gql(h.url, APPROVE, { token: doctorToken, variables: { id } });
  const input = { doctorId, kind: 'DAY_OFF', startsAt: localToUtc(date, '00:00'), endsAt: localToUtc(daysAhead(9), '00:00'), label: 'conference' };
  const preview = await gql<{ previewScheduleException: { id: string }[] }>(h.url, `query($input: ScheduleExceptionInput!) { previewScheduleException(input: $input) { id } }`, {
    token: doctorToken,
    variables: { input },
  });
  expect(preview.body.data?.previewScheduleException).toEqual([{ id }]);
  const ADD = `mutation($input: ScheduleExceptionInput!, $affected: AffectedAppointments) { addScheduleException(input: $input, affected: $affected) { exception { id kind } cancelledAppointments { id status } } }`;
  const refused = await gql(h.url, ADD, { token: doctorToken, variables: { input } });
  expect(codeOf(refused)).toBe('CONFLICT');
  expect(refused.body.errors?.[0]?.extensions?.appointmentIds).toEqual([id]);
  const applied = await gql<{ addScheduleException: { cancelledAppointments: { id: string; status: string }[] } }>(h.url, ADD, {
    token: doctorToken,
    variables: { input, affected: 'CANCEL' },
  });
  expect(applied.body.data?.addScheduleException.cancelledAppointments).toEqual([{ id, status: 'CANCELLED' }]);
  const slots = await gql<{ availableSlots: { slots: unknown[] } }>(h.url, `query($s: SlotSearchInput!) { availableSlots(search: $s) { slots { startsAt } } }`, {
    token: doctorToken,
    variables: { s: { doctorIds: [doctorId], from: localToUtc(date, '00:00'), to: localToUtc(date, '23:59') } },
  });
  expect(slots.body.data?.availableSlots.slots).toEqual([]);
  // Another doctor cannot change this schedule.
  expect(codeOf(await gql(h.url, ADD, { token: await token(h, randomUUID(), ['DOCTOR']), variables: { input } }))).toBe('FORBIDDEN');
});

test('overlapping rules are reported; auto-approval per consultation type approves at once', async () => {
  const overlap = await gql(h.url, `mutation($input: ScheduleRuleInput!) { addScheduleRule(input: $input) { id } }`, {
    token: doctorToken,
    variables: { input: { doctorId, kind: 'WEEKLY', weekdays: [1], startTime: '16:00', endTime: '18:00', validFrom: daysAhead(0), slotMinutes: 20, consultationType: 'VIDEO' } },
  });
  expect(codeOf(overlap)).toBe('CONFLICT');
  expect(overlap.body.errors?.[0]?.extensions?.reason).toBe('OVERLAPPING_RULES');

  const set = await gql<{ setAutoApproval: { all: boolean; consultationTypes: string[] } }>(
    h.url,
    `mutation($d: ID!) { setAutoApproval(doctorId: $d, all: false, consultationTypes: ["IN_PERSON"]) { all consultationTypes } }`,
    { token: doctorToken, variables: { d: doctorId } },
  );
  expect(set.body.data?.setAutoApproval).toEqual({ all: false, consultationTypes: ['IN_PERSON'] });
  const res = await gql<{ requestAppointment: { status: string } }>(h.url, REQUEST, {
    token: await token(h, randomUUID(), ['PATIENT']),
    variables: { input: { doctorId, startsAt: localToUtc(daysAhead(10), '09:00') } },
  });
  expect(res.body.data?.requestAppointment.status).toBe('APPROVED');
  await gql(h.url, `mutation($d: ID!) { setAutoApproval(doctorId: $d, all: false) { all } }`, { token: doctorToken, variables: { d: doctorId } });
});

test('declining needs a reason: without one (or only spaces) it is refused and the request stays; the patient reads the reason given', async () => {
  const patient = randomUUID();
  const id = await book(patient, daysAhead(6), '11:00');
  for (const reason of [undefined, '   ']) {
    const refused = await gql(h.url, DECLINE, { token: doctorToken, variables: { id, reason } });
    expect(codeOf(refused)).toBe('BAD_USER_INPUT');
    expect(refused.body.errors?.[0]?.extensions).toMatchObject({ reason: 'DECLINE_REASON_REQUIRED', field: 'reason' });
  }
  const batch = await gql<{ decideAppointments: { ok: boolean; errorCode: string }[] }>(
    h.url,
    `mutation($d: [DecisionInput!]!) { decideAppointments(decisions: $d) { ok errorCode } }`,
    { token: doctorToken, variables: { d: [{ id, decision: 'DECLINE' }] } },
  );
  expect(batch.body.data?.decideAppointments).toEqual([{ ok: false, errorCode: 'BAD_USER_INPUT' }]);

  const declined = await gql<{ declineAppointment: { status: string } }>(h.url, DECLINE, { token: doctorToken, variables: { id, reason: 'Please see a cardiologist first' } });
  expect(declined.body.data?.declineAppointment.status).toBe('DECLINED');
  const seen = await gql<{ appointment: { status: string; history: { action: string; reason: string | null }[] } }>(
    h.url,
    `query($id: ID!) { appointment(id: $id) { status history { action reason } } }`,
    { token: await token(h, patient, ['PATIENT']), variables: { id } },
  );
  expect(seen.body.data?.appointment.status).toBe('DECLINED');
  expect(seen.body.data?.appointment.history.at(-1)).toEqual({ action: 'declined', reason: 'Please see a cardiologist first' });
});
