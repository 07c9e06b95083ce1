// A doctor reads the account and patient profile of their own patients (an appointment with them, past or
// future) and of nobody else, unless a staff permission says so. Identity learns who is whose doctor from
// appointments' events (never from appointments' tables). Through the router with tokens identity issued;
// the reference path (`_entities`, as the router resolves `appointment.patient`) at identity itself.
import { randomBytes } from 'node:crypto';
import { DateTime } from 'luxon';
import { ROUTER_SECRET_HEADER } from '@clinic/service-kit';
import { registerVerifiedPatient } from '@clinic/service-kit/testing';
import { gql } from '../../router/src/testing/harness.ts';
import { eventually, startClinic, type Clinic } from './clinic-stack.ts';

const run = randomBytes(4).toString('hex');
const ADMIN = { email: `admin-c-${run}@clinic.test`, password: 'Admin-pass-2026!' };
const PASSWORD = 'Care-pass-2026!';
const ZONE = 'Europe/Bucharest';
const SPECIALISATION = `Care-${run}`;

let clinic: Clinic;
let url: string;
type Who = { token: string; userId: string; email: string };
const s = {} as { admin: Who; doctorA: Who; doctorB: Who; operator: Who; patientP: Who; patientQ: Who };

type Errors = { message: string; extensions?: Record<string, unknown> }[] | undefined;
const codes = (errors: Errors) => (errors ?? []).map((e) => e.extensions?.code);

async function call<T>(query: string, variables: Record<string, unknown> = {}, token?: string): Promise<T> {
  const res = await gql<T>(url, query, { variables, token });
  if (res.body.errors?.length || !res.body.data) throw new Error(`${query.slice(0, 60)}… failed: ${JSON.stringify(res.body.errors)}`);
  return res.body.data;
}
async function signIn(email: string, password = PASSWORD): Promise<Who> {
  const data = await call<{ signIn: { auth: { accessToken: string; user: { id: string } } } }>(
    `mutation($email: String!, $password: String!) { signIn(email: $email, password: $password) { auth { accessToken user { id } } } }`, { email, password });
  return { token: data.signIn.auth.accessToken, userId: data.signIn.auth.user.id, email };
}
async function staff(name: string, roles: string[]): Promise<Who> {
  const email = `${name}-${run}@clinic.test`;
  await call(`mutation($input: CreateStaffInput!) { createStaffUser(input: $input) { id } }`, { input: { email, displayName: name, roles, password: PASSWORD } }, s.admin.token);
  return signIn(email);
}
async function doctor(name: string): Promise<Who> {
  const who = await staff(name, ['DOCTOR']);
  await call(`mutation($id: ID!, $input: DoctorProfileInput!) { updateDoctorProfile(doctorId: $id, input: $input) { timeZone } }`,
    { id: who.userId, input: { specialisations: [SPECIALISATION], languages: ['ro'], timeZone: ZONE, consultationTypes: ['IN_PERSON'] } }, who.token);
  await eventually(() => appointmentsSql(`select 1 from doctor_directory where doctor_id = ?`, [who.userId]), (rows) => rows.length === 1);
  await call(`mutation($input: ScheduleRuleInput!) { addScheduleRule(input: $input) { id } }`, {
    input: { doctorId: who.userId, kind: 'WEEKLY', weekdays: [1, 2, 3, 4, 5, 6, 7], startTime: '09:00', endTime: '12:00',
      validFrom: DateTime.now().setZone(ZONE).toISODate(), slotMinutes: 30, bufferMinutes: 0, consultationType: 'IN_PERSON' },
  }, who.token);
  return who;
}
async function patient(name: string): Promise<Who> {
  const email = `${name}-${run}@example.test`;
  await registerVerifiedPatient(url, { email, password: PASSWORD, displayName: name }, s.admin.token);
  return signIn(email);
}
async function book(who: Who, doctorId: string): Promise<void> {
  const from = DateTime.now().setZone(ZONE).plus({ days: 2 }).startOf('day');
  const found = await call<{ availableSlots: { slots: { startsAt: string; doctor: { id: string } }[] } }>(
    `query($search: SlotSearchInput!) { availableSlots(search: $search) { slots { startsAt doctor { id } } } }`,
    { search: { specialisation: SPECIALISATION, from: from.toUTC().toISO(), to: from.plus({ days: 3 }).toUTC().toISO(), timeZone: ZONE, first: 100 } }, who.token);
  const slot = found.availableSlots.slots.find((x) => x.doctor.id === doctorId)!;
  await call(`mutation($input: RequestAppointmentInput!) { requestAppointment(input: $input) { id } }`,
    { input: { doctorId, startsAt: slot.startsAt, reason: 'Check-up', category: 'ROUTINE' } }, who.token);
}
const identitySql = (sql: string, params: unknown[]) => clinic.sql('identity', sql, params);
const appointmentsSql = (sql: string, params: unknown[]) => clinic.sql('appointments', sql, params);
const careRows = (doctorId: string, patientId: string) => identitySql(`select 1 from care_relationships where doctor_id = ? and patient_id = ?`, [doctorId, patientId]);

const USER = `query($id: ID!) { user(id: $id) { id email patientProfile { patientId } } }`;
const ENTITIES = `query($reps: [_Any!]!) { _entities(representations: $reps) { ... on User { id email roles patientProfile { patientId } } } }`;
/** The reference path: what the router sends identity to resolve `appointment.patient { email }`. */
const entitiesAtIdentity = (token: string, userId: string) =>
  gql<{ _entities: ({ id: string; email: string | null } | null)[] }>(clinic.subgraphs.identity!.url, ENTITIES, {
    variables: { reps: [{ __typename: 'User', id: userId }] },
    token,
    headers: { [ROUTER_SECRET_HEADER]: 'test-router-secret' },
  });

beforeAll(async () => {
  clinic = await startClinic(ADMIN);
  ({ url } = clinic);
  await eventually(() => identitySql(`select 1 from users where lower(email) = lower(?)`, [ADMIN.email]), (rows) => rows.length === 1);
  s.admin = await signIn(ADMIN.email, ADMIN.password);
  s.doctorA = await doctor('dr-a');
  s.doctorB = await doctor('dr-b');
  s.operator = await staff('front-desk', ['OPERATOR']);
  s.patientP = await patient('pat-p');
  s.patientQ = await patient('pat-q');
  await book(s.patientP, s.doctorA.userId);
  await book(s.patientQ, s.doctorB.userId);
  await eventually(() => careRows(s.doctorA.userId, s.patientP.userId), (rows) => rows.length === 1);
  await eventually(() => careRows(s.doctorB.userId, s.patientQ.userId), (rows) => rows.length === 1);
}, 90_000);

afterAll(async () => {
  await clinic?.stop();
});

test("doctor A reads their own patient's account and patient profile through user(id)", async () => {
  const data = await call<{ user: { id: string; email: string; patientProfile: { patientId: string } } }>(USER, { id: s.patientP.userId }, s.doctorA.token);
  expect(data.user).toEqual({ id: s.patientP.userId, email: s.patientP.email, patientProfile: { patientId: s.patientP.userId } });
});

test("doctor A reading another doctor's patient gets FORBIDDEN, nothing of the patient, and an audit row", async () => {
  const res = await gql(url, USER, { variables: { id: s.patientQ.userId }, token: s.doctorA.token });
  expect(res.body.data?.user ?? null).toBeNull();
  expect(codes(res.body.errors)).toContain('FORBIDDEN');
  expect(JSON.stringify(res.body)).not.toContain(s.patientQ.email);
  const audit = await eventually(
    () => identitySql(`select outcome from audit_log where action = 'user.read' and actor_id = ? and subject_user_id = ?`, [s.doctorA.userId, s.patientQ.userId]),
    (rows) => rows.length > 0,
  );
  expect(audit).toContainEqual({ outcome: 'DENIED' });
});

test('by reference (_entities), doctor A gets their patient and is refused the other one', async () => {
  const own = await entitiesAtIdentity(s.doctorA.token, s.patientP.userId);
  expect(own.body.errors).toBeUndefined();
  expect(own.body.data?._entities[0]?.email).toBe(s.patientP.email);
  const other = await entitiesAtIdentity(s.doctorA.token, s.patientQ.userId);
  expect(codes(other.body.errors)).toContain('FORBIDDEN');
  expect(JSON.stringify(other.body)).not.toContain(s.patientQ.email);
  await eventually(
    () => identitySql(`select 1 from audit_log where action in ('user.read', 'patient_profile.read') and outcome = 'DENIED' and actor_id = ? and subject_user_id = ?`, [s.doctorA.userId, s.patientQ.userId]),
    (rows) => rows.length > 0,
  );
});

test("through the router's reference path: doctor A sees their patient's e-mail on a pending request", async () => {
  const data = await call<{ pendingRequests: { patient: { id: string; email: string } }[] }>(`{ pendingRequests { patient { id email } } }`, {}, s.doctorA.token);
  expect(data.pendingRequests).toContainEqual({ patient: { id: s.patientP.userId, email: s.patientP.email } });
});

test('staff permissions still read anyone: an OPERATOR (users:read, patients:read) and an ADMIN', async () => {
  for (const who of [s.operator, s.admin]) {
    const data = await call<{ user: { email: string } }>(USER, { id: s.patientQ.userId }, who.token);
    expect(data.user.email).toBe(s.patientQ.email);
  }
});

test('another doctor does not see a patient, until that patient books with them', async () => {
  const before = await gql(url, USER, { variables: { id: s.patientP.userId }, token: s.doctorB.token });
  expect(codes(before.body.errors)).toContain('FORBIDDEN');
  await book(s.patientP, s.doctorB.userId);
  await eventually(() => careRows(s.doctorB.userId, s.patientP.userId), (rows) => rows.length === 1);
  const after = await call<{ user: { email: string } }>(USER, { id: s.patientP.userId }, s.doctorB.token);
  expect(after.user.email).toBe(s.patientP.email);
});

test('a patient still cannot read another patient', async () => {
  const res = await gql(url, USER, { variables: { id: s.patientQ.userId }, token: s.patientP.token });
  expect(codes(res.body.errors)).toContain('FORBIDDEN');
});
