// Attachments go through documents: a message may carry only documents its sender can read (documents
// decides, with the sender's own token); sending shares them with the conversation's members, who then
// read them (and their thumbnails) through `Attachment.document`; a member removed from the group loses
// them; nothing is stored when documents refuses.
import { randomUUID } from 'node:crypto';
import { buffer } from 'node:stream/consumers';
import { renderPdf } from '@clinic/documents/src/generation/render-pdf.ts';
import { codeOf, gql, knowAppointment, SEND, startChat, startDirect, startGroup, token, uploadDocument, type ChatHarness } from '../testing/fixtures.ts';

let h: ChatHarness;
const patientId = randomUUID();
const doctorId = randomUUID();
const specialistId = randomUUID();
const strangerId = randomUUID();
let patient: string;
let doctor: string;
let specialist: string;
let stranger: string;

const pdf = (title: string) => buffer(renderPdf({ title, fields: [], sections: [{ heading: 'Hemoglobină', text: '13.5 g/dL' }], footer: '', language: 'ro' }));

beforeAll(async () => {
  h = await startChat({ withDocuments: true });
  patient = await token(h, patientId, ['PATIENT']);
  doctor = await token(h, doctorId, ['DOCTOR']);
  specialist = await token(h, specialistId, ['DOCTOR']);
  stranger = await token(h, strangerId, ['PATIENT']);
  await knowAppointment(h, patientId, doctorId);
});
afterAll(() => h?.stop());

/** Waits for a condition (documents applies chat's events asynchronously); fails only after a long deadline. */
async function until(check: () => Promise<boolean>, what: string) {
  const deadline = Date.now() + 30_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const DOCUMENT = `query($id: ID!) { document(id: $id) { id fileName } }`;
const canRead = async (tokenValue: string, id: string) => (await gql<{ document: { id: string } | null }>(h.url, DOCUMENT, { token: tokenValue, variables: { id } })).body.data?.document?.id === id;

const THREAD = `query($c: ID!) { messages(conversationId: $c) { messages { id attachments { documentId name document { id fileName previewUrl } } } } }`;
type Thread = { messages: { messages: { id: string; attachments: { documentId: string; name: string; document: { id: string; fileName: string; previewUrl: string | null } | null }[] }[] } };

test('a document the sender cannot read is refused and nothing is stored; one they own is shared with the doctor, thumbnail and all', async () => {
  const conversationId = await startDirect(h, patient, doctorId);
  const mine = await uploadDocument(h, patient, 'analize.pdf', await pdf('Analize de sânge'));
  const someoneElses = await uploadDocument(h, stranger, 'secret.pdf', await pdf('Altcineva'));
  expect(await canRead(doctor, mine)).toBe(false);

  const refused = await gql(h.url, SEND, {
    token: patient,
    variables: { input: { conversationId, clientMessageId: randomUUID(), body: 'see these', attachments: [{ documentId: mine, name: 'a.pdf' }, { documentId: someoneElses, name: 'b.pdf' }] } },
  });
  expect(codeOf(refused)).toBe('FORBIDDEN');
  expect(refused.body.errors?.[0]?.extensions?.documentIds).toEqual([someoneElses]);
  // A made-up id is refused the same way.
  const madeUp = await gql(h.url, SEND, {
    token: patient,
    variables: { input: { conversationId, clientMessageId: randomUUID(), body: 'x', attachments: [{ documentId: randomUUID(), name: 'c.pdf' }] } },
  });
  expect(codeOf(madeUp)).toBe('FORBIDDEN');
  const before = await gql<Thread>(h.url, THREAD, { token: patient, variables: { c: conversationId } });
  expect(before.body.data!.messages.messages).toHaveLength(0);
  expect(await canRead(doctor, mine)).toBe(false);

  const sent = await gql<{ sendMessage: { id: string } }>(h.url, SEND, {
    token: patient,
    variables: { input: { conversationId, clientMessageId: randomUUID(), body: 'my results', attachments: [{ documentId: mine, name: 'analize.pdf' }] } },
  });
  expect(sent.body.errors).toBeUndefined();
  expect(await canRead(doctor, mine)).toBe(true);
  expect(await canRead(stranger, mine)).toBe(false);

  const thread = await gql<Thread>(h.url, THREAD, { token: doctor, variables: { c: conversationId } });
  const [attachment] = thread.body.data!.messages.messages[0]!.attachments;
  expect(attachment).toMatchObject({ documentId: mine, name: 'analize.pdf', document: { id: mine, fileName: 'analize.pdf' } });
  const preview = await fetch(new URL(attachment!.document!.previewUrl!, h.url), { headers: { authorization: `Bearer ${doctor}` } });
  expect(preview.status).toBe(200);
  expect(preview.headers.get('content-type')).toBe('image/png');
});

test('in a group, every member reads what was shared; a removed member stops reading it', async () => {
  const conversationId = await startGroup(h, doctor, [patientId, specialistId]);
  const letter = await uploadDocument(h, patient, 'trimitere.pdf', await pdf('Trimitere'));
  const sent = await gql(h.url, SEND, {
    token: patient,
    variables: { input: { conversationId, clientMessageId: randomUUID(), body: 'referral', attachments: [{ documentId: letter, name: 'trimitere.pdf' }] } },
  });
  expect(sent.body.errors).toBeUndefined();
  expect(await canRead(specialist, letter)).toBe(true);
  expect(await canRead(doctor, letter)).toBe(true);

  const removed = await gql(h.url, `mutation($c: ID!, $u: ID!) { removeParticipant(conversationId: $c, userId: $u) { id } }`, {
    token: doctor,
    variables: { c: conversationId, u: specialistId },
  });
  expect(removed.body.errors).toBeUndefined();
  // Documents learns of the removal through chat's outbox: wait for it, not for a time.
  await until(async () => !(await canRead(specialist, letter)), 'the removal to reach documents');
  expect(await canRead(doctor, letter)).toBe(true);

  // Added back, they read it again (the newest member list wins).
  await gql(h.url, `mutation($c: ID!, $u: ID!) { addParticipant(conversationId: $c, userId: $u) { id } }`, { token: doctor, variables: { c: conversationId, u: specialistId } });
  await until(() => canRead(specialist, letter), 'the addition to reach documents');
});

