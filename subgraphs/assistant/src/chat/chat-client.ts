// The assistant's side of chat's internal routes (kit contract in chat-events.ts): read the patient's message
// an event names, and post the reply as the assistant. Called with the router secret, never through the router.
import {
  ASSISTANT_MESSAGE_PATH, ASSISTANT_REPLY_PATH, ROUTER_SECRET_HEADER, type AssistantChatMessage, type AssistantChatReply,
} from '@clinic/service-kit';

export interface ChatClient {
  /** The message, or null when it is not for the assistant (gone, or the assistant no longer takes part). */
  message(messageId: string): Promise<AssistantChatMessage | null>;
  reply(reply: AssistantChatReply): Promise<void>;
}

export function chatClient(chatUrl: () => string, routerSecret: string, timeoutMs = 10_000): ChatClient {
  const post = async (path: string, body: unknown) => {
    const res = await fetch(new URL(path, new URL(chatUrl()).origin), {
      method: 'POST',
      headers: { 'content-type': 'application/json', [ROUTER_SECRET_HEADER]: routerSecret },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (res.status === 404) return null;
    // Anything else is chat being away: the job fails and BullMQ retries it with backoff.
    if (!res.ok) throw new Error(`chat answered ${res.status} on ${path}`);
    return res.json() as Promise<unknown>;
  };
  return {
    message: async (messageId) => (await post(ASSISTANT_MESSAGE_PATH, { messageId })) as AssistantChatMessage | null,
    reply: async (reply) => {
      await post(ASSISTANT_REPLY_PATH, reply);
    },
  };
}
