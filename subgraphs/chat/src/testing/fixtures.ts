// Test fixtures: the chat, appointments and documents subgraphs (and the greetings fixture, for User references)
// behind the real router on the real Postgres/Redis, sharing a random queue prefix so appointments' events
// reach this chat only; helpers to teach chat an appointment, sign users in and talk over graphql-ws.
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createTestKeys, signTestToken, type TestKeys } from '@clinic/service-kit/testing';
import { ANONYMOUS, everyIdIsAnAccount } from '@clinic/service-kit';
import { gql, startStack, type Stack } from '@clinic/router/src/testing/harness.ts';
import { connectWs, type TestWsClient } from '@clinic/router/src/testing/ws.ts';
import { greetingsSubgraph } from '@clinic/router/src/testing/greetings-subgraph.ts';
import { createAppointmentsSubgraph } from '@clinic/appointments';
import { testClinic } from '@clinic/appointments/src/testing/fixtures.ts';
import { createDocumentsSubgraph } from '@clinic/documents';
import { loadDocumentsSettings } from '@clinic/documents/src/settings.ts';
import { createChatSubgraph, type ChatOptions } from '../service.ts';
import { applyAppointmentEvent } from '../care/appointment-events.ts';
import type { ChatContext } from '../context.ts';

export interface ChatHarness {
  keys: TestKeys;
  stack: Stack;
  queuePrefix: string;
  url: string;
  /** The chat subgraph's own URL (for `_entities` probes, with the router secret). */
  chatUrl: string;
  clients: TestWsClient[];
  /** The running chat's services (keys, presence...), for feeding events as the queue would. */
  services(): Promise<ChatContext['chat']>;
  stop(): Promise<void>;
}

export async function startChat(
  opts: { withAppointments?: boolean; withDocuments?: boolean; chat?: ChatOptions; /** A private Redis (the router's and every subgraph's) a test may stop. */ redisUrl?: string } = {},
): Promise<ChatHarness> {
  const keys = await createTestKeys();
  const queuePrefix = `t${randomBytes(4).toString('hex')}-`;
  // Known once the stack runs; chat asks for it on each send.
  const documentsAt: { url?: string } = {};
  // The greetings fixture stands in for identity's User (any id resolves), so here every id is an account;
  // identity's own answer is tested with identity in conversations/accounts.int.test.ts.
  const chat = createChatSubgraph({
    kek: randomBytes(32), queuePrefix, relayPollMs: 50, env: { NODE_ENV: 'test' }, documentsUrl: () => documentsAt.url, accounts: everyIdIsAnAccount, ...opts.chat,
  });
  const dataDir = opts.withDocuments ? await mkdtemp(path.join(os.tmpdir(), 'chat-documents-')) : null;
  const documents = dataDir
    ? createDocumentsSubgraph({
        settings: loadDocumentsSettings({ NODE_ENV: 'test', DATA_DIR: dataDir, DOCUMENTS_KEYS: `k1:${randomBytes(32).toString('base64')}` }),
        queuePrefix,
        relayPollMs: 50,
      })
    : null;
  const defs = [
    greetingsSubgraph,
    chat,
    ...(opts.withAppointments ? [createAppointmentsSubgraph({ clinic: testClinic(), queuePrefix, relayPollMs: 50, sweepIntervalMs: 3_600_000, accounts: everyIdIsAnAccount })] : []),
    ...(documents ? [documents] : []),
  ];
  const redis = opts.redisUrl ? { REDIS_URL: opts.redisUrl } : {};
  const stack = await startStack(keys, defs, redis, {}, redis);
  documentsAt.url = stack.subgraphs.documents?.url;
  const clients: TestWsClient[] = [];
  return {
    keys, stack, queuePrefix, clients,
    url: stack.router.url,
    chatUrl: stack.subgraphs.chat!.url,
    async services() {
      const running = stack.subgraphs.chat!;
      const base = { viewer: ANONYMOUS, requestId: 'test', ip: null, logger: running.logger, em: running.orm.em.fork(), pubsub: running.pubsub };
      return ((await chat.context!(base, running)) as ChatContext).chat;
    },
    async stop() {
      for (const c of clients) await c.dispose().catch(() => {});
      await stack.stop();
      if (dataDir) await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export const token = (h: ChatHarness, sub: string, roles: string[]) => signTestToken(h.keys, { sub, roles });

export function ws(h: ChatHarness, tokenValue: string): TestWsClient {
  const client = connectWs(h.url, tokenValue);
  h.clients.push(client);
  return client;
}

/** Teaches chat that a patient has an appointment with a doctor, as appointments' event would. */
export async function knowAppointment(h: ChatHarness, patientId: string, doctorId: string, topic = 'appointment.requested', appointmentId = randomUUID()) {
  await applyAppointmentEvent(h.stack.subgraphs.chat!.orm, await h.services(), {
    eventId: randomUUID(),
    topic,
    payload: { appointmentId, patientId, doctorId, status: topic === 'appointment.approved' ? 'APPROVED' : 'REQUESTED' },
    createdAt: new Date().toISOString(),
  });
  return appointmentId;
}

/** Sends a GraphQL request straight to the chat subgraph, as the router does. */
export async function direct(h: ChatHarness, tokenValue: string, query: string, variables: Record<string, unknown> = {}) {
  const res = await fetch(h.chatUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-router-secret': 'test-router-secret', authorization: `Bearer ${tokenValue}` },
    body: JSON.stringify({ query, variables }),
  });
  return (await res.json()) as { data?: Record<string, unknown> | null; errors?: { message: string; extensions?: { code?: string } }[] };
}

export const codeOf = (res: { body: { errors?: { extensions?: Record<string, unknown> }[] } }) => res.body.errors?.[0]?.extensions?.code;

export const START = `mutation($input: StartConversationInput!) { startConversation(input: $input) { id kind participants { user { id } role } } }`;
export const SEND = `mutation($input: SendMessageInput!) { sendMessage(input: $input) { id body clientMessageId kind createdAt receipts { user { id } status } } }`;
export const MESSAGE_ADDED = `subscription($id: ID!) { messageAdded(conversationId: $id) { id body sender { id } kind } }`;

export async function send(h: ChatHarness, tokenValue: string, conversationId: string, body: string, clientMessageId = randomUUID(), extra: Record<string, unknown> = {}) {
  const res = await gql<{ sendMessage: { id: string; body: string; receipts: { user: { id: string }; status: string }[] } }>(h.url, SEND, {
    token: tokenValue,
    variables: { input: { conversationId, clientMessageId, body, ...extra } },
  });
  if (res.body.errors) throw new Error(JSON.stringify(res.body.errors));
  return res.body.data!.sendMessage;
}

export async function startDirect(h: ChatHarness, tokenValue: string, otherId: string): Promise<string> {
  return startConversation(h, tokenValue, { participantIds: [otherId] });
}

/** A group conversation the token's owner starts with these participants; returns its id. */
export async function startGroup(h: ChatHarness, tokenValue: string, participantIds: string[]): Promise<string> {
  return startConversation(h, tokenValue, { kind: 'GROUP', participantIds });
}

async function startConversation(h: ChatHarness, tokenValue: string, input: Record<string, unknown>): Promise<string> {
  const res = await gql<{ startConversation: { id: string } }>(h.url, START, { token: tokenValue, variables: { input } });
  if (res.body.errors) throw new Error(JSON.stringify(res.body.errors));
  return res.body.data!.startConversation.id;
}

export { gql };

/** Uploads a file the way a client does (documents' createUpload, then PUT through the router); returns its id. */
export async function uploadDocument(h: ChatHarness, tokenValue: string, fileName: string, bytes: Buffer, type = 'LAB_RESULT'): Promise<string> {
  const grant = await gql<{ createUpload: { documentId: string; url: string } }>(
    h.url,
    `mutation($t: DocumentType!, $f: String!, $s: Int!) { createUpload(type: $t, fileName: $f, size: $s) { documentId url } }`,
    { token: tokenValue, variables: { t: type, f: fileName, s: bytes.length } },
  );
  if (!grant.body.data) throw new Error(JSON.stringify(grant.body.errors));
  const put = await fetch(new URL(grant.body.data.createUpload.url, h.url), { method: 'PUT', headers: { authorization: `Bearer ${tokenValue}` }, body: bytes });
  if (put.status !== 201) throw new Error(`upload failed: ${put.status} ${await put.text()}`);
  return grant.body.data.createUpload.documentId;
}
