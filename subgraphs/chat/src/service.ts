// The chat subgraph as a definition the kit can run (own process, launcher, or tests). Background work: the
// outbox relay (unread-message events and CHAT-channel results to notifications, member lists to documents,
// patients' messages to the assistant, audit to identity), the consumer of appointments' events (who may write to
// whom; a conversation per approved appointment), the consumer of notifications' CHAT channel (system messages)
// and presence leases.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'graphql';
import {
  ASSISTANT_CHAT_QUEUE,
  AUDIT_QUEUE,
  CHAT_NOTIFICATIONS_QUEUE,
  CHAT_NOTIFICATION_RESULT_TOPIC,
  CONVERSATION_MEMBERS_TOPIC,
  createActiveUsersLookup,
  DOCUMENTS_CHAT_QUEUE,
  MESSAGE_TO_ASSISTANT_TOPIC,
  NOTIFICATIONS_CHAT_RESULTS_QUEUE,
  OutboxEventSchema,
  startOutboxRelay,
  type ActiveUsers,
  type OutboxRoute,
  type SubgraphDefinition,
  type SubgraphDeps,
} from '@clinic/service-kit';
import { migrations } from './migrations/index.ts';
import { resolvers } from './resolvers/index.ts';
import { createLoaders } from './resolvers/loaders.ts';
import { loadChatSettings, type ChatSettings } from './settings.ts';
import { createChatKeys, loadKek } from './privacy/keys.ts';
import { createBlindIndex } from './privacy/blind-index.ts';
import { createPresence } from './realtime/presence.ts';
import { createMessageEvents } from './realtime/message-events.ts';
import { CHAT_APPOINTMENTS_QUEUE, startAppointmentEventsWorker } from './care/appointment-events.ts';
import { startNotificationMessagesWorker } from './care/notification-messages.ts';
import { MESSAGE_UNREAD_TOPIC } from './messages/send-message.ts';
import type { ChatServices } from './services.ts';
import { assistantRoutes } from './assistant/assistant-routes.ts';
import { createDocumentsClient } from './attachments/documents-client.ts';
import type { ChatContext } from './context.ts';

export const CHAT_DEFAULT_PORT = 4004;
export const chatSdlPath = path.join(__dirname, '..', 'schema.graphql');
/** Where unread-message events go: the notifications subgraph decides the channel by preference. */
export const NOTIFICATIONS_QUEUE = 'notifications-events';
export { CHAT_APPOINTMENTS_QUEUE };

export function outboxRoutes(prefix = ''): OutboxRoute[] {
  return [
    { prefix: MESSAGE_UNREAD_TOPIC, queues: [prefix + NOTIFICATIONS_QUEUE] },
    { prefix: MESSAGE_TO_ASSISTANT_TOPIC, queues: [prefix + ASSISTANT_CHAT_QUEUE] },
    { prefix: CHAT_NOTIFICATION_RESULT_TOPIC, queues: [prefix + NOTIFICATIONS_CHAT_RESULTS_QUEUE] },
    { prefix: CONVERSATION_MEMBERS_TOPIC, queues: [prefix + DOCUMENTS_CHAT_QUEUE] },
    { prefix: 'audit.', queues: [prefix + AUDIT_QUEUE] },
  ];
}

export interface ChatOptions {
  /** Where settings and CHAT_KEK are read from (the launcher's environment; process.env by default). */
  env?: Record<string, string | undefined>;
  /** The key-encryption key (tests); otherwise from CHAT_KEK or DATA_DIR. */
  kek?: Buffer;
  settings?: Partial<ChatSettings>;
  queuePrefix?: string;
  relayPollMs?: number;
  now?: () => Date;
  /** The documents subgraph's URL (attachments are checked and shared there); DOCUMENTS_URL otherwise. */
  documentsUrl?: () => string | undefined;
  /** Which ids are active accounts; identity's internal route at IDENTITY_URL otherwise. */
  accounts?: ActiveUsers;
  /** The key chat signs the assistant's delegation proofs with; ASSISTANT_DELEGATION_SECRET otherwise (none: no proofs). */
  delegationSecret?: string | null;
}

export function createChatSubgraph(options: ChatOptions = {}): SubgraphDefinition<ChatContext> {
  const env = options.env ?? process.env;
  const queuePrefix = options.queuePrefix ?? env.QUEUE_PREFIX ?? '';
  const settings = { ...loadChatSettings(env), ...options.settings };
  const keys = createChatKeys(options.kek ?? loadKek(env));
  let services: ChatServices | null = null;
  const servicesFor = (deps: SubgraphDeps): ChatServices =>
    (services ??= {
      keys,
      index: createBlindIndex(keys.indexKey),
      settings,
      presence: createPresence(deps.config.redisUrl, queuePrefix),
      accounts: options.accounts ?? createActiveUsersLookup({ identityUrl: () => env.IDENTITY_URL, routerSecret: deps.config.routerSecret }),
      documents: createDocumentsClient({ documentsUrl: options.documentsUrl ?? (() => env.DOCUMENTS_URL), routerSecret: deps.config.routerSecret }),
      pubsub: deps.pubsub,
      messageEvents: createMessageEvents(keys),
      typingSeen: new Map(),
      now: options.now ?? (() => new Date()),
      delegationSecret: options.delegationSecret ?? (env.ASSISTANT_DELEGATION_SECRET || null),
    });
  return {
    name: 'chat',
    typeDefs: parse(readFileSync(chatSdlPath, 'utf8')),
    resolvers,
    entities: [OutboxEventSchema],
    migrations,
    // Onto the kit's context, not spread from it (its EntityManager and logger live on its prototype).
    context: (base, deps) =>
      Object.assign(base, {
        chat: servicesFor(deps),
        loaders: createLoaders(base.em, base.viewer.kind === 'user' ? base.viewer.userId : null),
      }),
    httpRoutes: (deps) => assistantRoutes(deps, servicesFor(deps)),
    background: async (deps) => {
      const chat = servicesFor(deps);
      const relay = startOutboxRelay({
        orm: deps.orm,
        redisUrl: deps.config.redisUrl,
        pubsub: deps.pubsub,
        routes: outboxRoutes(queuePrefix),
        logger: deps.logger,
        pollIntervalMs: options.relayPollMs,
        maintenance: { name: `${queuePrefix}chat-outbox` },
      });
      const appointments = startAppointmentEventsWorker(deps.orm, chat, deps.config.redisUrl, deps.logger, queuePrefix + CHAT_APPOINTMENTS_QUEUE);
      const notifications = startNotificationMessagesWorker(deps.orm, chat, deps.config.redisUrl, deps.logger, queuePrefix + CHAT_NOTIFICATIONS_QUEUE);
      return async () => {
        await notifications.close();
        await appointments.close();
        await relay.stop();
        await chat.presence.close();
      };
    },
  };
}
