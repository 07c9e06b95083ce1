// Test fixture: identity, appointments and the assistant (and chat, when asked) behind the real router on the
// real Postgres and Redis, wired by their outbox relays and BullMQ queues under a unique prefix; an admin, a
// cardiologist with a weekly schedule, an operator and two patients, all signed in through identity, and the
// assistant's read-only availability client.
import { randomBytes } from 'node:crypto';
import { DateTime } from 'luxon';
import { AUDIT_QUEUE, createActiveUsersLookup, type SubgraphDefinition } from '@clinic/service-kit';
import { createTestKeys, eventually, graphqlCaller, registerVerifiedPatient, signIn, type GraphQLCall, type SignedIn } from '@clinic/service-kit/testing';
import { startStack, type Stack } from '@clinic/router/src/testing/harness.ts';
import { createIdentitySubgraph } from '@clinic/identity/src/service.ts';
import { createAppointmentsSubgraph } from '@clinic/appointments/src/service.ts';
import { DOCTORS_QUEUE } from '@clinic/appointments/src/directory/doctor-directory.ts';
import { createChatSubgraph } from '@clinic/chat/src/service.ts';
import { createAssistantSubgraph, type AssistantOptions } from '../service.ts';
import type { PartnerCredentials } from '../clinic-api/availability-token.ts';

export const ZONE = 'Europe/Bucharest';
export type Who = SignedIn;

export interface AssistantClinic {
  stack: Stack;
  url: string;
  queuePrefix: string;
  call: GraphQLCall;
  /** The assistant's own client (availability:read; the actor of the delegated-token exchange). */
  partner: PartnerCredentials;
  /** The key chat signs delegation proofs with (null: delegation off). */
  delegationSecret: string | null;
  people: Record<'admin' | 'doctor' | 'operator' | 'patient' | 'other', Who>;
  stop(): Promise<void>;
}

export interface ClinicOptions {
  withChat?: boolean;
  /** Chat signs proofs and identity exchanges them for the patient's delegated token (default true). */
  delegation?: boolean;
  assistant?: AssistantOptions;
  routerEnv?: Record<string, string>;
}

export async function startAssistantClinic(opts: ClinicOptions = {}): Promise<AssistantClinic> {
  const run = randomBytes(4).toString('hex');
  const ADMIN = { email: `admin-${run}@clinic.test`, password: 'Admin-pass-2026!' };
  const DOCTOR = { email: `dr-${run}@clinic.test`, password: 'Doctor-pass-2026!', displayName: 'Dr. Ana Ionescu' };
  const OPERATOR = { email: `op-${run}@clinic.test`, password: 'Operator-pass-2026!', displayName: 'Olga Operator' };
  const PATIENT = { email: `maria-${run}@example.test`, password: 'Patient-pass-2026!', displayName: 'Maria Popescu' };
  const OTHER = { email: `ion-${run}@example.test`, password: 'Other-pass-2026!', displayName: 'Ion Vasile' };

  const keys = await createTestKeys();
  const queuePrefix = `as${run}-`;
  let url = '';
  let chatUrl = '';
  let identityUrl = '';
  // The assistant's own client, made by identity at start (IDENTITY_ASSISTANT_CLIENT_ID / _SECRET, as `npm start` does).
  const partner: PartnerCredentials = { clientId: `pc_assistant_${run}`, clientSecret: randomBytes(24).toString('base64url') };
  // Shared by chat and identity only: the assistant never sees it.
  const delegationSecret = opts.delegation === false ? null : randomBytes(32).toString('base64url');
  const identity = createIdentitySubgraph({
    signingKey: { kid: keys.kid, privateKey: keys.privateKey },
    queues: { audit: queuePrefix + AUDIT_QUEUE, doctors: queuePrefix + DOCTORS_QUEUE, notifications: `${queuePrefix}notifications-identity` },
    env: {
      ...process.env, IDENTITY_ADMIN_EMAIL: ADMIN.email, IDENTITY_ADMIN_PASSWORD: ADMIN.password,
      IDENTITY_ASSISTANT_CLIENT_ID: partner.clientId, IDENTITY_ASSISTANT_CLIENT_SECRET: partner.clientSecret,
      ASSISTANT_DELEGATION_SECRET: delegationSecret ?? '',
    },
  });
  const accounts = createActiveUsersLookup({ identityUrl: () => identityUrl, routerSecret: 'test-router-secret' });
  const appointments = createAppointmentsSubgraph({ queuePrefix, relayPollMs: 50, sweepIntervalMs: 3_600_000, accounts });
  // The router starts after the subgraphs: the assistant reads its URL (and chat's) per call.
  const assistant = createAssistantSubgraph({
    queuePrefix, relayPollMs: 50, routerUrl: () => url, chatUrl: () => chatUrl, identityUrl: () => identityUrl, partner: () => partner, ...opts.assistant,
  });
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const defs: SubgraphDefinition<any>[] = [identity, appointments, assistant];
  if (opts.withChat) defs.push(createChatSubgraph({ kek: randomBytes(32), queuePrefix, relayPollMs: 50, env: { NODE_ENV: 'test' }, delegationSecret }));
  const stack = await startStack(keys, defs, opts.routerEnv);
  url = stack.router.url;
  chatUrl = stack.subgraphs.chat?.url ?? '';
  identityUrl = stack.subgraphs.identity!.url;
  const call = graphqlCaller(() => url);

  await eventually(
    () => stack.subgraphs.identity!.orm.em.fork().getConnection().execute<unknown[]>(`select 1 from users where lower(email) = lower(?)`, [ADMIN.email]),
    (rows) => rows.length === 1,
  );
  const people = {} as AssistantClinic['people'];
  people.admin = await signIn(call, ADMIN);
  await eventually(
    () => stack.subgraphs.identity!.orm.em.fork().getConnection().execute<unknown[]>(`select 1 from partner_clients where id = ?`, [partner.clientId]),
    (rows) => rows.length === 1,
  );
  for (const [key, who, roles] of [['doctor', DOCTOR, ['DOCTOR']], ['operator', OPERATOR, ['OPERATOR']]] as const) {
    await call(`mutation($input: CreateStaffInput!) { createStaffUser(input: $input) { id } }`, { input: { ...who, roles } }, people.admin.token);
    people[key] = await signIn(call, who);
  }
  await call(
    `mutation($id: ID!, $input: DoctorProfileInput!) { updateDoctorProfile(doctorId: $id, input: $input) { doctorId } }`,
    { id: people.doctor.userId, input: { specialisations: ['CARDIOLOGY'], languages: ['ro', 'en'], timeZone: ZONE, consultationTypes: ['IN_PERSON'] } },
    people.admin.token,
  );
  await eventually(
    () => stack.subgraphs.appointments!.orm.em.fork().getConnection().execute<unknown[]>(`select 1 from doctor_directory where doctor_id = ?`, [people.doctor.userId]),
    (rows) => rows.length === 1,
  );
  await call(
    `mutation($input: ScheduleRuleInput!) { addScheduleRule(input: $input) { id } }`,
    {
      input: {
        doctorId: people.doctor.userId, kind: 'WEEKLY', weekdays: [1, 2, 3, 4, 5, 6, 7], startTime: '09:00', endTime: '17:00',
        validFrom: DateTime.now().setZone(ZONE).toISODate(), slotMinutes: 30, bufferMinutes: 0, consultationType: 'IN_PERSON',
      },
    },
    people.doctor.token,
  );
  for (const [key, who] of [['patient', PATIENT], ['other', OTHER]] as const) {
    await registerVerifiedPatient(url, who, people.admin.token);
    people[key] = await signIn(call, who);
  }
  return { stack, url, queuePrefix, call, partner, delegationSecret, people, stop: () => stack.stop() };
}

/** A wall-clock time `days` from today in the clinic's zone. */
export const local = (days: number, time: string) => DateTime.fromISO(`${DateTime.now().setZone(ZONE).plus({ days }).toISODate()}T${time}`, { zone: ZONE });

/**
 * A slot start in the doctor's hours (09:00–17:00) at least 3 h and less than 24 h away, whatever the time
 * of day: "tomorrow at 9" is more than a day away between midnight and 09:00, so it cannot stand for
 * "inside the cancellation deadline".
 */
export function insideTheDeadline(now = DateTime.now()): DateTime {
  const soon = now.setZone(ZONE).plus({ hours: 3 }).startOf('hour').plus({ hours: 1 });
  if (soon.hour < 9) return soon.set({ hour: 9 });
  if (soon.hour >= 17) return soon.plus({ days: 1 }).set({ hour: 9 });
  return soon;
}
