// Test helpers: identity (signing with the stack's test key, on its own queue names) behind a real router.
import { randomBytes, randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import { createTestKeys, TEST_REDIS_URL, type TestKeys } from '@clinic/service-kit/testing';
import type { SubgraphDefinition } from '@clinic/service-kit';
import { gql, startStack, type Stack } from '../../../../router/src/testing/harness.ts';
import { createIdentitySubgraph } from '../service.ts';
import { createUser } from '../domain/auth.ts';
import { inTransaction, query } from '../db.ts';

export interface IdentityStack {
  keys: TestKeys;
  stack: Stack;
  url: string;
  queues: { audit: string; doctors: string; notifications: string; care: string };
  stop(): Promise<void>;
}

export async function startIdentityStack(extra: SubgraphDefinition[] = [], routerEnv: Record<string, string> = {}, env: Record<string, string | undefined> = process.env): Promise<IdentityStack> {
  const keys = await createTestKeys();
  const suffix = randomBytes(4).toString('hex');
  const queues = { audit: `test-audit-${suffix}`, doctors: `test-doctors-${suffix}`, notifications: `test-notify-${suffix}`, care: `test-care-${suffix}` };
  const identity = createIdentitySubgraph({ signingKey: { kid: keys.kid, privateKey: keys.privateKey }, queues, env });
  const stack = await startStack(keys, [identity, ...extra], routerEnv);
  return { keys, stack, url: stack.router.url, queues, stop: () => stack.stop() };
}

export function identityEm(s: IdentityStack) {
  return s.stack.subgraphs.identity!.orm.em.fork();
}

export async function seedUser(s: IdentityStack, email: string, password: string, roles: string[]): Promise<string> {
  return inTransaction(identityEm(s), (tx) => createUser(tx, { email, displayName: email.split('@')[0]!, password, roles }));
}

export const SIGN_IN = `mutation($email: String!, $password: String!) {
  signIn(email: $email, password: $password) { status mfaChallenge auth { accessToken refreshToken sessionId user { id email roles } } }
}`;

export async function signIn(s: IdentityStack, email: string, password: string): Promise<{ accessToken: string; refreshToken: string; userId: string }> {
  const res = await gql<{ signIn: { auth: { accessToken: string; refreshToken: string; user: { id: string } } } }>(s.url, SIGN_IN, { variables: { email, password } });
  if (!res.body.data?.signIn.auth) throw new Error(`sign-in failed: ${JSON.stringify(res.body.errors)}`);
  const a = res.body.data.signIn.auth;
  return { accessToken: a.accessToken, refreshToken: a.refreshToken, userId: a.user.id };
}

export interface DevInboxMessage {
  to: string;
  subject: string;
  link: string;
}

/** The developer inbox through the router (a signed-in ADMIN's token). */
export async function readDevInbox(s: IdentityStack, adminToken: string): Promise<DevInboxMessage[]> {
  const res = await fetch(new URL('/auth/dev/inbox', s.url), { headers: { authorization: `Bearer ${adminToken}` } });
  if (res.status !== 200) throw new Error(`dev inbox answered ${res.status}`);
  return ((await res.json()) as { messages: DevInboxMessage[] }).messages;
}

/**
 * Makes `patientId` a patient of `doctorId` the way production does: an `appointment.requested` job (the
 * payload appointments sends) on identity's care queue, consumed by identity's worker.
 */
export async function bookedWith(s: IdentityStack, doctorId: string, patientId: string): Promise<void> {
  const queue = new Queue(s.queues.care, { connection: { url: TEST_REDIS_URL } });
  try {
    const eventId = randomUUID();
    const at = new Date(Date.now() + 86_400_000);
    const payload = {
      appointmentId: randomUUID(), doctorId, patientId, status: 'REQUESTED', previousStatus: null, startsAt: at.toISOString(),
      endsAt: new Date(at.getTime() + 1_800_000).toISOString(), previousStartsAt: null, consultationType: 'IN_PERSON', priority: 0, occurredAt: new Date().toISOString(),
    };
    await queue.add('appointment.requested', { eventId, topic: 'appointment.requested', payload, createdAt: new Date().toISOString() }, { jobId: eventId });
  } finally {
    await queue.close();
  }
  const rows = await eventually(() => query(identityEm(s), `select 1 from care_relationships where doctor_id = ? and patient_id = ?`, [doctorId, patientId]), (r) => r.length === 1);
  if (!rows.length) throw new Error('the care relationship did not arrive');
}

/** Polls until the condition holds (audit rows arrive through the outbox relay and the BullMQ worker). */
export async function eventually<T>(read: () => Promise<T>, ok: (value: T) => boolean, timeoutMs = 8_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (ok(value) || Date.now() > deadline) return value;
    await new Promise((r) => setTimeout(r, 100));
  }
}

export function auditRows(s: IdentityStack, where: string, params: unknown[]) {
  return query<{ action: string; outcome: string; actor_id: string; subject_user_id: string }>(identityEm(s), `select * from audit_log where ${where}`, params);
}

export { gql };
