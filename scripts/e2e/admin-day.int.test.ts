// The administrator's everyday actions on `npm start`'s embedded default (PGlite per service, ONE pool
// connection each): staff accounts, roles, deactivation, password resets, imports, roles and partner
// clients in identity; a doctor's schedule, exceptions, auto-approval and bookings for a patient in
// appointments. On a pool of one, a code path that opens a second connection inside a transaction
// hangs (60 s, then a 500) and blocks every other request: each action here must answer at once,
// without errors, while others (a patient signing in) are served meanwhile.
import { randomBytes, randomUUID } from 'node:crypto';
import { DateTime } from 'luxon';
import { registerVerifiedPatient } from '@clinic/service-kit/testing';
import { gql } from '../../router/src/testing/harness.ts';
import { sha256 } from '../../subgraphs/identity/src/domain/passwords.ts';
import { eventually, startClinic, type Clinic } from './clinic-stack.ts';

const run = randomBytes(4).toString('hex');
const ADMIN = { email: `admin-day-${run}@clinic.test`, password: 'Admin-pass-2026!' };
const PATIENT = { email: `pat-day-${run}@example.test`, password: 'Patient-pass-2026!', displayName: 'Petra Patient' };
const ZONE = 'Europe/Bucharest';
/** Far below the 60 s a deadlocked request waits for its second connection. */
const QUICK_MS = 8_000;

let clinic: Clinic;
const s = {} as { admin: string; patient: { token: string; id: string }; doctorId: string; operatorId: string; appointmentId: string };

type Errors = { message: string; extensions?: Record<string, unknown> }[] | undefined;

/** One action: answered quickly, HTTP 200, no errors. */
async function act<T>(query: string, variables: Record<string, unknown> = {}, token: string | undefined = s.admin): Promise<T> {
  const started = Date.now();
  const res = await gql<T>(clinic.url, query, { variables, token });
  const ms = Date.now() - started;
  expect({ status: res.status, errors: res.body.errors as Errors }).toEqual({ status: 200, errors: undefined });
  expect(ms).toBeLessThan(QUICK_MS);
  return res.body.data as T;
}

const SIGN_IN = `mutation($email: String!, $password: String!) { signIn(email: $email, password: $password) { status auth { accessToken user { id } } } }`;
async function signIn(who: { email: string; password: string }): Promise<{ token: string; id: string }> {
  const data = await act<{ signIn: { auth: { accessToken: string; user: { id: string } } } }>(SIGN_IN, who, undefined);
  return { token: data.signIn.auth.accessToken, id: data.signIn.auth.user.id };
}

const USER = `id roles status`;
const day = DateTime.now().setZone(ZONE).plus({ days: 3 }).startOf('day');
const at = (hour: number) => day.set({ hour }).toUTC().toISO()!;

beforeAll(async () => {
  clinic = await startClinic(ADMIN, 'embedded');
  await eventually(() => clinic.sql('identity', `select 1 from users where lower(email) = lower(?)`, [ADMIN.email]), (rows) => rows.length === 1);
  s.admin = (await signIn(ADMIN)).token;
  await registerVerifiedPatient(clinic.url, PATIENT, s.admin);
  s.patient = await signIn(PATIENT);
}, 240_000);

afterAll(async () => {
  await clinic?.stop();
});

describe("the administrator's day on the embedded start", () => {
  test('creates staff: a doctor with a password, an operator invited by a set-password link', async () => {
    const doctor = await act<{ createStaffUser: { id: string } }>(`mutation($input: CreateStaffInput!) { createStaffUser(input: $input) { ${USER} } }`, {
      input: { email: `dr-day-${run}@clinic.test`, displayName: 'Dr. Daria Day', roles: ['DOCTOR'], password: 'Doctor-pass-2026!' },
    });
    s.doctorId = doctor.createStaffUser.id;
    const operator = await act<{ createStaffUser: { id: string; roles: string[] } }>(`mutation($input: CreateStaffInput!) { createStaffUser(input: $input) { ${USER} } }`, {
      input: { email: `op-day-${run}@clinic.test`, displayName: 'Otto Operator', roles: ['OPERATOR'] },
    });
    s.operatorId = operator.createStaffUser.id;
    expect(operator.createStaffUser.roles).toEqual(['OPERATOR']);
  });

  test('assigns and removes roles (DOCTOR creates a profile and tells appointments) while a patient signs in meanwhile', async () => {
    const [assigned] = await Promise.all([
      act<{ assignRole: { roles: string[] } }>(`mutation($id: ID!) { assignRole(userId: $id, role: "DOCTOR") { ${USER} } }`, { id: s.operatorId }),
      signIn(PATIENT),
    ]);
    expect(assigned.assignRole.roles).toEqual(['DOCTOR', 'OPERATOR']);
    const removed = await act<{ removeRole: { roles: string[] } }>(`mutation($id: ID!) { removeRole(userId: $id, role: "DOCTOR") { ${USER} } }`, { id: s.operatorId });
    expect(removed.removeRole.roles).toEqual(['OPERATOR']);
    const unknown = await gql(clinic.url, `mutation($id: ID!) { assignRole(userId: $id, role: "DOCTOR") { id } }`, {
      variables: { id: '00000000-0000-4000-8000-000000000000' },
      token: s.admin,
    });
    expect(unknown.body.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });

  test("sets the doctor's profile and builds their week: a schedule rule, a day off, auto-approval", async () => {
    await act(`mutation($id: ID!, $input: DoctorProfileInput!) { updateDoctorProfile(doctorId: $id, input: $input) { timeZone } }`, {
      id: s.doctorId,
      input: { specialisations: [`Day-${run}`], languages: ['ro'], timeZone: ZONE, consultationTypes: ['IN_PERSON'] },
    });
    await eventually(() => clinic.sql('appointments', `select 1 from doctor_directory where doctor_id = ? and time_zone = ?`, [s.doctorId, ZONE]), (r) => r.length === 1);
    await act(`mutation($input: ScheduleRuleInput!) { addScheduleRule(input: $input) { id } }`, {
      input: {
        doctorId: s.doctorId, kind: 'WEEKLY', weekdays: [1, 2, 3, 4, 5, 6, 7], startTime: '09:00', endTime: '17:00',
        validFrom: DateTime.now().setZone(ZONE).toISODate(), slotMinutes: 30, consultationType: 'IN_PERSON',
      },
    });
    await act(`mutation($input: ScheduleExceptionInput!) { addScheduleException(input: $input) { exception { id } } }`, {
      input: { doctorId: s.doctorId, kind: 'DAY_OFF', startsAt: day.plus({ days: 1 }).toUTC().toISO(), endsAt: day.plus({ days: 2 }).toUTC().toISO(), label: 'Training' },
    });
    await act(`mutation($id: ID!) { setAutoApproval(doctorId: $id, all: false, consultationTypes: []) { all } }`, { id: s.doctorId });
    const rules = await act<{ scheduleRules: unknown[] }>(`query($id: ID!) { scheduleRules(doctorId: $id) { id } }`, { id: s.doctorId });
    expect(rules.scheduleRules).toHaveLength(1);
  });

  test("books for a patient, approves, moves and cancels it with an override (a waiting patient is offered the time)", async () => {
    await act(`mutation($input: JoinWaitlistInput!) { joinWaitlist(input: $input) { id } }`, {
      input: { doctorId: s.doctorId, from: at(9), to: at(17) },
    }, s.patient.token);
    const booked = await act<{ requestAppointment: { id: string } }>(`mutation($input: RequestAppointmentInput!) { requestAppointment(input: $input) { id } }`, {
      input: { doctorId: s.doctorId, startsAt: at(10), patientId: s.patient.id, reason: 'Booked by phone' },
    });
    s.appointmentId = booked.requestAppointment.id;
    await act(`mutation($d: [DecisionInput!]!) { decideAppointments(decisions: $d) { ok } }`, { d: [{ id: s.appointmentId, decision: 'APPROVE' }] });
    await act(`mutation($id: ID!, $at: DateTime!) { rescheduleAppointment(id: $id, startsAt: $at, reason: "Doctor late", override: true) { id } }`, { id: s.appointmentId, at: at(11) });
    const cancelled = await act<{ cancelAppointment: { status: string } }>(
      `mutation($id: ID!) { cancelAppointment(id: $id, reason: "Patient called", override: true) { status } }`, { id: s.appointmentId });
    expect(cancelled.cancelAppointment.status).toBe('CANCELLED');
    const mine = await act<{ myWaitlistEntries: { status: string }[] }>(`{ myWaitlistEntries { status } }`, {}, s.patient.token);
    expect(mine.myWaitlistEntries.map((e) => e.status)).toEqual(['OFFERED']);
  });

  test('cannot book or wait-list for someone who is no active patient (a made-up id, the doctor); the lists still load', async () => {
    // Found from outside: such a booking was stored, and every list showing its patient came back null.
    const madeUp = randomUUID();
    for (const patientId of [madeUp, s.doctorId]) {
      const booking = await gql(clinic.url, `mutation($input: RequestAppointmentInput!) { requestAppointment(input: $input) { id } }`, {
        variables: { input: { doctorId: s.doctorId, startsAt: at(14), patientId } }, token: s.admin,
      });
      expect(booking.body.errors?.[0]?.extensions).toMatchObject({ code: 'NOT_FOUND', userIds: [patientId] });
      const waiting = await gql(clinic.url, `mutation($input: JoinWaitlistInput!) { joinWaitlist(input: $input) { id } }`, {
        variables: { input: { doctorId: s.doctorId, from: at(9), to: at(17), patientId } }, token: s.admin,
      });
      expect(waiting.body.errors?.[0]?.extensions).toMatchObject({ code: 'NOT_FOUND', userIds: [patientId] });
    }
    expect(await clinic.sql('appointments', `select id from appointments where patient_id in (?, ?)`, [madeUp, s.doctorId])).toEqual([]);
    // The doctor's requests, with every patient's name (a made-up patient made this whole list null).
    await act(`query($id: ID!) { pendingRequests(doctorId: $id) { id patient { displayName } } }`, { id: s.doctorId });
  });

  test("resets a user's password: the link request, then the new password signs in", async () => {
    await act(`mutation($email: String!) { requestPasswordReset(email: $email) }`, { email: PATIENT.email }, undefined);
    const requested = await clinic.sql('identity', `select 1 from password_resets where user_id = ? and used_at is null`, [s.patient.id]);
    expect(requested.length).toBeGreaterThan(0);
    // The link itself travels by mail (the developer inbox here); the test holds a link of its own.
    const token = `day-${run}-${randomBytes(16).toString('hex')}`;
    await clinic.sql('identity', `insert into password_resets (token_hash, user_id, expires_at) values (?, ?, now() + interval '30 minutes')`, [sha256(token), s.patient.id]);
    await act(`mutation($token: String!) { resetPassword(token: $token, newPassword: "Patient-new-2026!") }`, { token }, undefined);
    s.patient = await signIn({ email: PATIENT.email, password: 'Patient-new-2026!' });
  });

  test('imports users, defines a role with a field schema, and deactivates an account', async () => {
    const csv = `email,displayName,roles\nimp1-${run}@example.test,Ina Import,PATIENT\nimp2-${run}@clinic.test,Ivo Import,OPERATOR\nnot-an-email,Bad Row,PATIENT\n`;
    const imported = await act<{ importUsers: { created: number; failed: number } }>(`mutation($data: String!) { importUsers(format: CSV, data: $data) { created failed } }`, { data: csv });
    expect(imported.importUsers).toEqual({ created: 2, failed: 1 });
    const role = `NURSE_${run.toUpperCase()}`;
    await act(`mutation($name: String!) { defineRole(name: $name, description: "Ward nurse", permissions: ["patients:read"]) { name } }`, { name: role });
    await act(`mutation($name: String!, $schema: JSON!) { setRoleFieldSchema(role: $name, schema: $schema) { name } }`, {
      name: role,
      schema: { type: 'object', properties: { ward: { type: 'string', maxLength: 40 } } },
    });
    await act(`mutation($id: ID!, $role: String!) { assignRole(userId: $id, role: $role) { id } }`, { id: s.operatorId, role });
    const deactivated = await act<{ deactivateUser: { status: string } }>(`mutation($id: ID!) { deactivateUser(userId: $id) { ${USER} } }`, { id: s.operatorId });
    expect(deactivated.deactivateUser.status).toBe('DEACTIVATED');
  });

  test('issues, uses and revokes a partner client', async () => {
    const issued = await act<{ issuePartnerClient: { client: { id: string }; clientSecret: string } }>(
      `mutation { issuePartnerClient(name: "Insurer ${run}", scopes: ["availability:read"]) { client { id } clientSecret } }`);
    const token = await act<{ partnerToken: { accessToken: string } }>(`mutation($id: String!, $secret: String!) { partnerToken(clientId: $id, clientSecret: $secret) { accessToken } }`,
      { id: issued.issuePartnerClient.client.id, secret: issued.issuePartnerClient.clientSecret }, undefined);
    await act(`query($s: SlotSearchInput!) { availableSlots(search: $s) { slots { startsAt } } }`, {
      s: { doctorIds: [s.doctorId], from: at(9), to: at(17) },
    }, token.partnerToken.accessToken);
    expect(await act(`mutation($id: ID!) { revokePartnerClient(id: $id) }`, { id: issued.issuePartnerClient.client.id })).toEqual({ revokePartnerClient: true });
  });

  test('reads the user list, security alerts, the audit log and a compliance report', async () => {
    const window = { from: new Date(Date.now() - 3_600_000).toISOString(), to: new Date(Date.now() + 60_000).toISOString() };
    const users = await act<{ users: { id: string }[] }>(`{ users(search: "imp") { id } }`);
    expect(users.users).toHaveLength(2);
    await act(`{ securityAlerts { id } }`);
    await act(`query($f: AuditFilter!) { auditLog(filter: $f) { id } }`, { f: window });
    const report = await eventually(
      () => act<{ complianceReport: { accessors: { actions: string[] }[] } }>(
        `query($id: ID!, $from: DateTime!, $to: DateTime!) { complianceReport(patientId: $id, from: $from, to: $to) { accessors { actions } } }`, { id: s.patient.id, ...window }),
      (r) => r.complianceReport.accessors.some((a) => a.actions.includes('appointment.cancelled')),
    );
    expect(report.complianceReport.accessors.flatMap((a) => a.actions)).toContain('appointment.cancelled');
  });

  test('finds a user by any part of the name, accents ignored (pg_trgm on PGlite), and works a stolen-session alert', async () => {
    const reg = await registerVerifiedPatient(clinic.url, { email: `stefan-${run}@example.test`, password: 'Patient-pass-2026!', displayName: `Ștefan Ionescu ${run}` }, s.admin);
    for (const search of ['escu', 'STEFAN ION']) {
      const found = await act<{ users: { id: string }[] }>(`query($q: String) { users(search: $q) { id } }`, { q: search });
      expect(found.users.map((u) => u.id)).toContain(reg.userId);
    }
    const REFRESH = `mutation($t: String!) { refreshSession(refreshToken: $t) { refreshToken } }`;
    await act(REFRESH, { t: reg.refreshToken }, undefined);
    await gql(clinic.url, REFRESH, { variables: { t: reg.refreshToken } });
    const alerts = await act<{ securityAlerts: { id: string; user: { id: string } | null }[] }>(`{ securityAlerts(kind: TOKEN_REUSE, state: OPEN) { id user { id } } }`);
    const alert = alerts.securityAlerts.find((a) => a.user?.id === reg.userId)!;
    await act(`mutation($id: ID!) { acknowledgeAlert(id: $id) { state } }`, { id: alert.id });
    const resolved = await act<{ resolveAlert: { state: string } }>(`mutation($id: ID!) { resolveAlert(id: $id, note: "Sessions ended") { state } }`, { id: alert.id });
    expect(resolved.resolveAlert.state).toBe('RESOLVED');
  });

  test('everyone can still sign in afterwards', async () => {
    await signIn(ADMIN);
    await signIn({ email: PATIENT.email, password: 'Patient-new-2026!' });
  });
});
