// Attacks on patient privacy through the one endpoint: a patient, a partner and an anonymous caller try
// every path that yields another person's User or appointment, through the router with real tokens
// from identity. Each test asserts the refusal the API defines (FORBIDDEN / NOT_FOUND / null /
// UNAUTHENTICATED) and that the victim's data (e-mail, reason) appears nowhere in the answer. Once on
// the machine's PostgreSQL and once on the embedded default of `npm start` (PGlite, one connection each).
import { randomBytes } from 'node:crypto';
import { DateTime } from 'luxon';
import { registerVerifiedPatient } from '@clinic/service-kit/testing';
import { gql } from '../../router/src/testing/harness.ts';
import { connectWs, type TestWsClient } from '../../router/src/testing/ws.ts';
import { CLINIC_MODES, eventually, startClinic, type Clinic } from './clinic-stack.ts';

const run = randomBytes(4).toString('hex');
const ADMIN = { email: `admin-p-${run}@clinic.test`, password: 'Admin-pass-2026!' };
const DOCTOR = { email: `dr-priv-${run}@clinic.test`, password: 'Doctor-pass-2026!', displayName: 'Dr. Private' };
const VICTIM = { email: `victim-${run}@example.test`, password: 'Victim-pass-2026!', displayName: 'Vera Victim' };
const ATTACKER = { email: `mallory-${run}@example.test`, password: 'Mallory-pass-2026!', displayName: 'Mallory' };
const SECRET_REASON = `Secret diagnosis ${run}`;
const SPECIALISATION = `Privacy-${run}`;
const ZONE = 'Europe/Bucharest';

let clinic: Clinic;
let url: string;

type Errors = { message: string; extensions?: Record<string, unknown> }[] | undefined;
type Res<T> = { status: number; body: { data?: T | null; errors?: Errors } };
const codes = (errors: Errors) => (errors ?? []).map((e) => e.extensions?.code);

async function raw<T = Record<string, unknown>>(query: string, variables: Record<string, unknown> = {}, token?: string): Promise<Res<T>> {
  return (await gql<T>(url, query, { variables, token })) as Res<T>;
}
async function call<T>(query: string, variables: Record<string, unknown> = {}, token?: string): Promise<T> {
  const res = await raw<T>(query, variables, token);
  if (res.body.errors?.length || !res.body.data) throw new Error(`${query.slice(0, 60)}… failed: ${JSON.stringify(res.body.errors)}`);
  return res.body.data;
}
/** Nothing of the victim's in the whole answer (data and errors). */
function expectNoVictimData(res: Res<unknown>) {
  const text = JSON.stringify(res.body);
  expect(text).not.toContain(VICTIM.email);
  expect(text).not.toContain(SECRET_REASON);
  expect(text).not.toContain(VICTIM.displayName);
}

async function signIn(who: { email: string; password: string }): Promise<{ token: string; userId: string }> {
  const data = await call<{ signIn: { auth: { accessToken: string; user: { id: string } } } }>(
    `mutation($email: String!, $password: String!) { signIn(email: $email, password: $password) { auth { accessToken user { id } } } }`, who);
  return { token: data.signIn.auth.accessToken, userId: data.signIn.auth.user.id };
}
async function registerAndSignIn(who: { email: string; password: string; displayName: string }) {
  await registerVerifiedPatient(url, who, s.admin.token);
  return signIn(who);
}

const s = {} as {
  admin: { token: string; userId: string };
  doctor: { token: string; userId: string };
  victim: { token: string; userId: string };
  attacker: { token: string; userId: string };
  partnerToken: string;
  victimAppointmentId: string;
  slots: { startsAt: string }[];
};
const searchFrom = DateTime.now().setZone(ZONE).plus({ days: 2 }).startOf('day');
const search = () => ({ specialisation: SPECIALISATION, from: searchFrom.toUTC().toISO(), to: searchFrom.plus({ days: 3 }).toUTC().toISO(), timeZone: ZONE, first: 50 });

describe.each(CLINIC_MODES)('privacy on %s PostgreSQL', (mode) => {
  beforeAll(async () => {
    clinic = await startClinic(ADMIN, mode);
    url = clinic.url;
    await eventually(
      () => clinic.sql('identity', `select 1 from users where lower(email) = lower(?)`, [ADMIN.email]),
      (rows) => rows.length === 1,
    );
    s.admin = await signIn(ADMIN);
    const created = await call<{ createStaffUser: { id: string } }>(
      `mutation($input: CreateStaffInput!) { createStaffUser(input: $input) { id } }`,
      { input: { email: DOCTOR.email, displayName: DOCTOR.displayName, roles: ['DOCTOR'], password: DOCTOR.password } }, s.admin.token);
    await call(`mutation($id: ID!, $input: DoctorProfileInput!) { updateDoctorProfile(doctorId: $id, input: $input) { timeZone } }`,
      { id: created.createStaffUser.id, input: { specialisations: [SPECIALISATION], languages: ['ro'], timeZone: ZONE, consultationTypes: ['IN_PERSON'] } }, s.admin.token);
    await eventually(
      () => clinic.sql('appointments', `select 1 from doctor_directory where doctor_id = ? and ? = any(specialisations)`, [created.createStaffUser.id, SPECIALISATION]),
      (rows) => rows.length === 1,
    );
    s.doctor = await signIn(DOCTOR);
    await call(`mutation($input: ScheduleRuleInput!) { addScheduleRule(input: $input) { id } }`, {
      input: { doctorId: s.doctor.userId, kind: 'WEEKLY', weekdays: [1, 2, 3, 4, 5, 6, 7], startTime: '09:00', endTime: '12:00',
        validFrom: DateTime.now().setZone(ZONE).toISODate(), slotMinutes: 30, bufferMinutes: 0, consultationType: 'IN_PERSON' },
    }, s.doctor.token);
    s.victim = await registerAndSignIn(VICTIM);
    s.attacker = await registerAndSignIn(ATTACKER);
    const found = await call<{ availableSlots: { slots: { startsAt: string }[] } }>(
      `query($search: SlotSearchInput!) { availableSlots(search: $search) { slots { startsAt } } }`, { search: search() }, s.victim.token);
    s.slots = found.availableSlots.slots;
    const requested = await call<{ requestAppointment: { id: string } }>(
      `mutation($input: RequestAppointmentInput!) { requestAppointment(input: $input) { id } }`,
      { input: { doctorId: s.doctor.userId, startsAt: s.slots[0]!.startsAt, reason: SECRET_REASON, category: 'ROUTINE' } }, s.victim.token);
    s.victimAppointmentId = requested.requestAppointment.id;
    const issued = await call<{ issuePartnerClient: { client: { id: string }; clientSecret: string } }>(
      `mutation { issuePartnerClient(name: "Aggregator ${run}", scopes: ["availability:read"]) { client { id } clientSecret } }`, {}, s.admin.token);
    const token = await call<{ partnerToken: { accessToken: string } }>(
      `mutation($id: String!, $secret: String!) { partnerToken(clientId: $id, clientSecret: $secret) { accessToken } }`,
      { id: issued.issuePartnerClient.client.id, secret: issued.issuePartnerClient.clientSecret });
    s.partnerToken = token.partnerToken.accessToken;
  }, 240_000);

  afterAll(async () => {
    await clinic?.stop();
  });

  const ACCOUNT_FIELDS = ['email', 'roles', 'status', 'mfaEnabled', 'createdAt', 'customFields', 'preferences'];

  describe('a patient attacking another patient', () => {
    test('user(id) of another patient is FORBIDDEN', async () => {
      const res = await raw(`query($id: ID!) { user(id: $id) { id email displayName } }`, { id: s.victim.userId }, s.attacker.token);
      expect(res.body.data?.user ?? null).toBeNull();
      expect(codes(res.body.errors)).toContain('FORBIDDEN');
      expectNoVictimData(res);
    });

    test("another patient's patientProfile through user(id) is refused", async () => {
      const res = await raw(`query($id: ID!) { user(id: $id) { patientProfile { patientId } } }`, { id: s.victim.userId }, s.attacker.token);
      expect(codes(res.body.errors)).toContain('FORBIDDEN');
      expectNoVictimData(res);
    });

    test("another patient's appointment by id is null, exactly like a missing one", async () => {
      const res = await raw(`query($id: ID!) { appointment(id: $id) { id reason patient { id email } } }`, { id: s.victimAppointmentId }, s.attacker.token);
      const missing = await raw(`query($id: ID!) { appointment(id: $id) { id } }`, { id: '00000000-0000-4000-8000-000000000000' }, s.attacker.token);
      expect(res.body).toEqual({ data: { appointment: null } });
      expect(missing.body).toEqual({ data: { appointment: null } });
      expectNoVictimData(res);
    });

    test.each([
      ['cancelAppointment', `mutation($id: ID!) { cancelAppointment(id: $id, reason: "x") { id reason } }`],
      ['rescheduleAppointment', `mutation($id: ID!, $at: DateTime!) { rescheduleAppointment(id: $id, startsAt: $at) { id reason } }`],
      ['approveAppointment', `mutation($id: ID!) { approveAppointment(id: $id) { id reason } }`],
      ['declineAppointment', `mutation($id: ID!) { declineAppointment(id: $id) { id reason } }`],
      ['completeAppointment', `mutation($id: ID!) { completeAppointment(id: $id) { id reason } }`],
      ['markNoShow', `mutation($id: ID!) { markNoShow(id: $id) { id reason } }`],
    ])("%s on another patient's appointment is refused without revealing it", async (_name, mutation) => {
      const res = await raw(mutation, { id: s.victimAppointmentId, at: s.slots[1]!.startsAt }, s.attacker.token);
      expect(res.body.data ?? null).toBeNull();
      expect(codes(res.body.errors).some((c) => c === 'NOT_FOUND' || c === 'FORBIDDEN')).toBe(true);
      expectNoVictimData(res);
    });

    test("decideAppointments on another patient's appointment fails per item", async () => {
      const res = await raw(`mutation($id: ID!) { decideAppointments(decisions: [{ id: $id, decision: APPROVE }]) { id ok errorCode errorMessage } }`,
        { id: s.victimAppointmentId }, s.attacker.token);
      const text = JSON.stringify(res.body);
      expect(text).not.toContain('"ok":true');
      expectNoVictimData(res);
    });

    test('the victim\'s appointment is still untouched', async () => {
      const mine = await call<{ appointment: { status: string; reason: string } }>(
        `query($id: ID!) { appointment(id: $id) { status reason } }`, { id: s.victimAppointmentId }, s.victim.token);
      expect(mine.appointment).toEqual({ status: 'REQUESTED', reason: SECRET_REASON });
    });

    test('acceptWaitlistOffer with an appointment id or a foreign id reveals nothing', async () => {
      const res = await raw(`mutation($id: ID!) { acceptWaitlistOffer(id: $id) { id reason } }`, { id: s.victimAppointmentId }, s.attacker.token);
      expect(res.body.data ?? null).toBeNull();
      expect(codes(res.body.errors).some((c) => c === 'NOT_FOUND' || c === 'FORBIDDEN' || c === 'CONFLICT')).toBe(true);
      expectNoVictimData(res);
    });

    test("the doctor's User.appointments through a slot shows the attacker nothing of the victim", async () => {
      const res = await raw(`query($search: SlotSearchInput!) { availableSlots(search: $search) { slots { doctor { id appointments { id reason patient { id email displayName } } } } } }`,
        { search: search() }, s.attacker.token);
      expectNoVictimData(res);
      expect(JSON.stringify(res.body)).not.toContain(s.victimAppointmentId);
    });

    test('pendingRequests and decisionHistory of the doctor are refused to a patient', async () => {
      const pending = await raw(`query($d: ID!) { pendingRequests(doctorId: $d) { id reason patient { email } } }`, { d: s.doctor.userId }, s.attacker.token);
      expect(pending.body.data?.pendingRequests ?? []).toEqual([]);
      expectNoVictimData(pending);
      const history = await raw(`query($d: ID!) { decisionHistory(doctorId: $d) { id reason actor { email } } }`, { d: s.doctor.userId }, s.attacker.token);
      expect(history.body.data?.decisionHistory ?? []).toEqual([]);
      expectNoVictimData(history);
    });

    test("previewScheduleException for the doctor's day does not list the victim's appointment", async () => {
      const res = await raw(`query($input: ScheduleExceptionInput!) { previewScheduleException(input: $input) { id reason patient { email } } }`, {
        input: { doctorId: s.doctor.userId, kind: 'DAY_OFF', startsAt: searchFrom.toUTC().toISO(), endsAt: searchFrom.plus({ days: 3 }).toUTC().toISO() },
      }, s.attacker.token);
      expect(res.body.data?.previewScheduleException ?? []).toEqual([]);
      expectNoVictimData(res);
    });

    test("the doctor's account data (e-mail, roles, status…) is not readable by a patient through appointment.doctor", async () => {
      const attackerAppt = await call<{ requestAppointment: { id: string } }>(
        `mutation($input: RequestAppointmentInput!) { requestAppointment(input: $input) { id } }`,
        { input: { doctorId: s.doctor.userId, startsAt: s.slots[2]!.startsAt, reason: 'mine', category: 'ROUTINE' } }, s.attacker.token);
      for (const field of ACCOUNT_FIELDS) {
        const res = await raw(`query($id: ID!) { appointment(id: $id) { id doctor { id displayName ${field} } } }`, { id: attackerAppt.requestAppointment.id }, s.attacker.token);
        const doctor = (res.body.data as { appointment?: { doctor?: Record<string, unknown> } } | null)?.appointment?.doctor;
        const value = doctor?.[field];
        // Non-null fields are refused with FORBIDDEN; JSON fields come back empty.
        if (field === 'customFields' || field === 'preferences') expect(value).toEqual({});
        else {
          expect(value ?? null).toBeNull();
          expect(codes(res.body.errors)).toContain('FORBIDDEN');
        }
        expect(JSON.stringify(res.body)).not.toContain(DOCTOR.email);
      }
    });
  });

  describe('a partner with availability:read', () => {
    test('sees slots, and the doctor only by directory data — no account fields', async () => {
      const ok = await call<{ availableSlots: { slots: { doctor: { id: string; displayName: string } }[] } }>(
        `query($search: SlotSearchInput!) { availableSlots(search: $search) { slots { doctor { id displayName } } } }`, { search: search() }, s.partnerToken);
      expect(ok.availableSlots.slots[0]?.doctor.displayName).toBe(DOCTOR.displayName);
      for (const field of ['email', 'roles', 'status', 'mfaEnabled', 'createdAt']) {
        const res = await raw(`query($search: SlotSearchInput!) { availableSlots(search: $search) { slots { doctor { id ${field} } } } }`, { search: search() }, s.partnerToken);
        expect(codes(res.body.errors)).toContain('FORBIDDEN');
        expect(JSON.stringify(res.body)).not.toContain(DOCTOR.email);
      }
      const custom = await call<{ availableSlots: { slots: { doctor: { customFields: unknown } }[] } }>(
        `query($search: SlotSearchInput!) { availableSlots(search: $search) { slots { doctor { customFields } } } }`, { search: search() }, s.partnerToken);
      expect(custom.availableSlots.slots[0]?.doctor.customFields).toEqual({});
    });

    test('cannot list appointments through the doctor', async () => {
      const res = await raw(`query($search: SlotSearchInput!) { availableSlots(search: $search) { slots { doctor { appointments { id reason } } } } }`, { search: search() }, s.partnerToken);
      expect(codes(res.body.errors).some((c) => c === 'UNAUTHENTICATED' || c === 'FORBIDDEN')).toBe(true);
      expectNoVictimData(res);
    });

    test.each([
      ['appointment', `query($id: ID!) { appointment(id: $id) { id reason } }`],
      ['user', `query($id: ID!) { user(id: $id) { id email } }`],
      ['me', `query { me { id } }`],
      ['myAppointments', `query { myAppointments { id reason } }`],
      ['pendingRequests', `query { pendingRequests { id reason } }`],
      ['decisionHistory', `query { decisionHistory { id reason } }`],
      ['cancelAppointment', `mutation($id: ID!) { cancelAppointment(id: $id) { id } }`],
    ])('%s is refused', async (_name, query) => {
      const res = await raw<Record<string, unknown>>(query, { id: query.includes('user(') ? s.victim.userId : s.victimAppointmentId }, s.partnerToken);
      expect(Object.values(res.body.data ?? {}).every((v) => v === null)).toBe(true);
      expect(codes(res.body.errors).some((c) => c === 'UNAUTHENTICATED' || c === 'FORBIDDEN')).toBe(true);
      expectNoVictimData(res);
    });
  });

  describe('an anonymous caller', () => {
    test.each([
      ['availableSlots', `query($search: SlotSearchInput!) { availableSlots(search: $search) { slots { startsAt } } }`],
      ['appointment', `query($id: ID!) { appointment(id: $id) { id reason } }`],
      ['user', `query($id: ID!) { user(id: $id) { id email } }`],
      ['me', `query { me { id } }`],
      ['myAppointments', `query { myAppointments { id } }`],
      ['pendingRequests', `query { pendingRequests { id reason } }`],
      ['cancelAppointment', `mutation($id: ID!) { cancelAppointment(id: $id) { id } }`],
    ])('%s is refused', async (_name, query) => {
      const res = await raw<Record<string, unknown>>(query, { search: search(), id: query.includes('user(') ? s.victim.userId : s.victimAppointmentId });
      expect(Object.values(res.body.data ?? {}).every((v) => v === null)).toBe(true);
      expect(codes(res.body.errors).some((c) => c === 'UNAUTHENTICATED' || c === 'FORBIDDEN')).toBe(true);
      expectNoVictimData(res);
    });
  });

  describe('the doctor, who may read their patients', () => {
    test("another doctor sees none of the victim's appointments through User.appointments", async () => {
      const other = { email: `dr-other-${run}@clinic.test`, password: 'Doctor-pass-2026!', displayName: 'Dr. Other' };
      await call(`mutation($input: CreateStaffInput!) { createStaffUser(input: $input) { id } }`,
        { input: { ...other, roles: ['DOCTOR'] } }, s.admin.token);
      const otherDoctor = await signIn(other);
      const res = await raw(`query($id: ID!) { user(id: $id) { id appointments { id reason } } }`, { id: s.victim.userId }, otherDoctor.token);
      expect(JSON.stringify(res.body)).not.toContain(SECRET_REASON);
      expect(JSON.stringify(res.body)).not.toContain(s.victimAppointmentId);
      const direct = await raw(`query($id: ID!) { appointment(id: $id) { id reason } }`, { id: s.victimAppointmentId }, otherDoctor.token);
      expect(direct.body).toEqual({ data: { appointment: null } });
    });
    test("sees the victim's request with the patient's e-mail (their patient)", async () => {
      const pending = await call<{ pendingRequests: { id: string; reason: string; patient: { email: string } }[] }>(
        `{ pendingRequests { id reason patient { email } } }`, {}, s.doctor.token);
      expect(pending.pendingRequests).toContainEqual({ id: s.victimAppointmentId, reason: SECRET_REASON, patient: { email: VICTIM.email } });
    });
  });

  describe('_entities tricks', () => {
    const ENTITIES = `query($reps: [_Any!]!) { _entities(representations: $reps) { ... on User { id email patientProfile { patientId } } ... on Appointment { id reason } } }`;
    const reps = () => [{ __typename: 'User', id: s.victim.userId }, { __typename: 'Appointment', id: s.victimAppointmentId }];

    test('the router does not expose _entities', async () => {
      const res = await raw(ENTITIES, { reps: reps() }, s.attacker.token);
      expect(res.body.data ?? null).toBeNull();
      expect(res.body.errors?.length).toBeGreaterThan(0);
      expectNoVictimData(res);
      expect(JSON.stringify(res.body)).not.toContain(s.victimAppointmentId);
    });

    test.each(['identity', 'appointments'])('the %s subgraph refuses _entities without the router secret', async (name) => {
      const res = await gql(clinic.subgraphs[name]!.url, ENTITIES, { variables: { reps: reps() }, token: s.attacker.token });
      const text = JSON.stringify(res.body);
      expect(text).not.toContain(VICTIM.email);
      expect(text).not.toContain(SECRET_REASON);
      expect(res.status === 401 || res.status === 403 || (res.body.errors?.length ?? 0) > 0).toBe(true);
    });
  });

  describe('subscriptions over graphql-ws through the router', () => {
    const clients: TestWsClient[] = [];
    afterAll(async () => {
      await Promise.all(clients.map((c) => c.dispose()));
    });
    const connect = (token?: string) => {
      const c = connectWs(url, token);
      clients.push(c);
      return c;
    };
    const STATUS = `subscription { myAppointmentStatusChanged { appointmentId status appointment { id reason patient { id displayName } } } }`;
    const SLOTS_CHANGED = `subscription($d: ID!) { slotAvailabilityChanged(doctorId: $d) { doctorId startsAt endsAt available } }`;

    test("the victim hears the doctor's decision; the attacker and a partner hear nothing of the victim", async () => {
      const openBefore = clinic.subgraphs.appointments!.subscriptionStats().subscriptions;
      const victim = connect(s.victim.token).subscribe<{ myAppointmentStatusChanged: { appointmentId: string } }>(STATUS);
      const attacker = connect(s.attacker.token).subscribe(STATUS);
      const attackerSlots = connect(s.attacker.token).subscribe(SLOTS_CHANGED, { d: s.doctor.userId });
      const partnerSlots = connect(s.partnerToken).subscribe(SLOTS_CHANGED, { d: s.doctor.userId });
      await eventually(async () => clinic.subgraphs.appointments!.subscriptionStats().subscriptions, (n) => n >= openBefore + 4);

      await call(`mutation($id: ID!) { declineAppointment(id: $id, reason: "Declined: ${SECRET_REASON}") { status } }`, { id: s.victimAppointmentId }, s.doctor.token);

      const heard = await victim.nth(1, 10_000);
      expect(heard.data?.myAppointmentStatusChanged.appointmentId).toBe(s.victimAppointmentId);
      const freed = await partnerSlots.nth(1, 10_000);
      expect(freed.data).toEqual({ slotAvailabilityChanged: { doctorId: s.doctor.userId, startsAt: s.slots[0]!.startsAt, endsAt: expect.any(String), available: true } });
      await attackerSlots.nth(1, 10_000);
      await new Promise((r) => setTimeout(r, 300));
      expect(attacker.events).toEqual([]);
      for (const sub of [attackerSlots, partnerSlots]) {
        const text = JSON.stringify(sub.events);
        expect(text).not.toContain(s.victim.userId);
        expect(text).not.toContain(s.victimAppointmentId);
        expect(text).not.toContain(SECRET_REASON);
        expect(text).not.toContain(VICTIM.displayName);
      }
    });

    test('an anonymous caller cannot subscribe to anything', async () => {
      for (const [query, variables] of [[STATUS, {}], [SLOTS_CHANGED, { d: s.doctor.userId }]] as const) {
        const sub = connect().subscribe(query, variables);
        // Refused either as GraphQL errors or by closing the socket (a close event with a 44xx code).
        const outcome = await sub.done.then(() => 'completed', (e: unknown) => (Array.isArray(e) ? JSON.stringify(e) : `close ${(e as { code?: number }).code} ${(e as { reason?: string }).reason}`));
        expect(sub.events.every((e) => !e.data)).toBe(true);
        expect(outcome).toMatch(/UNAUTHENTICATED|FORBIDDEN|close 44\d\d/);
      }
    });

    test('a partner cannot subscribe to appointment status changes', async () => {
      const sub = connect(s.partnerToken).subscribe(STATUS);
      const outcome = await sub.done.then(() => 'completed', (e: unknown) => JSON.stringify(e));
      expect(sub.events.every((e) => !e.data)).toBe(true);
      expect(JSON.stringify(sub.events) + outcome).toMatch(/UNAUTHENTICATED|FORBIDDEN/);
    });
  });

  describe('PHI in queues', () => {
    test('outbox payloads of appointments (after a decline with a reason) carry no reason text', async () => {
      const rows = await clinic.sql<{ payload: unknown }>('appointments', `select payload from outbox_events`);
      expect(rows.length).toBeGreaterThan(0);
      expect(JSON.stringify(rows)).not.toContain(SECRET_REASON);
    });
  });
});
