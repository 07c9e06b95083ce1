// Test fixtures: the appointments subgraph behind the real router on the real Postgres/Redis, a clock the
// tests can move, doctors in the directory, and tokens for each kind of caller.
import { randomBytes, randomUUID } from 'node:crypto';
import { createTestKeys, signTestToken, type TestKeys } from '@clinic/service-kit/testing';
import { everyIdIsAnAccount, type SubgraphDefinition } from '@clinic/service-kit';
import { gql, startStack, type Stack } from '@clinic/router/src/testing/harness.ts';
import { DateTime } from 'luxon';
import { createAppointmentsSubgraph } from '../service.ts';
import { DEFAULT_POLICY, type BookingPolicy, type Clinic } from '../policy.ts';
import { applyDoctorProfileJob, DOCTOR_PROFILE_TOPIC, type DoctorProfilePayload } from '../directory/doctor-directory.ts';
import type { AnswerCache } from '../availability/answer-cache.ts';

export interface TestClinic extends Clinic {
  /** Moves the clinic's clock forward (or back) by this many ms from real time. */
  shift(ms: number): void;
}

export function testClinic(policy: Partial<BookingPolicy> = {}): TestClinic {
  let offset = 0;
  return {
    policy: { ...DEFAULT_POLICY, ...policy },
    now: () => new Date(Date.now() + offset),
    shift: (ms) => {
      offset = ms;
    },
  };
}

export interface AppointmentsHarness {
  keys: TestKeys;
  stack: Stack;
  clinic: TestClinic;
  queuePrefix: string;
  url: string;
  /** The subgraph's whole slot-search answers (tests check that they were used). */
  answers: AnswerCache;
  stop(): Promise<void>;
}

export async function startAppointments(
  opts: { policy?: Partial<BookingPolicy>; extra?: SubgraphDefinition<any>[] } = {}, // eslint-disable-line @typescript-eslint/no-explicit-any
): Promise<AppointmentsHarness> {
  const keys = await createTestKeys();
  const clinic = testClinic(opts.policy);
  const queuePrefix = `t${randomBytes(4).toString('hex')}-`;
  // No identity here: patients are tokens only, each id an account (identity's answer: scripts/e2e/admin-day).
  const def = createAppointmentsSubgraph({ clinic, queuePrefix, relayPollMs: 50, sweepIntervalMs: 3_600_000, accounts: everyIdIsAnAccount });
  const stack = await startStack(keys, [...(opts.extra ?? []), def]);
  return { keys, stack, clinic, queuePrefix, url: stack.router.url, answers: def.answerCache, stop: () => stack.stop() };
}

export const token = (h: AppointmentsHarness, sub: string, roles: string[]) => signTestToken(h.keys, { sub, roles });
export const partnerToken = (h: AppointmentsHarness, scope: string) => signTestToken(h.keys, { sub: `partner-${randomUUID()}`, tokenUse: 'partner', scope });

export async function addDoctor(h: AppointmentsHarness, over: Partial<DoctorProfilePayload> = {}): Promise<DoctorProfilePayload> {
  const profile: DoctorProfilePayload = {
    doctorId: randomUUID(),
    specialisations: ['CARDIOLOGY'],
    languages: ['ro', 'en'],
    timeZone: 'Europe/Bucharest',
    consultationTypes: ['IN_PERSON'],
    active: true,
    ...over,
  };
  await applyDoctorProfileJob(h.stack.subgraphs.appointments!.orm.em.fork(), {
    eventId: randomUUID(),
    topic: DOCTOR_PROFILE_TOPIC,
    payload: { ...profile },
    createdAt: new Date().toISOString(),
  });
  return profile;
}

/** A local date `days` ahead in the zone (yyyy-MM-dd). */
export const daysAhead = (days: number, zone = 'Europe/Bucharest') => DateTime.now().setZone(zone).plus({ days }).toISODate()!;
export const localToUtc = (date: string, time: string, zone = 'Europe/Bucharest') => DateTime.fromISO(`${date}T${time}`, { zone }).toUTC().toISO()!;

/** Every day 09:00–17:00 local, 30-minute slots. */
export async function addEverydayRule(h: AppointmentsHarness, doctorId: string, over: Record<string, unknown> = {}) {
  const doctorToken = await token(h, doctorId, ['DOCTOR']);
  const res = await gql<{ addScheduleRule: { id: string } }>(h.url, ADD_RULE, {
    token: doctorToken,
    variables: {
      input: {
        doctorId, kind: 'WEEKLY', weekdays: [1, 2, 3, 4, 5, 6, 7], startTime: '09:00', endTime: '17:00',
        validFrom: daysAhead(-1), slotMinutes: 30, consultationType: 'IN_PERSON', ...over,
      },
    },
  });
  if (res.body.errors) throw new Error(JSON.stringify(res.body.errors));
  return res.body.data!.addScheduleRule;
}

export const ADD_RULE = `mutation($input: ScheduleRuleInput!) { addScheduleRule(input: $input) { id kind weekdays startTime endTime } }`;
export const REQUEST = `mutation($input: RequestAppointmentInput!) { requestAppointment(input: $input) { id status startsAt priority } }`;
export const SLOTS = `query($search: SlotSearchInput!) { availableSlots(search: $search) { slots { startsAt localStartsAt consultationType emergency doctor { id } } endCursor hasNextPage } }`;

export { gql };

export function codeOf(res: { body: { errors?: { extensions?: Record<string, unknown> }[] } }): unknown {
  return res.body.errors?.[0]?.extensions?.code;
}
