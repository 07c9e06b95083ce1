// Participants are accounts. Found from outside: a doctor could start a conversation (or an owner add to a group)
// with any UUID; chat stored it, and from then on every list showing that member failed — the doctor's
// `me { conversations { … participants { user { displayName } } } }` came back `me: null`, because identity has no
// such user. Now chat asks identity (its internal route, router secret) before it stores anyone: an id that is no
// active account is NOT_FOUND and nothing is stored. Identity and chat behind the real router, as in production.
import { randomBytes, randomUUID } from 'node:crypto';
import { ACTIVE_USERS_PATH, ROUTER_SECRET_HEADER } from '@clinic/service-kit';
import { identityEm, seedUser, signIn, startIdentityStack, type IdentityStack } from '@clinic/identity/src/testing/stack.ts';
import { gql } from '@clinic/router/src/testing/harness.ts';
import { createChatSubgraph } from '../service.ts';

// Read per call, as the launcher's shared environment is: identity's URL is known once the stack runs.
const chatEnv: Record<string, string | undefined> = { NODE_ENV: 'test' };
const chat = createChatSubgraph({ kek: randomBytes(32), queuePrefix: `acc${randomBytes(3).toString('hex')}-`, relayPollMs: 50, env: chatEnv });
let s: IdentityStack;
let doctor: { accessToken: string; userId: string };
let patientId: string;
let retiredId: string;
const ghost = randomUUID();

const START = `mutation($i: StartConversationInput!) { startConversation(input: $i) { id kind } }`;
const LIST = `{ me { id conversations { conversations { id kind participants { user { id displayName } } } } } }`;
const chatRows = async (sql: string, params: unknown[]) => s.stack.subgraphs.chat!.orm.em.fork().getConnection().execute(sql, params);

beforeAll(async () => {
  s = await startIdentityStack([chat]);
  chatEnv.IDENTITY_URL = s.stack.subgraphs.identity!.url;
  const tag = randomBytes(4).toString('hex');
  await seedUser(s, `doc-${tag}@example.test`, 'Very-Long-Password-2026!', ['DOCTOR']);
  patientId = await seedUser(s, `pat-${tag}@example.test`, 'Very-Long-Password-2026!', ['PATIENT']);
  retiredId = await seedUser(s, `old-${tag}@example.test`, 'Very-Long-Password-2026!', ['PATIENT']);
  await identityEm(s).getConnection().execute(`update users set status = 'DEACTIVATED' where id = ?`, [retiredId]);
  doctor = await signIn(s, `doc-${tag}@example.test`, 'Very-Long-Password-2026!');
});
afterAll(async () => {
  await s?.stop();
});

test('staff cannot start a conversation with an id that is no active account; nothing is stored', async () => {
  for (const [input, unknown] of [
    [{ participantIds: [ghost] }, [ghost]],
    [{ participantIds: [retiredId] }, [retiredId]],
    [{ kind: 'GROUP', participantIds: [patientId, ghost] }, [ghost]],
  ] as const) {
    const res = await gql(s.url, START, { variables: { i: input }, token: doctor.accessToken });
    expect(res.body.errors?.[0]?.extensions).toMatchObject({ code: 'NOT_FOUND', userIds: unknown });
  }
  expect(await chatRows(`select conversation_id from participants where user_id in (?, ?)`, [ghost, retiredId])).toEqual([]);
  expect(await chatRows(`select id from conversations where created_by = ?`, [doctor.userId])).toEqual([]);
});

test('real accounts still work, an owner cannot add a made-up member, and the doctor\'s list loads with every name', async () => {
  const direct = await gql<{ startConversation: { id: string } }>(s.url, START, { variables: { i: { participantIds: [patientId] } }, token: doctor.accessToken });
  expect(direct.body.errors).toBeUndefined();
  const group = await gql<{ startConversation: { id: string } }>(s.url, START, { variables: { i: { kind: 'GROUP', participantIds: [patientId] } }, token: doctor.accessToken });
  const groupId = group.body.data!.startConversation.id;
  const added = await gql(s.url, `mutation($c: ID!, $u: ID!) { addParticipant(conversationId: $c, userId: $u) { id } }`, { variables: { c: groupId, u: ghost }, token: doctor.accessToken });
  expect(added.body.errors?.[0]?.extensions).toMatchObject({ code: 'NOT_FOUND', userIds: [ghost] });

  const list = await gql<{ me: { conversations: { conversations: { id: string; participants: { user: { id: string; displayName: string } }[] }[] } } }>(s.url, LIST, { token: doctor.accessToken });
  expect(list.body.errors).toBeUndefined();
  const conversations = list.body.data!.me.conversations.conversations;
  expect(conversations.map((c) => c.id).sort()).toEqual([direct.body.data!.startConversation.id, groupId].sort());
  for (const c of conversations) expect(c.participants.map((p) => p.user.id).sort()).toEqual([doctor.userId, patientId].sort());
});

test('identity answers which ids are active only with the router secret, never through the router', async () => {
  const origin = new URL(s.stack.subgraphs.identity!.url).origin;
  const ask = (ids: string[], secret?: string, role?: string) =>
    fetch(`${origin}${ACTIVE_USERS_PATH}?ids=${ids.join(',')}${role ? `&role=${role}` : ''}`, { headers: secret ? { [ROUTER_SECRET_HEADER]: secret } : {} });
  expect((await ask([patientId])).status).toBe(403);
  expect((await ask([patientId], 'wrong-secret')).status).toBe(403);
  expect((await fetch(`${new URL(s.url).origin}${ACTIVE_USERS_PATH}?ids=${patientId}`)).status).toBe(404);
  const answer = await ask([patientId, ghost, retiredId, doctor.userId], 'test-router-secret');
  expect(answer.status).toBe(200);
  expect(((await answer.json()) as { ids: string[] }).ids.sort()).toEqual([patientId, doctor.userId].sort());
  const patients = await ask([patientId, ghost, retiredId, doctor.userId], 'test-router-secret', 'PATIENT');
  expect(((await patients.json()) as { ids: string[] }).ids).toEqual([patientId]);
  expect((await ask([patientId], 'test-router-secret', "PATIENT' or 1=1")).status).toBe(400);
  expect((await ask(['not-a-uuid'], 'test-router-secret')).status).toBe(400);
  expect((await ask(Array.from({ length: 51 }, () => randomUUID()), 'test-router-secret')).status).toBe(400);
});
