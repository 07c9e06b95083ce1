// Recipients' names and addresses come from identity at send time: identity's internal contact route
// (router secret required, never proxied) answers for an active user, and a message rendered and delivered
// through it carries identity's data (here into the developer inbox, as without provider keys).
import { randomUUID } from 'node:crypto';
import { startIdentityStack, seedUser, type IdentityStack } from '@clinic/identity/src/testing/stack.ts';
import { createNotificationsSubgraph } from '../service.ts';
import { identityContacts, USER_CONTACT_PATH, type ContactDirectory } from './contacts.ts';
import { notify } from './messages.ts';
import { sql } from '../db.ts';
import { testPolicy, until } from '../testing/harness.ts';

let s: IdentityStack;
let directory: ContactDirectory | null = null;
const def = createNotificationsSubgraph({ env: {}, contacts: { contactOf: (id) => directory!.contactOf(id), staffIds: (role) => directory!.staffIds(role) }, policy: testPolicy(), sweepIntervalMs: 3_600_000, queuePrefix: `c${randomUUID().slice(0, 6)}-` });

beforeAll(async () => {
  s = await startIdentityStack([def]);
  directory = identityContacts(s.stack.subgraphs.identity!.url, 'test-router-secret');
});
afterAll(async () => {
  await s?.stop();
});

test('identity answers contact lookups only with the router secret; a message uses its name and address', async () => {
  const userId = await seedUser(s, `contact-${randomUUID().slice(0, 8)}@example.test`, 'Very-Long-Password-2026!', ['PATIENT']);
  const origin = new URL(s.stack.subgraphs.identity!.url).origin;
  expect((await fetch(`${origin}${USER_CONTACT_PATH}?id=${userId}`)).status).toBe(403);
  expect((await fetch(`${new URL(s.url).origin}${USER_CONTACT_PATH}?id=${userId}`)).status).toBe(404);
  expect(await directory!.contactOf(randomUUID())).toBeNull();
  const contact = await directory!.contactOf(userId);
  expect(contact).toEqual({ email: expect.stringMatching(/^contact-.*@example\.test$/), displayName: expect.stringMatching(/^contact-/), phone: null });

  const em = s.stack.subgraphs.notifications!.orm.em.fork();
  const outcome = await notify(em, def.runtime()!.deps, { userId, type: 'SECURITY', channel: 'EMAIL', dedupeKey: `t/${randomUUID()}` });
  expect(outcome.kind).toBe('queued');
  const [message] = await until(async () => {
    const rows = await sql<{ recipient: string; body: string }>(em, `select recipient, body from dev_messages where recipient = ?`, [contact!.email]);
    return rows.length ? rows : null;
  });
  expect(message!.body).toContain(contact!.displayName);
});
