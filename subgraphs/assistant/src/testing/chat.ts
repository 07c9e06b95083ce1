// Talking to the assistant in chat, for the tests that run it as a bot participant: a patient's message is
// sent through the router like any client's, and the assistant's reply is the first of its messages after it.
import { randomUUID } from 'node:crypto';
import { eventually } from '@clinic/service-kit/testing';
import type { AssistantClinic, Who } from './clinic.ts';

export interface ChatMessage {
  id: string;
  body: string | null;
  fromAssistant: boolean;
  sender: { id: string } | null;
  actions: { kind: string; doctorId: string | null; startsAt: string | null; consultationType: string | null }[];
}

const MESSAGES = `query($id: ID!) { messages(conversationId: $id, first: 50) { messages { id body fromAssistant sender { id } actions { kind doctorId startsAt consultationType } } } }`;

/** The conversation's messages as `who` sees them, oldest first. */
export const chatMessages = async (clinic: AssistantClinic, who: Who, conversationId: string) =>
  (await clinic.call<{ messages: { messages: ChatMessage[] } }>(MESSAGES, { id: conversationId }, who.token)).messages.messages;

/** A desk conversation started by `who` (the assistant joins desk conversations). */
export const deskConversation = async (clinic: AssistantClinic, who: Who) =>
  (await clinic.call<{ startConversation: { id: string } }>(`mutation { startConversation(input: { kind: DESK }) { id } }`, {}, who.token)).startConversation.id;

/** Sends `body` as `who`; the new message's id. */
export async function send(clinic: AssistantClinic, who: Who, conversationId: string, body: string): Promise<string> {
  const sent = await clinic.call<{ sendMessage: { id: string } }>(
    `mutation($input: SendMessageInput!) { sendMessage(input: $input) { id } }`,
    { input: { conversationId, clientMessageId: randomUUID(), body } },
    who.token,
  );
  return sent.sendMessage.id;
}

/** The assistant's reply to a message, waiting up to 20 s for it. */
export async function replyTo(clinic: AssistantClinic, who: Who, conversationId: string, messageId: string): Promise<ChatMessage> {
  const after = (list: ChatMessage[]) => list.slice(list.findIndex((m) => m.id === messageId) + 1).find((m) => m.fromAssistant);
  return after(await eventually(() => chatMessages(clinic, who, conversationId), (list) => Boolean(after(list)), 20_000))!;
}

/** Says something in the conversation and waits for the assistant's reply to it. */
export const say = async (clinic: AssistantClinic, who: Who, conversationId: string, body: string) =>
  replyTo(clinic, who, conversationId, await send(clinic, who, conversationId, body));
