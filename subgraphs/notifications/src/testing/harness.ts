// Test harness: the notifications subgraph behind the real router on the real Postgres/Redis, with the real
// SendGrid and Twilio SDKs pointed at local stubs, a clock tests can move, a contact directory, a producer on
// the events queue (as appointments' outbox relay would write to it), and tokens.
import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { createTestKeys, signTestToken, testServiceConfig, type TestKeys } from '@clinic/service-kit/testing';
import { createLogger, createQueueProducer, type OutboxJob, type QueueProducer, type SubgraphDefinition } from '@clinic/service-kit';
import { gql, startStack, type Stack } from '@clinic/router/src/testing/harness.ts';
import { createNotificationsSubgraph, EVENTS_QUEUE, type NotificationsOptions } from '../service.ts';
import { staticContacts, type Contact } from '../delivery/contacts.ts';
import { DEFAULT_NOTIFICATION_POLICY, type NotificationPolicy } from '../policy.ts';
import { startStubProvider, type StubProvider } from './stub-providers.ts';
import { startStubPushService, type StubPushService } from './stub-push-service.ts';

export const TWILIO_SID = `AC${'0'.repeat(32)}`;
export const TWILIO_TOKEN = 'twilio-test-auth-token';
export const PUBLIC_BASE = 'https://api.clinic.test';

export interface TestClock {
  now(): Date;
  shift(ms: number): void;
}

export function testClock(): TestClock {
  let offset = 0;
  return { now: () => new Date(Date.now() + offset), shift: (ms) => void (offset = ms) };
}

export interface Harness {
  keys: TestKeys;
  stack: Stack;
  url: string;
  clock: TestClock;
  queuePrefix: string;
  contacts: Map<string, Contact>;
  sendgrid: StubProvider;
  twilio: StubProvider;
  /** A browser vendor's push service (HTTPS). */
  push: StubPushService;
  /** SendGrid's event-webhook signing key (the public half is configured on the subgraph). */
  sendgridSigningKey: import('node:crypto').KeyObject;
  def: ReturnType<typeof createNotificationsSubgraph>;
  events: QueueProducer;
  env: Record<string, string>;
  stop(): Promise<void>;
}

export const testPolicy = (over: Partial<NotificationPolicy> = {}): NotificationPolicy => ({ ...DEFAULT_NOTIFICATION_POLICY, deliveryAttempts: 3, retryDelayMs: 50, ...over });

export async function startHarness(
  opts: { providers?: boolean; options?: Partial<NotificationsOptions>; policy?: Partial<NotificationPolicy>; with?: (queuePrefix: string) => SubgraphDefinition[] } = {},
): Promise<Harness> {
  const keys = await createTestKeys();
  const clock = testClock();
  const queuePrefix = `t${randomBytes(4).toString('hex')}-`;
  const contacts = new Map<string, Contact>([[DOCTOR_ID, { email: 'doctor@example.test', phone: null, displayName: 'Dr. Ion Ionescu' }]]);
  const sendgrid = await startStubProvider('sendgrid');
  const twilio = await startStubProvider('twilio');
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const env: Record<string, string> = {
    WEBHOOK_BASE_URL: PUBLIC_BASE,
    SENDGRID_WEBHOOK_PUBLIC_KEY: publicKey.export({ format: 'der', type: 'spki' }).toString('base64'),
    TWILIO_AUTH_TOKEN: TWILIO_TOKEN,
    ...(opts.providers === false
      ? {}
      : {
          SENDGRID_API_KEY: 'SG.test-key',
          SENDGRID_API_URL: sendgrid.url,
          TWILIO_ACCOUNT_SID: TWILIO_SID,
          TWILIO_FROM: '+40700000000',
          TWILIO_API_URL: twilio.url,
        }),
  };
  const push = await startStubPushService();
  const def = createNotificationsSubgraph({
    pushAgent: push.agent,
    env,
    queuePrefix,
    contacts: staticContacts(contacts),
    now: clock.now,
    policy: testPolicy(opts.policy),
    sweepIntervalMs: 3_600_000,
    ...opts.options,
  });
  const stack = await startStack(keys, [def, ...(opts.with?.(queuePrefix) ?? [])]);
  const events = createQueueProducer(testServiceConfig('t', keys).redisUrl, createLogger('test', 'silent'));
  return {
    keys,
    stack,
    url: stack.router.url,
    clock,
    queuePrefix,
    contacts,
    sendgrid,
    twilio,
    push,
    sendgridSigningKey: privateKey,
    def,
    events,
    env,
    async stop() {
      await events.close();
      await stack.stop();
      await sendgrid.close();
      await twilio.close();
      await push.close();
    },
  };
}

export const orm = (h: Harness) => h.stack.subgraphs.notifications!.orm;
export const runtime = (h: Harness) => h.def.runtime()!;
export const token = (h: Harness, sub: string, roles: string[] = ['PATIENT']) => signTestToken(h.keys, { sub, roles });

/** A patient with an address, a phone and (optionally) SMS consent. */
export async function addPatient(h: Harness, opts: { smsConsent?: boolean } = {}): Promise<{ id: string; token: string }> {
  const id = randomUUID();
  h.contacts.set(id, { email: `p-${id.slice(0, 8)}@example.test`, phone: '+40711111111', displayName: 'Ana Pop' });
  const t = await token(h, id);
  if (opts.smsConsent ?? true) {
    const res = await gql(h.url, `mutation { recordSmsConsent(granted: true, method: "web-form") { userId } }`, { token: t });
    if (res.body.errors) throw new Error(JSON.stringify(res.body.errors));
  }
  return { id, token: t };
}

export interface AppointmentEventInput {
  appointmentId?: string;
  patientId: string;
  doctorId?: string;
  status?: string;
  startsAt: Date;
  consultationType?: string;
  eventId?: string;
}

/** An `appointment.<action>` event as appointments' outbox relay puts it on our queue (ids and times only). */
export async function sendAppointmentEvent(h: Harness, action: string, e: AppointmentEventInput): Promise<OutboxJob> {
  const job: OutboxJob = {
    eventId: e.eventId ?? randomUUID(),
    topic: `appointment.${action}`,
    createdAt: new Date().toISOString(),
    payload: {
      appointmentId: e.appointmentId ?? randomUUID(),
      doctorId: e.doctorId ?? DOCTOR_ID,
      patientId: e.patientId,
      status: e.status ?? 'APPROVED',
      previousStatus: null,
      startsAt: e.startsAt.toISOString(),
      endsAt: new Date(e.startsAt.getTime() + 30 * 60_000).toISOString(),
      previousStartsAt: null,
      consultationType: e.consultationType ?? 'IN_PERSON',
      priority: 0,
      occurredAt: h.clock.now().toISOString(),
    },
  };
  await h.events.add(h.queuePrefix + EVENTS_QUEUE, job);
  return job;
}

export const DOCTOR_ID = '11111111-1111-4111-8111-111111111111';

/** Polls until `check` returns a truthy value (bounded). */
export async function until<T>(check: () => Promise<T | null | undefined | false>, timeoutMs = 8_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export { gql };

export const codeOf = (res: { body: { errors?: { extensions?: Record<string, unknown> }[] } }) => res.body.errors?.[0]?.extensions?.code;
