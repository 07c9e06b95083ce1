// `npm run seed`: demo data for a running `npm start`, created only through the public GraphQL API (so it
// exercises what a real admin and patient do): a few doctors with specialisations, languages, time zones
// and weekly schedules, and one patient. Idempotent: existing accounts and identical rules are reused, so
// running it twice changes nothing. Needs the bootstrap administrator (IDENTITY_ADMIN_EMAIL/_PASSWORD), who
// also reads the patient's verification link from the developer inbox (development and test starts only).
import { registerVerifiedPatient } from '@clinic/service-kit/testing';

export const DEFAULT_ROUTER_URL = 'http://localhost:4000/graphql';
export const DEFAULT_ADMIN = { email: 'admin@clinic.local', password: 'Clinic-Demo-2026!' };

export interface DemoDoctor {
  email: string;
  password: string;
  displayName: string;
  specialisations: string[];
  languages: string[];
  timeZone: string;
  consultationTypes: ('IN_PERSON' | 'VIDEO' | 'PHONE' | 'CHAT')[];
  /** Weekly hours in the doctor's zone; ISO weekdays (1 = Monday). */
  hours: { weekdays: number[]; startTime: string; endTime: string; slotMinutes: number; bufferMinutes: number; consultationType: string }[];
}

export interface DemoPatient {
  email: string;
  password: string;
  displayName: string;
}

const WEEKDAYS = [1, 2, 3, 4, 5];

export const DEMO_DOCTORS: DemoDoctor[] = [
  {
    email: 'ana.ionescu@clinic.local', password: 'Demo-Doctor-2026!', displayName: 'Dr. Ana Ionescu',
    specialisations: ['Cardiology'], languages: ['ro', 'en'], timeZone: 'Europe/Bucharest', consultationTypes: ['IN_PERSON', 'VIDEO'],
    hours: [
      { weekdays: WEEKDAYS, startTime: '09:00', endTime: '13:00', slotMinutes: 30, bufferMinutes: 0, consultationType: 'IN_PERSON' },
      { weekdays: WEEKDAYS, startTime: '14:00', endTime: '17:00', slotMinutes: 30, bufferMinutes: 0, consultationType: 'VIDEO' },
    ],
  },
  {
    email: 'mihai.popa@clinic.local', password: 'Demo-Doctor-2026!', displayName: 'Dr. Mihai Popa',
    specialisations: ['Dermatology'], languages: ['ro', 'fr'], timeZone: 'Europe/Bucharest', consultationTypes: ['IN_PERSON'],
    hours: [{ weekdays: [1, 3, 5], startTime: '10:00', endTime: '16:00', slotMinutes: 20, bufferMinutes: 10, consultationType: 'IN_PERSON' }],
  },
  {
    email: 'sarah.miller@clinic.local', password: 'Demo-Doctor-2026!', displayName: 'Dr. Sarah Miller',
    specialisations: ['General practice', 'Paediatrics'], languages: ['en', 'es'], timeZone: 'America/New_York', consultationTypes: ['VIDEO', 'PHONE'],
    hours: [{ weekdays: WEEKDAYS, startTime: '08:00', endTime: '12:00', slotMinutes: 15, bufferMinutes: 5, consultationType: 'VIDEO' }],
  },
];

export const DEMO_PATIENT: DemoPatient = { email: 'maria.popescu@example.com', password: 'Demo-Patient-2026!', displayName: 'Maria Popescu' };

export interface SeedOptions {
  url: string;
  admin: { email: string; password: string };
  doctors?: DemoDoctor[];
  patient?: DemoPatient;
  log?: (line: string) => void;
  /** How long to wait for a new doctor to reach the appointments directory. */
  directoryWaitMs?: number;
}

export interface SeedResult {
  doctors: { email: string; password: string; id: string; created: boolean; rulesAdded: number }[];
  patient: { email: string; password: string; id: string; created: boolean };
}

/** Today's date in a time zone, yyyy-MM-dd. */
export const localDate = (timeZone: string, at = new Date()) => new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(at);

type GraphQLErrors = { message: string; extensions?: { code?: string } }[];

export class SeedError extends Error {
  constructor(message: string, readonly code?: string) {
    super(message);
  }
}

async function graphql<T>(url: string, query: string, variables: Record<string, unknown>, token?: string): Promise<T> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const text = await res.text();
  let body: { data?: T | null; errors?: GraphQLErrors };
  try {
    body = JSON.parse(text);
  } catch {
    throw new SeedError(`${url} answered ${res.status} with something that is not GraphQL: ${text.slice(0, 200)}`);
  }
  if (body.errors?.length || !body.data) {
    const first = body.errors?.[0];
    const code = first?.extensions?.code;
    throw new SeedError(`${query.trim().split(/[({]/)[0]!.trim() || 'request'} failed: ${code ?? res.status} ${first?.message ?? ''}`.trim(), code);
  }
  return body.data;
}

const SIGN_IN = `mutation SignIn($email: String!, $password: String!) { signIn(email: $email, password: $password) { status auth { accessToken } } }`;
const FIND_USER = `query FindUser($search: String!, $role: String!) { users(search: $search, role: $role, limit: 10) { id email } }`;
const CREATE_STAFF = `mutation CreateStaff($input: CreateStaffInput!) { createStaffUser(input: $input) { id } }`;
const UPDATE_PROFILE = `mutation UpdateDoctorProfile($id: ID!, $input: DoctorProfileInput!) { updateDoctorProfile(doctorId: $id, input: $input) { doctorId } }`;
const RULES = `query ScheduleRules($id: ID!) { scheduleRules(doctorId: $id) { kind weekdays startTime endTime slotMinutes bufferMinutes consultationType validUntil } }`;
const ADD_RULE = `mutation AddScheduleRule($input: ScheduleRuleInput!) { addScheduleRule(input: $input) { id } }`;

async function findUser(url: string, token: string, email: string, role: string): Promise<string | null> {
  const { users } = await graphql<{ users: { id: string; email: string }[] }>(url, FIND_USER, { search: email, role }, token);
  return users.find((u) => u.email.toLowerCase() === email.toLowerCase())?.id ?? null;
}

type Rule = DemoDoctor['hours'][number];
type StoredRule = Rule & { kind: string; validUntil: string | null };
const sameRule = (a: StoredRule, b: Rule) =>
  a.kind === 'WEEKLY' && a.validUntil === null && a.startTime === b.startTime && a.endTime === b.endTime && a.slotMinutes === b.slotMinutes &&
  a.bufferMinutes === b.bufferMinutes && a.consultationType === b.consultationType && [...a.weekdays].sort().join() === [...b.weekdays].sort().join();

/**
 * The doctor's schedule rules, once appointments knows the doctor: identity announces a new doctor through
 * the outbox and a queue, so for a moment after creation appointments answers NOT_FOUND.
 */
async function rulesOnceListed(url: string, token: string, doctorId: string, waitMs: number): Promise<StoredRule[]> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      return (await graphql<{ scheduleRules: StoredRule[] }>(url, RULES, { id: doctorId }, token)).scheduleRules;
    } catch (error) {
      if (!(error instanceof SeedError) || error.code !== 'NOT_FOUND') throw error;
      if (Date.now() > deadline) {
        throw new SeedError(`The appointments service has not heard of doctor ${doctorId} from identity after ${waitMs / 1000}s (is another stack consuming the same Redis queues?)`, 'NOT_FOUND');
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

export async function seedDemo(opts: SeedOptions): Promise<SeedResult> {
  const { url, admin } = opts;
  const log = opts.log ?? (() => {});
  const signIn = await graphql<{ signIn: { status: string; auth: { accessToken: string } | null } }>(url, SIGN_IN, admin).catch((error: unknown) => {
    throw new SeedError(`The administrator ${admin.email} cannot sign in (${(error as Error).message}). Start the stack with IDENTITY_ADMIN_EMAIL/IDENTITY_ADMIN_PASSWORD, or pass SEED_ADMIN_EMAIL/SEED_ADMIN_PASSWORD.`);
  });
  if (!signIn.signIn.auth) throw new SeedError(`The administrator ${admin.email} has multi-factor sign-in on; seed with an admin without MFA.`);
  const token = signIn.signIn.auth.accessToken;

  const result: SeedResult = { doctors: [], patient: null as unknown as SeedResult['patient'] };
  for (const doctor of opts.doctors ?? DEMO_DOCTORS) {
    let id = await findUser(url, token, doctor.email, 'DOCTOR');
    const created = !id;
    if (!id) {
      id = (await graphql<{ createStaffUser: { id: string } }>(url, CREATE_STAFF, {
        input: { email: doctor.email, displayName: doctor.displayName, roles: ['DOCTOR'], password: doctor.password },
      }, token)).createStaffUser.id;
    }
    await graphql(url, UPDATE_PROFILE, {
      id,
      input: { specialisations: doctor.specialisations, languages: doctor.languages, timeZone: doctor.timeZone, consultationTypes: doctor.consultationTypes },
    }, token);
    const scheduleRules = await rulesOnceListed(url, token, id, opts.directoryWaitMs ?? 20_000);
    let rulesAdded = 0;
    for (const hours of doctor.hours) {
      if (scheduleRules.some((r) => sameRule(r, hours))) continue;
      await graphql(url, ADD_RULE, {
        input: { doctorId: id, kind: 'WEEKLY', ...hours, validFrom: localDate(doctor.timeZone) },
      }, token);
      rulesAdded += 1;
    }
    log(`${created ? 'created' : 'kept   '} doctor  ${doctor.email}  password ${doctor.password}  (${doctor.specialisations.join(', ')}; ${doctor.timeZone}; ${rulesAdded} new schedule rules)`);
    result.doctors.push({ email: doctor.email, password: doctor.password, id, created, rulesAdded });
  }

  const patient = opts.patient ?? DEMO_PATIENT;
  let patientId = await findUser(url, token, patient.email, 'PATIENT');
  const created = !patientId;
  if (!patientId) {
    // Registered as a patient does it, the address confirmed from the link in the developer inbox (as the admin).
    patientId = (await registerVerifiedPatient(url, patient, token)).userId;
  }
  log(`${created ? 'created' : 'kept   '} patient ${patient.email}  password ${patient.password}`);
  result.patient = { email: patient.email, password: patient.password, id: patientId, created };
  return result;
}

if (require.main === module) {
  const url = process.env.ROUTER_URL ?? DEFAULT_ROUTER_URL;
  const admin = {
    email: process.env.SEED_ADMIN_EMAIL ?? process.env.IDENTITY_ADMIN_EMAIL ?? DEFAULT_ADMIN.email,
    password: process.env.SEED_ADMIN_PASSWORD ?? process.env.IDENTITY_ADMIN_PASSWORD ?? DEFAULT_ADMIN.password,
  };
  const log = (line: string) => process.stdout.write(`${line}\n`);
  log(`Seeding demo data through ${url} as ${admin.email}`);
  seedDemo({ url, admin, log }).then(
    () => log(`Done. Administrator: ${admin.email} / ${admin.password}`),
    (error: unknown) => {
      process.stderr.write(`${error instanceof SeedError ? error.message : (error as Error).stack ?? String(error)}\n`);
      if ((error as { cause?: { code?: string } }).cause?.code === 'ECONNREFUSED') process.stderr.write(`Is \`npm start\` running? (ROUTER_URL=${url})\n`);
      process.exitCode = 1;
    },
  );
}
