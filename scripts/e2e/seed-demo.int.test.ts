// `npm run seed` against a real stack (identity + appointments behind the router): it creates the demo
// doctors (profiles reach the appointments directory through the queue, schedules make slots) and the
// patient, everyone can sign in with the printed credentials, and a second run changes nothing. Once on
// the machine's PostgreSQL and once on the embedded default of `npm start` (PGlite, one connection each).
import { gql } from '../../router/src/testing/harness.ts';
import { DEFAULT_ADMIN, DEMO_DOCTORS, DEMO_PATIENT, localDate, seedDemo, SeedError, type SeedResult } from '../seed-demo.ts';
import { CLINIC_MODES, eventually, startClinic, type Clinic } from './clinic-stack.ts';

let clinic: Clinic;
let first: SeedResult;
const lines: string[] = [];

const SIGN_IN = `mutation($email: String!, $password: String!) { signIn(email: $email, password: $password) { auth { accessToken user { id roles } } } }`;
type SignIn = { signIn: { auth: { accessToken: string; user: { id: string; roles: string[] } } | null } };

describe.each(CLINIC_MODES)('the demo seed on %s PostgreSQL', (mode) => {
  beforeAll(async () => {
    clinic = await startClinic(DEFAULT_ADMIN, mode);
    lines.length = 0;
    first = await seedDemo({ url: clinic.url, admin: DEFAULT_ADMIN, log: (l) => lines.push(l) });
  }, 240_000);

  afterAll(async () => {
    await clinic?.stop();
  });

  test('creates every doctor and the patient, and prints their sign-in details', async () => {
    expect(first.doctors.map((d) => [d.email, d.created, d.rulesAdded])).toEqual(DEMO_DOCTORS.map((d) => [d.email, true, d.hours.length]));
    expect(first.patient).toMatchObject({ email: DEMO_PATIENT.email, created: true });
    for (const who of [...DEMO_DOCTORS, DEMO_PATIENT]) {
      expect(lines.some((l) => l.includes(who.email) && l.includes(who.password))).toBe(true);
      const res = await gql<SignIn>(clinic.url, SIGN_IN, { variables: { email: who.email, password: who.password } });
      expect(res.body.data?.signIn.auth?.user.roles).toEqual([who === DEMO_PATIENT ? 'PATIENT' : 'DOCTOR']);
    }
  });

  test('the patient finds the seeded doctors\' slots by specialisation and language', async () => {
    const res = await gql<SignIn>(clinic.url, SIGN_IN, { variables: { ...DEMO_PATIENT } });
    const token = res.body.data!.signIn.auth!.accessToken;
    const from = new Date(Date.now() + 2 * 86_400_000);
    const search = (specialisation: string, language: string) =>
      gql<{ availableSlots: { slots: { doctor: { displayName: string } }[] } }>(clinic.url, `query($s: SlotSearchInput!) { availableSlots(search: $s) { slots { doctor { displayName } } } }`, {
        token,
        variables: { s: { specialisation, language, from: from.toISOString(), to: new Date(from.getTime() + 7 * 86_400_000).toISOString(), first: 10 } },
      });
    const dermatology = await eventually(() => search('Dermatology', 'fr'), (r) => (r.body.data?.availableSlots.slots.length ?? 0) > 0);
    expect(dermatology.body.errors).toBeUndefined();
    expect(new Set(dermatology.body.data!.availableSlots.slots.map((s) => s.doctor.displayName))).toEqual(new Set(['Dr. Mihai Popa']));
    const paediatrics = await eventually(() => search('Paediatrics', 'es'), (r) => (r.body.data?.availableSlots.slots.length ?? 0) > 0);
    expect(paediatrics.body.data!.availableSlots.slots[0]!.doctor.displayName).toBe('Dr. Sarah Miller');
  });

  test('a second run reuses everything and adds nothing', async () => {
    const again = await seedDemo({ url: clinic.url, admin: DEFAULT_ADMIN });
    expect(again.doctors.map((d) => [d.id, d.created, d.rulesAdded])).toEqual(first.doctors.map((d) => [d.id, false, 0]));
    expect(again.patient).toMatchObject({ id: first.patient.id, created: false });
    const admin = await gql<SignIn>(clinic.url, SIGN_IN, { variables: DEFAULT_ADMIN });
    const rules = await gql<{ scheduleRules: unknown[] }>(clinic.url, `query($id: ID!) { scheduleRules(doctorId: $id) { id } }`, {
      token: admin.body.data!.signIn.auth!.accessToken,
      variables: { id: first.doctors[0]!.id },
    });
    expect(rules.body.data!.scheduleRules).toHaveLength(DEMO_DOCTORS[0]!.hours.length);
  });

  test('a wrong administrator password is a clear SeedError, not a stack trace', async () => {
    await expect(seedDemo({ url: clinic.url, admin: { email: DEFAULT_ADMIN.email, password: 'Not-the-password-1' } })).rejects.toThrow(SeedError);
    await expect(seedDemo({ url: clinic.url, admin: { email: DEFAULT_ADMIN.email, password: 'Not-the-password-1' } })).rejects.toThrow(/cannot sign in/);
  });
});

test('localDate is the calendar date in the doctor\'s zone', () => {
  const at = new Date('2026-03-01T03:30:00Z');
  expect(localDate('America/New_York', at)).toBe('2026-02-28');
  expect(localDate('Europe/Bucharest', at)).toBe('2026-03-01');
});
