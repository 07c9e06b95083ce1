// The API through the router: in-app notifications (live through the router's graphql-ws, unread count, mark
// read), preferences with role defaults an admin changes in bulk and a user resets to, the developer inbox
// and queue monitor for admins — and privacy: a patient never reads or changes another user's preferences or
// notifications, whether by argument, by `_entities` or by subscription.
import { randomUUID } from 'node:crypto';
import { connectWs } from '@clinic/router/src/testing/ws.ts';
import { notify } from '../delivery/messages.ts';
import { addPatient, codeOf, gql, orm, runtime, startHarness, token, until, type Harness } from '../testing/harness.ts';

let h: Harness;
let admin: string;
beforeAll(async () => {
  h = await startHarness({ providers: false });
  admin = await token(h, randomUUID(), ['ADMIN']);
});
afterAll(async () => {
  await h?.stop();
});

const inApp = (userId: string, type: 'SECURITY' | 'DOCUMENTS' = 'DOCUMENTS') =>
  notify(orm(h).em.fork(), runtime(h).deps, { userId, type, channel: 'IN_APP', dedupeKey: `t/${randomUUID()}` });

/** A query straight to the subgraph, the way the router sends `_entities` (router secret + the caller's token). */
async function entities(t: string, typename: string, id: string, selection: string) {
  const res = await fetch(h.stack.subgraphs.notifications!.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${t}`, 'x-router-secret': 'test-router-secret' },
    body: JSON.stringify({ query: `query($r: [_Any!]!) { _entities(representations: $r) { ... on ${typename} { ${selection} } } }`, variables: { r: [{ __typename: typename, id }] } }),
  });
  return (await res.json()) as { data?: { _entities: (Record<string, unknown> | null)[] }; errors?: { extensions?: { code?: string } }[] };
}

test('in-app: live through the router to its recipient only, unread count, mark one and all read', async () => {
  const a = await addPatient(h, { smsConsent: false });
  const b = await addPatient(h, { smsConsent: false });
  const wsA = connectWs(h.url, a.token);
  const wsB = connectWs(h.url, b.token);
  try {
    const subA = wsA.subscribe<{ notificationReceived: { id: string; type: string; title: string } }>(`subscription { notificationReceived { id type title } }`);
    const subB = wsB.subscribe(`subscription { notificationReceived { id } }`);
    // wait until both subscriptions are open on the subgraph
    await until(async () => (h.stack.subgraphs.notifications!.subscriptionStats().subscriptions >= 2 ? true : null), 5_000, 'subscribed');
    const first = await inApp(a.id);
    const event = await subA.nth(1);
    expect(event.data!.notificationReceived.type).toBe('DOCUMENTS');
    expect(event.data!.notificationReceived.id).toBe(first.kind === 'in-app' ? first.notification.id : null);
    await inApp(a.id, 'SECURITY');
    await subA.nth(2);
    expect(subB.events).toHaveLength(0);
    const count = async (t: string) => (await gql<{ unreadNotificationCount: number }>(h.url, `{ unreadNotificationCount }`, { token: t })).body.data!.unreadNotificationCount;
    expect(await count(a.token)).toBe(2);
    expect(await count(b.token)).toBe(0);
    // B cannot mark A's notification read (and does not learn it exists)
    const id = event.data!.notificationReceived.id;
    expect(codeOf(await gql(h.url, `mutation($id: ID!) { markNotificationRead(id: $id) { id } }`, { token: b.token, variables: { id } }))).toBe('NOT_FOUND');
    expect(codeOf(await gql(h.url, `mutation { markNotificationRead(id: "nope") { id } }`, { token: a.token }))).toBe('BAD_USER_INPUT');
    const read = await gql(h.url, `mutation($id: ID!) { markNotificationRead(id: $id) { readAt } }`, { token: a.token, variables: { id } });
    expect(read.body.errors).toBeUndefined();
    expect(await count(a.token)).toBe(1);
    expect((await gql(h.url, `mutation { markAllNotificationsRead }`, { token: a.token })).body.data).toEqual({ markAllNotificationsRead: 1 });
    expect(await count(a.token)).toBe(0);
    // User.notifications: own only, filters
    const own = await entities(a.token, 'User', a.id, 'notifications(unreadOnly: false) { id readAt }');
    expect(own.data!._entities[0]!.notifications).toHaveLength(2);
    const unread = await entities(a.token, 'User', a.id, 'notifications(unreadOnly: true) { id }');
    expect(unread.data!._entities[0]!.notifications).toHaveLength(0);
    expect((await entities(b.token, 'User', a.id, 'notifications { id }')).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await entities(admin, 'User', a.id, 'notifications { id }')).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  } finally {
    await wsA.dispose();
    await wsB.dispose();
  }
});

test('a patient cannot read or change another user’s preferences (argument or _entities); an admin can', async () => {
  const a = await addPatient(h, { smsConsent: false });
  const b = await addPatient(h, { smsConsent: false });
  const set = (t: string, userId?: string) =>
    gql(h.url, `mutation($u: ID) { setNotificationPreferences(userId: $u, input: [{ type: REMINDERS, channel: EMAIL, enabled: false }]) { userId } }`, {
      token: t,
      variables: { u: userId },
    });
  expect(codeOf(await set(b.token, a.id))).toBe('FORBIDDEN');
  expect(codeOf(await gql(h.url, `mutation($u: ID) { updateNotificationSettings(userId: $u, input: { timeZone: "UTC" }) { userId } }`, { token: b.token, variables: { u: a.id } }))).toBe('FORBIDDEN');
  expect(codeOf(await gql(h.url, `mutation($u: ID) { resetNotificationPreferences(userId: $u) { userId } }`, { token: b.token, variables: { u: a.id } }))).toBe('FORBIDDEN');
  expect((await entities(b.token, 'User', a.id, 'notificationPreferences { userId }')).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  expect(codeOf(await gql(h.url, `{ unreadNotificationCount }`))).toBe('UNAUTHENTICATED');
  // the owner and an admin may
  expect((await set(a.token)).body.data).toEqual({ setNotificationPreferences: { userId: a.id } });
  expect((await set(admin, a.id)).body.data).toEqual({ setNotificationPreferences: { userId: a.id } });
  const seen = await entities(admin, 'User', a.id, 'notificationPreferences { userId timeZone locale channels { type channel enabled custom } }');
  const prefs = seen.data!._entities[0]!.notificationPreferences as { channels: { type: string; channel: string; enabled: boolean; custom: boolean }[] };
  expect(prefs.channels.find((c) => c.type === 'REMINDERS' && c.channel === 'EMAIL')).toEqual({ type: 'REMINDERS', channel: 'EMAIL', enabled: false, custom: true });
});

test('role defaults: an admin changes them in bulk, users follow them until they choose, and reset brings them back', async () => {
  const p = await addPatient(h, { smsConsent: false });
  const mine = async () =>
    ((await entities(p.token, 'User', p.id, 'notificationPreferences { channels { type channel enabled custom } }')).data!._entities[0]!.notificationPreferences as {
      channels: { type: string; channel: string; enabled: boolean; custom: boolean }[];
    }).channels.find((c) => c.type === 'DOCUMENTS' && c.channel === 'PUSH')!;
  expect(await mine()).toEqual({ type: 'DOCUMENTS', channel: 'PUSH', enabled: false, custom: false });
  const bulk = await gql(h.url, `mutation { setRoleNotificationDefaults(role: "PATIENT", input: [{ type: DOCUMENTS, channel: PUSH, enabled: true }]) { type channel enabled } }`, { token: admin });
  expect(bulk.body.errors).toBeUndefined();
  expect(codeOf(await gql(h.url, `mutation { setRoleNotificationDefaults(role: "PATIENT", input: []) { type } }`, { token: p.token }))).toBe('FORBIDDEN');
  expect(await mine()).toEqual({ type: 'DOCUMENTS', channel: 'PUSH', enabled: true, custom: false });
  await gql(h.url, `mutation { setNotificationPreferences(input: [{ type: DOCUMENTS, channel: PUSH, enabled: false }]) { userId } }`, { token: p.token });
  expect((await mine()).custom).toBe(true);
  const reset = await gql(h.url, `mutation { resetNotificationPreferences { userId } }`, { token: p.token });
  expect(reset.body.errors).toBeUndefined();
  expect(await mine()).toEqual({ type: 'DOCUMENTS', channel: 'PUSH', enabled: true, custom: false });
  // put the shared default back for the other tests
  await gql(h.url, `mutation { setRoleNotificationDefaults(role: "PATIENT", input: [{ type: DOCUMENTS, channel: PUSH, enabled: false }]) { type } }`, { token: admin });
});

test('without provider keys e-mail and SMS land in the developer inbox an admin reads; the queue monitor answers admins', async () => {
  const p = await addPatient(h);
  for (const channel of ['EMAIL', 'SMS'] as const) {
    const outcome = await notify(orm(h).em.fork(), runtime(h).deps, { userId: p.id, type: 'SECURITY', channel, dedupeKey: `t/${randomUUID()}` });
    expect(outcome.kind).toBe('queued');
  }
  const inbox = await until(async () => {
    const res = await gql<{ devInbox: { channel: string; to: string; body: string }[] }>(h.url, `{ devInbox(limit: 10) { channel to subject body } }`, { token: admin });
    const mine = res.body.data!.devInbox.filter((m) => m.to === h.contacts.get(p.id)!.email || m.to === '+40711111111');
    return mine.length === 2 ? mine : null;
  }, 5_000, 'dev inbox');
  expect(inbox.map((m) => m.channel).sort()).toEqual(['EMAIL', 'SMS']);
  expect(codeOf(await gql(h.url, `{ devInbox { id } }`, { token: p.token }))).toBe('FORBIDDEN');
  const queues = await gql<{ notificationQueues: { name: string; waiting: number; failureRate: number }[] }>(h.url, `{ notificationQueues { name waiting delayed active failed oldestWaitingSeconds failureRate } }`, { token: admin });
  expect(queues.body.data!.notificationQueues.map((q) => q.name)).toEqual([`${h.queuePrefix}notifications-reminders`, `${h.queuePrefix}notifications-deliveries`]);
  expect(codeOf(await gql(h.url, `{ notificationQueues { name } }`, { token: p.token }))).toBe('FORBIDDEN');
});
