// Identity and appointments behind the router, in-process on the real Postgres/Redis (fresh schemas),
// wired to each other exactly as in production: identity's relay sends `doctor.*` to the queue the
// appointments directory consumes, appointments' relay sends `audit.*` to identity's audit worker. Queue
// names carry a per-run prefix so parallel runs never consume each other's jobs.
import { randomBytes } from 'node:crypto';
import { createTestKeys } from '@clinic/service-kit/testing';
import { AUDIT_QUEUE, CARE_EVENTS_QUEUE } from '@clinic/service-kit';
import { startStack, type Stack } from '../../router/src/testing/harness.ts';
import { createIdentitySubgraph } from '../../subgraphs/identity/src/service.ts';
import { createAppointmentsSubgraph } from '../../subgraphs/appointments/src/service.ts';
import { DOCTORS_QUEUE } from '../../subgraphs/appointments/src/directory/doctor-directory.ts';

export interface Clinic {
  stack: Stack;
  url: string;
  queuePrefix: string;
  stop(): Promise<void>;
}

export async function startClinic(admin: { email: string; password: string }): Promise<Clinic> {
  const keys = await createTestKeys();
  const queuePrefix = `e2e${randomBytes(4).toString('hex')}-`;
  const identity = createIdentitySubgraph({
    signingKey: { kid: keys.kid, privateKey: keys.privateKey },
    queues: {
      audit: queuePrefix + AUDIT_QUEUE,
      doctors: queuePrefix + DOCTORS_QUEUE,
      notifications: `${queuePrefix}notifications-identity`,
      care: queuePrefix + CARE_EVENTS_QUEUE,
    },
    env: { ...process.env, IDENTITY_ADMIN_EMAIL: admin.email, IDENTITY_ADMIN_PASSWORD: admin.password },
  });
  const appointments = createAppointmentsSubgraph({ queuePrefix, relayPollMs: 50, sweepIntervalMs: 3_600_000 });
  const stack = await startStack(keys, [identity, appointments]);
  return { stack, url: stack.router.url, queuePrefix, stop: () => stack.stop() };
}

/** Polls until the condition holds (events travel through outbox relays and BullMQ workers). */
export async function eventually<T>(read: () => Promise<T>, ok: (value: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (ok(value) || Date.now() > deadline) return value;
    await new Promise((r) => setTimeout(r, 100));
  }
}
