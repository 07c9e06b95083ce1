// Test helpers: identity (signing with the stack's test key, on its own queue names) behind a real router.
import { randomBytes } from 'node:crypto';
import { createTestKeys, type TestKeys } from '@clinic/service-kit/testing';
import type { SubgraphDefinition } from '@clinic/service-kit';
import { gql, startStack, type Stack } from '../../../../router/src/testing/harness.ts';
import { createIdentitySubgraph } from '../service.ts';
import { createUser } from '../domain/auth.ts';
import { inTransaction, query } from '../db.ts';

export interface IdentityStack {
  keys: TestKeys;
  stack: Stack;
  url: string;
  queues: { audit: string; doctors: string; notifications: string };
  stop(): Promise<void>;
}

export async function startIdentityStack(extra: SubgraphDefinition[] = [], routerEnv: Record<string, string> = {}, env: Record<string, string | undefined> = process.env): Promise<IdentityStack> {
  const keys = await createTestKeys();
  const suffix = randomBytes(4).toString('hex');
  const queues = { audit: `test-audit-${suffix}`, doctors: `test-doctors-${suffix}`, notifications: `test-notify-${suffix}` };
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
