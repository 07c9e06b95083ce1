// The clinic's whole flow across subgraphs, through the router, with real tokens from identity's own
// sign-in: identity and appointments wired to each other through the real outbox relays and BullMQ
// queues (unique names per run), exactly as in production: doctor profiles travel identity →
// appointments, audit events appointments → identity. Once on the machine's PostgreSQL and once on the
// embedded default of `npm start` (PGlite, one connection per service).
import { randomBytes } from 'node:crypto';
import { DateTime } from 'luxon';
import { registerVerifiedPatient } from '@clinic/service-kit/testing';
import { gql } from '../../router/src/testing/harness.ts';
import { DOCTORS_QUEUE as IDENTITY_DOCTORS_QUEUE } from '../../subgraphs/identity/src/service.ts';
import { DOCTORS_QUEUE } from '../../subgraphs/appointments/src/directory/doctor-directory.ts';
import { codeOf, graphqlCaller, signIn as signInAs } from '@clinic/service-kit/testing';
import { CLINIC_MODES, eventually, startClinic, type Clinic } from './clinic-stack.ts';

const run = randomBytes(4).toString('hex');
const ADMIN = { email: `admin-${run}@clinic.test`, password: 'Admin-pass-2026!' };
const DOCTOR = { email: `dr-ionescu-${run}@clinic.test`, password: 'Doctor-pass-2026!', displayName: 'Dr. Ana Ionescu' };
const PATIENT = { email: `maria-${run}@example.test`, password: 'Patient-pass-2026!', displayName: 'Maria Popescu' };
const OTHER = { email: `ion-${run}@example.test`, password: 'Other-pass-2026!', displayName: 'Ion Vasile' };
const SPECIALISATION = `Cardiology-${run}`;
const ZONE = 'Europe/Bucharest';

let clinic: Clinic;
let url: string;
const startedAt = new Date();

const call = graphqlCaller(() => url);
const signIn = (who: { email: string; password: string }) => signInAs(call, who);

const SLOTS = `query($search: SlotSearchInput!) {
  availableSlots(search: $search) { slots { startsAt localStartsAt doctor { id displayName } } hasNextPage }
}`;
type Slot = { startsAt: string; localStartsAt: string; doctor: { id: string; displayName: string } };
const searchFrom = DateTime.now().setZone(ZONE).plus({ days: 2 }).startOf('day');
const search = () => ({ specialisation: SPECIALISATION, language: 'ro', from: searchFrom.toUTC().toISO(), to: searchFrom.plus({ days: 3 }).toUTC().toISO(), timeZone: ZONE, first: 100 });

test('both sides agree on the doctor directory queue name', () => {
  expect(IDENTITY_DOCTORS_QUEUE).toBe(DOCTORS_QUEUE);
});

describe.each(CLINIC_MODES)('the clinic flow on %s PostgreSQL, end to end through the router', (mode) => {
  beforeAll(async () => {
    clinic = await startClinic(ADMIN, mode);
    url = clinic.url;
  }, 240_000);

  afterAll(async () => {
    await clinic?.stop();
  });

  const s = {} as {
    admin: { token: string; userId: string };
    doctor: { token: string; userId: string };
    patient: { token: string; userId: string };
    other: { token: string; userId: string };
    slot: Slot;
    appointmentId: string;
  };

  test('the bootstrap administrator signs in', async () => {
    // Identity creates it in its background start-up; wait for the row rather than failing sign-ins (lockout counts those).
    await eventually(
      () => clinic.sql('identity', `select 1 from users where lower(email) = lower(?)`, [ADMIN.email]),
      (rows) => rows.length === 1,
    );
    s.admin = await signIn(ADMIN);
    const me = await call<{ me: { roles: string[] } }>(`{ me { roles } }`, {}, s.admin.token);
    expect(me.me.roles).toContain('ADMIN');
  });

  test('the admin creates a doctor with a specialisation and a language; the directory in appointments receives it', async () => {
    const created = await call<{ createStaffUser: { id: string; roles: string[] } }>(
      `mutation($input: CreateStaffInput!) { createStaffUser(input: $input) { id roles } }`,
      { input: { email: DOCTOR.email, displayName: DOCTOR.displayName, roles: ['DOCTOR'], password: DOCTOR.password } },
      s.admin.token,
    );
    expect(created.createStaffUser.roles).toEqual(['DOCTOR']);
    const profile = await call<{ updateDoctorProfile: { specialisations: string[]; timeZone: string } }>(
      `mutation($id: ID!, $input: DoctorProfileInput!) { updateDoctorProfile(doctorId: $id, input: $input) { specialisations languages timeZone } }`,
      { id: created.createStaffUser.id, input: { specialisations: [SPECIALISATION], languages: ['ro', 'en'], timeZone: ZONE, consultationTypes: ['IN_PERSON'] } },
      s.admin.token,
    );
    expect(profile.updateDoctorProfile).toMatchObject({ specialisations: [SPECIALISATION], timeZone: ZONE });
    const directory = await eventually(
      () => clinic.sql<{ specialisations: string[]; time_zone: string; active: boolean }>(
        'appointments', `select specialisations, time_zone, active from doctor_directory where doctor_id = ?`, [created.createStaffUser.id]),
      (rows) => rows[0]?.specialisations.includes(SPECIALISATION) ?? false,
    );
    expect(directory[0]).toMatchObject({ specialisations: [SPECIALISATION], time_zone: ZONE, active: true });
  });

  test('the doctor signs in and defines a weekly schedule in their time zone', async () => {
    s.doctor = await signIn(DOCTOR);
    const rule = await call<{ addScheduleRule: { id: string; weekdays: number[] } }>(
      `mutation($input: ScheduleRuleInput!) { addScheduleRule(input: $input) { id kind weekdays startTime endTime } }`,
      {
        input: {
          doctorId: s.doctor.userId, kind: 'WEEKLY', weekdays: [1, 2, 3, 4, 5, 6, 7], startTime: '09:00', endTime: '12:00',
          validFrom: DateTime.now().setZone(ZONE).toISODate(), slotMinutes: 30, bufferMinutes: 0, consultationType: 'IN_PERSON',
        },
      },
      s.doctor.token,
    );
    expect(rule.addScheduleRule.weekdays).toHaveLength(7);
  });

  test('a patient registers, signs in, finds free slots by specialisation and requests one with a reason', async () => {
    await registerVerifiedPatient(url, { email: PATIENT.email, password: PATIENT.password, displayName: PATIENT.displayName }, s.admin.token);
    s.patient = await signIn(PATIENT);
    const found = await call<{ availableSlots: { slots: Slot[] } }>(SLOTS, { search: search() }, s.patient.token);
    expect(found.availableSlots.slots.length).toBe(3 * 6);
    s.slot = found.availableSlots.slots[0]!;
    expect(s.slot.doctor).toEqual({ id: s.doctor.userId, displayName: DOCTOR.displayName });
    expect(s.slot.localStartsAt).toMatch(/T09:00:00(\.000)?\+0[23]:00$/);
    const requested = await call<{ requestAppointment: { id: string; status: string } }>(
      `mutation($input: RequestAppointmentInput!) { requestAppointment(input: $input) { id status } }`,
      { input: { doctorId: s.doctor.userId, startsAt: s.slot.startsAt, reason: 'Chest pain when climbing stairs', category: 'ROUTINE' } },
      s.patient.token,
    );
    expect(requested.requestAppointment.status).toBe('REQUESTED');
    s.appointmentId = requested.requestAppointment.id;
  });

  test('the doctor sees the pending request with the patient\'s name (from identity) and approves it', async () => {
    const pending = await call<{ pendingRequests: { id: string; reason: string; patient: { id: string; displayName: string } }[] }>(
      `{ pendingRequests { id reason patient { id displayName } } }`, {}, s.doctor.token,
    );
    expect(pending.pendingRequests).toEqual([
      { id: s.appointmentId, reason: 'Chest pain when climbing stairs', patient: { id: s.patient.userId, displayName: PATIENT.displayName } },
    ]);
    const approved = await call<{ approveAppointment: { status: string } }>(
      `mutation($id: ID!) { approveAppointment(id: $id, reason: "See you then") { status } }`, { id: s.appointmentId }, s.doctor.token,
    );
    expect(approved.approveAppointment.status).toBe('APPROVED');
  });

  test('the patient\'s appointments show it APPROVED with the doctor\'s display name', async () => {
    const mine = await call<{ myAppointments: { id: string; status: string; startsAt: string; doctor: { displayName: string } }[] }>(
      `{ myAppointments { id status startsAt doctor { displayName } } }`, {}, s.patient.token,
    );
    expect(mine.myAppointments).toEqual([{ id: s.appointmentId, status: 'APPROVED', startsAt: s.slot.startsAt, doctor: { displayName: DOCTOR.displayName } }]);
    // The same through identity's `me`, extended by appointments (identity → appointments → identity).
    const me = await call<{ me: { displayName: string; appointments: { id: string; status: string; doctor: { displayName: string } }[] } }>(
      `{ me { displayName appointments { id status doctor { displayName } } } }`, {}, s.patient.token,
    );
    expect(me.me).toEqual({ displayName: PATIENT.displayName, appointments: [{ id: s.appointmentId, status: 'APPROVED', doctor: { displayName: DOCTOR.displayName } }] });
  });

  test('a second patient can neither see nor cancel it, and the slot is gone from search', async () => {
    await registerVerifiedPatient(url, OTHER, s.admin.token);
    s.other = await signIn(OTHER);
    const seen = await gql<{ appointment: unknown }>(url, `query($id: ID!) { appointment(id: $id) { id reason } }`, { variables: { id: s.appointmentId }, token: s.other.token });
    if (seen.body.errors) expect(['FORBIDDEN', 'NOT_FOUND']).toContain(codeOf(seen.body.errors));
    else expect(seen.body.data!.appointment).toBeNull();
    const theirs = await call<{ myAppointments: unknown[] }>(`{ myAppointments { id } }`, {}, s.other.token);
    expect(theirs.myAppointments).toEqual([]);
    const cancel = await gql(url, `mutation($id: ID!) { cancelAppointment(id: $id, reason: "mine now") { status } }`, { variables: { id: s.appointmentId }, token: s.other.token });
    expect(['FORBIDDEN', 'NOT_FOUND']).toContain(codeOf(cancel.body.errors));
    const found = await call<{ availableSlots: { slots: Slot[] } }>(SLOTS, { search: search() }, s.other.token);
    expect(found.availableSlots.slots.map((x) => x.startsAt)).not.toContain(s.slot.startsAt);
    expect(found.availableSlots.slots.length).toBe(3 * 6 - 1);
    const still = await call<{ myAppointments: { status: string }[] }>(`{ myAppointments { status } }`, {}, s.patient.token);
    expect(still.myAppointments.map((a) => a.status)).toEqual(['APPROVED']);
  });

  test('the admin\'s compliance report for the patient lists the doctor\'s reads (audit via outbox and queue)', async () => {
    await call(`query($id: ID!) { appointment(id: $id) { id reason } }`, { id: s.appointmentId }, s.doctor.token);
    const REPORT = `query($id: ID!, $from: DateTime!, $to: DateTime!) {
      complianceReport(patientId: $id, from: $from, to: $to) { accessors { actorId actorKind accesses denied actions } }
    }`;
    type Report = { complianceReport: { accessors: { actorId: string; actorKind: string; accesses: number; denied: number; actions: string[] }[] } };
    const vars = { id: s.patient.userId, from: startedAt.toISOString(), to: new Date(Date.now() + 60_000).toISOString() };
    const doctorLine = (r: Report) => r.complianceReport.accessors.find((a) => a.actorId === s.doctor.userId);
    const otherLine = (r: Report) => r.complianceReport.accessors.find((a) => a.actorId === s.other.userId);
    const report = await eventually(
      () => call<Report>(REPORT, vars, s.admin.token),
      (r) => (doctorLine(r)?.actions.includes('appointment.read') ?? false) && (otherLine(r)?.denied ?? 0) >= 2,
    );
    expect(doctorLine(report)).toMatchObject({ actorKind: 'user', denied: 0 });
    expect(doctorLine(report)!.actions).toEqual(expect.arrayContaining(['appointment.read', 'appointment.approved']));
    // The second patient's refused read and cancel are there too, as denied.
    expect(otherLine(report)).toMatchObject({ actorKind: 'user', accesses: 2, denied: 2 });
    expect(otherLine(report)!.actions.sort()).toEqual(['appointment.cancel', 'appointment.read']);
    // The patient's own reads are not "someone accessed my data".
    expect(report.complianceReport.accessors.map((a) => a.actorId)).not.toContain(s.patient.userId);
  });

  test('a partner issued by identity searches availability with client credentials, but cannot book', async () => {
    const issued = await call<{ issuePartnerClient: { client: { id: string }; clientSecret: string } }>(
      `mutation { issuePartnerClient(name: "Insurer portal", scopes: ["availability:read"]) { client { id } clientSecret } }`, {}, s.admin.token,
    );
    const { partnerToken } = await call<{ partnerToken: { accessToken: string; scope: string } }>(
      `mutation($id: String!, $secret: String!) { partnerToken(clientId: $id, clientSecret: $secret) { accessToken scope } }`,
      { id: issued.issuePartnerClient.client.id, secret: issued.issuePartnerClient.clientSecret },
    );
    expect(partnerToken.scope).toBe('availability:read');
    const found = await call<{ availableSlots: { slots: Slot[] } }>(SLOTS, { search: search() }, partnerToken.accessToken);
    expect(found.availableSlots.slots.length).toBe(3 * 6 - 1);
    const book = await gql(url, `mutation($input: RequestAppointmentInput!) { requestAppointment(input: $input) { id } }`, {
      variables: { input: { doctorId: s.doctor.userId, startsAt: found.availableSlots.slots[0]!.startsAt } },
      token: partnerToken.accessToken,
    });
    expect(codeOf(book.body.errors)).toBe('FORBIDDEN');
    const mine = await gql(url, `{ myAppointments { id } }`, { token: partnerToken.accessToken });
    expect(['FORBIDDEN', 'UNAUTHENTICATED']).toContain(codeOf(mine.body.errors));
  });

  test('deactivating the doctor in identity takes their slots out of search in appointments', async () => {
    await call(`mutation($id: ID!) { deactivateUser(userId: $id) { status } }`, { id: s.doctor.userId }, s.admin.token);
    const found = await eventually(
      () => call<{ availableSlots: { slots: Slot[] } }>(SLOTS, { search: search() }, s.patient.token),
      (r) => r.availableSlots.slots.length === 0,
    );
    expect(found.availableSlots.slots).toEqual([]);
  });
});
