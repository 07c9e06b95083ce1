// The delegated token's reach: only the appointment operations, however the operation is written; everyone
// else is untouched. And chat's proofs: a forged, stale or tampered one is not believed.
import { parse, type OperationDefinitionNode } from 'graphql';
import { checkDelegatedOperation, signChatMessageProof, verifyChatMessageProof } from './delegation.ts';
import type { Viewer } from './auth.ts';

const patient = (delegated: boolean): Viewer => ({
  kind: 'user', userId: 'u', roles: ['PATIENT'], permissions: [], sessionId: 's', issuer: 'local', expiresAt: Date.now() + 60_000,
  ...(delegated ? { delegation: { actor: 'pc_assistant', scopes: ['appointments:self'] } } : {}),
});

function check(viewer: Viewer, source: string) {
  const document = parse(source);
  const operation = document.definitions.find((d): d is OperationDefinitionNode => d.kind === 'OperationDefinition');
  return () => checkDelegatedOperation(viewer, document, operation);
}

test('a delegated patient may search slots, list, request, cancel and reschedule', () => {
  expect(check(patient(true), `{ myAppointments { id } availableSlots(search: {}) { slots { startsAt } } }`)).not.toThrow();
  expect(check(patient(true), `mutation { requestAppointment(input: {}) { id } cancelAppointment(id: "a") { id } }`)).not.toThrow();
  expect(check(patient(true), `query { _entities(representations: []) { __typename } }`)).not.toThrow();
});

test('anything else is FORBIDDEN, hidden in a fragment or an inline fragment too; subscriptions always', () => {
  for (const source of [
    `{ me { email } }`,
    `mutation { approveAppointment(id: "a") { id } }`,
    `mutation { signOutEverywhere }`,
    `query { myAppointments { id } ...F } fragment F on Query { me { id } }`,
    `query { ... on Query { conversations { id } } }`,
    `subscription { messageAdded { id } }`,
  ]) {
    expect(check(patient(true), source)).toThrow(expect.objectContaining({ extensions: expect.objectContaining({ code: 'FORBIDDEN' }) }));
  }
});

test('tokens without delegation are not limited here', () => {
  expect(check(patient(false), `mutation { signOutEverywhere }`)).not.toThrow();
});

test("chat's proof: believed only with chat's key, while fresh, untampered", async () => {
  const proof = { conversationId: crypto.randomUUID(), messageId: crypto.randomUUID(), senderId: crypto.randomUUID(), sessionId: 's1', sentAt: Date.now() };
  const key = 'k'.repeat(40);
  const token = await signChatMessageProof(key, proof);
  expect(await verifyChatMessageProof(key, token)).toEqual(proof);
  expect(await verifyChatMessageProof('x'.repeat(40), token)).toBeNull();
  expect(await verifyChatMessageProof(key, token, new Date(Date.now() + 3 * 60_000))).toBeNull();
  const [h, p, s] = token.split('.');
  const other = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(p!, 'base64url').toString()), sub: crypto.randomUUID() })).toString('base64url');
  expect(await verifyChatMessageProof(key, `${h}.${other}.${s}`)).toBeNull();
});
