// The assistant acting in chat with the patient's own (delegated) token, across chat, identity, appointments and
// the assistant behind the real router, on the real Postgres and Redis: a multi-turn booking in a desk
// conversation ends with a REQUESTED appointment of that patient at the right instant, after an explicit "da", and
// is moved there the same way;
// a cancel inside the 24 h deadline is refused and explained there. And the delegated token itself: only the
// assistant's client gets one, only for a fresh, unspent proof chat signed; it cannot approve, cannot read
// another patient's appointment, cannot touch the account, cannot subscribe; signing out everywhere stops it.
import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import { createClient } from 'graphql-ws';
import { CHAT_PROOF_TOKEN_TYPE, DELEGATED_TOKEN_PATH, ROUTER_SECRET_HEADER, TOKEN_EXCHANGE_GRANT, signChatMessageProof } from '@clinic/service-kit';
import { codeOf, eventually } from '@clinic/service-kit/testing';
import { gql } from '@clinic/router/src/testing/harness.ts';
import { deskConversation as startDesk, say as sayInChat } from '../testing/chat.ts';
import { insideTheDeadline, local, startAssistantClinic, type AssistantClinic, type Who } from '../testing/clinic.ts';

let clinic: AssistantClinic;

beforeAll(async () => {
  clinic = await startAssistantClinic({ withChat: true });
}, 90_000);

afterAll(async () => {
  await clinic?.stop();
});

const say = (who: Who, conversationId: string, body: string) => sayInChat(clinic, who, conversationId, body);
const deskConversation = (who: Who) => startDesk(clinic, who);

const mine = async (who: Who) =>
  (await clinic.call<{ myAppointments: { id: string; status: string; startsAt: string }[] }>(`{ myAppointments(order: UPCOMING_FIRST) { id status startsAt } }`, {}, who.token)).myAppointments;

const sessionOf = (who: Who) => JSON.parse(Buffer.from(who.token.split('.')[1]!, 'base64url').toString('utf8')).sid as string;

/** Chat's proof for a message of `who` (the test plays chat, which holds the key). */
const proofFor = (who: Who, sentAt = Date.now(), messageId = randomUUID()) =>
  signChatMessageProof(clinic.delegationSecret!, { conversationId: randomUUID(), messageId, senderId: who.userId, sessionId: sessionOf(who), sentAt });

async function assistantToken(): Promise<string> {
  const d = await clinic.call<{ partnerToken: { accessToken: string } }>(
    `mutation($id: String!, $secret: String!) { partnerToken(clientId: $id, clientSecret: $secret) { accessToken } }`,
    { id: clinic.partner.clientId, secret: clinic.partner.clientSecret },
  );
  return d.partnerToken.accessToken;
}

/** identity's internal exchange, as the assistant calls it. */
async function exchange(proof: string, actorToken: string): Promise<{ status: number; body: { access_token?: string; error?: string; scope?: string; expires_in?: number } }> {
  const res = await fetch(new URL(DELEGATED_TOKEN_PATH, clinic.stack.subgraphs.identity!.url), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', [ROUTER_SECRET_HEADER]: clinic.stack.subgraphs.identity!.config.routerSecret },
    body: new URLSearchParams({ grant_type: TOKEN_EXCHANGE_GRANT, subject_token: proof, subject_token_type: CHAT_PROOF_TOKEN_TYPE, actor_token: actorToken }).toString(),
  });
  return { status: res.status, body: (await res.json()) as never };
}

test('a multi-turn booking in chat: the assistant requests the slot with the patient\'s own rights after an explicit "da"', async () => {
  const { patient } = clinic.people;
  const conversationId = await deskConversation(patient);
  const offer = await say(patient, conversationId, 'Bună ziua, vreau o programare la dr Ionescu poimâine la 10');
  expect(offer.body).toMatch(/Acestea sunt cele mai potrivite locuri libere/);
  // The assistant books itself: no buttons the client would book behind its back.
  expect(offer.actions).toEqual([]);
  expect((await say(patient, conversationId, '1')).body).toMatch(/motivul vizitei/);
  const question = await say(patient, conversationId, 'control anual');
  expect(question.body).toMatch(/Trimit cererea de programare/);
  expect(await mine(patient)).toEqual([]);
  const done = await say(patient, conversationId, 'da');
  expect(done.body).toMatch(/^Gata: cererea/);
  expect((await mine(patient)).map(({ status, startsAt }) => ({ status, startsAt }))).toEqual([{ status: 'REQUESTED', startsAt: local(2, '10:00').toUTC().toISO() }]);

  // And moved in the same conversation, again only after "da".
  expect((await say(patient, conversationId, 'Vreau să mut programarea poimâine la 11')).body).toMatch(/Acestea sunt cele mai potrivite locuri libere/);
  expect((await say(patient, conversationId, '1')).body).toMatch(/^Mut programarea la Dr\. Ana Ionescu/);
  expect((await mine(patient))[0]!.startsAt).toBe(local(2, '10:00').toUTC().toISO());
  expect((await say(patient, conversationId, 'da')).body).toMatch(/^Gata: programarea este acum pe/);
  expect((await mine(patient)).map((a) => a.startsAt)).toEqual([local(2, '11:00').toUTC().toISO()]);
});

test('a cancel in chat inside the 24 h deadline is refused and the deadline explained', async () => {
  const { other, doctor } = clinic.people;
  const startsAt = insideTheDeadline().toUTC().toISO();
  const made = await clinic.call<{ requestAppointment: { id: string } }>(
    `mutation($input: RequestAppointmentInput!) { requestAppointment(input: $input) { id } }`, { input: { doctorId: doctor.userId, startsAt } }, other.token,
  );
  await clinic.call(`mutation($id: ID!) { approveAppointment(id: $id) { status } }`, { id: made.requestAppointment.id }, doctor.token);
  const conversationId = await deskConversation(other);
  expect((await say(other, conversationId, 'I want to cancel my appointment')).body).toMatch(/Shall I cancel/);
  const refused = await say(other, conversationId, 'yes');
  expect(refused.body).toMatch(/24 hours/);
  expect((await mine(other)).map((a) => a.status)).toEqual(['APPROVED']);
});

describe('the delegated token', () => {
  test('is the patient with the appointment scope only: it books and lists, but cannot approve, read another patient, change the account or subscribe', async () => {
    const { patient, other } = clinic.people;
    const issued = await exchange(await proofFor(patient), await assistantToken());
    expect(issued.status).toBe(200);
    expect(issued.body.scope).toBe('appointments:self');
    expect(issued.body.expires_in).toBeLessThanOrEqual(300);
    const token = issued.body.access_token!;
    expect((await mine({ ...patient, token })).length).toBeGreaterThan(0);

    const othersAppointment = (await mine(other))[0]!;
    const theirs = await gql(clinic.url, `query($id: ID!) { appointment(id: $id) { id } }`, { variables: { id: othersAppointment.id }, token });
    expect(codeOf(theirs.body.errors)).toBe('FORBIDDEN');
    const approve = await gql(clinic.url, `mutation($id: ID!) { approveAppointment(id: $id) { status } }`, { variables: { id: (await mine(patient))[0]!.id }, token });
    expect(codeOf(approve.body.errors)).toBe('FORBIDDEN');
    // Hidden in a fragment, or beside an allowed field: still refused, and nothing runs.
    const sneaky = await gql(clinic.url, `query { myAppointments { id } ...F } fragment F on Query { me { email } }`, { token });
    expect(codeOf(sneaky.body.errors)).toBe('FORBIDDEN');
    expect(sneaky.body.data ?? null).toBeNull();
    const account = await gql(clinic.url, `mutation { signOutEverywhere }`, { token });
    expect(codeOf(account.body.errors)).toBe('FORBIDDEN');

    const ws = createClient({ url: clinic.url.replace(/^http/, 'ws'), webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${token}` }, retryAttempts: 0, lazy: false, onNonLazyError: () => undefined });
    const closed = await new Promise<{ code: number }>((resolve) => ws.on('closed', (e) => resolve(e as { code: number })));
    expect(closed.code).toBe(4401);
    await ws.dispose();
  });

  test('cannot be minted without a fresh proof chat signed, by anyone but the assistant, or twice from one proof', async () => {
    const { patient } = clinic.people;
    const actor = await assistantToken();
    // A replay: the second exchange of one proof is refused.
    const proof = await proofFor(patient);
    expect((await exchange(proof, actor)).status).toBe(200);
    expect(await exchange(proof, actor)).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    // Expired: written three minutes ago.
    expect(await exchange(await proofFor(patient, Date.now() - 3 * 60_000), actor)).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    // Forged: signed with another key.
    const forged = await signChatMessageProof('not-chats-key-but-long-enough-000000', { conversationId: randomUUID(), messageId: randomUUID(), senderId: patient.userId, sessionId: sessionOf(patient), sentAt: Date.now() });
    expect(await exchange(forged, actor)).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    expect(await exchange('', actor)).toMatchObject({ status: 400 });
    // Only the assistant's own client: not the patient, not another partner.
    expect(await exchange(await proofFor(patient), patient.token)).toMatchObject({ status: 400, body: { error: 'unauthorized_client' } });
    const otherPartner = await clinic.call<{ issuePartnerClient: { client: { id: string }; clientSecret: string } }>(
      `mutation { issuePartnerClient(name: "Some partner", scopes: ["availability:read"]) { client { id } clientSecret } }`, {}, clinic.people.admin.token,
    );
    const partnerToken = (await clinic.call<{ partnerToken: { accessToken: string } }>(
      `mutation($id: String!, $secret: String!) { partnerToken(clientId: $id, clientSecret: $secret) { accessToken } }`,
      { id: otherPartner.issuePartnerClient.client.id, secret: otherPartner.issuePartnerClient.clientSecret },
    )).partnerToken.accessToken;
    expect(await exchange(await proofFor(patient), partnerToken)).toMatchObject({ status: 400, body: { error: 'unauthorized_client' } });
    // Without the router secret the route does not answer at all.
    const res = await fetch(new URL(DELEGATED_TOKEN_PATH, clinic.stack.subgraphs.identity!.url), { method: 'POST', body: 'grant_type=x' });
    expect(res.status).toBe(403);
    // Staff are not patients: no token for them.
    expect(await exchange(await proofFor(clinic.people.operator), actor)).toMatchObject({ status: 400, body: { error: 'unauthorized_client' } });
  });

  test('signing out everywhere stops a delegated token at once, and no new one is minted from an earlier proof', async () => {
    const { other } = clinic.people;
    const actor = await assistantToken();
    const token = (await exchange(await proofFor(other), actor)).body.access_token!;
    const pending = await proofFor(other);
    expect(codeOf((await gql(clinic.url, `{ myAppointments { id } }`, { token })).body.errors)).toBeUndefined();
    await clinic.call(`mutation { signOutEverywhere }`, {}, other.token);
    await eventually(
      async () => (await gql(clinic.url, `{ myAppointments { id } }`, { token })).status,
      (status) => status === 401,
      5_000,
    );
    expect(await exchange(pending, actor)).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
  });
});
