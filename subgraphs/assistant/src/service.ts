// The assistant subgraph as a definition the kit can run (own process, launcher, or tests). It reaches the
// clinic only through the router (ROUTER_URL) with each patient's own token. Background work: the outbox
// relay (hand-off requests and escalations to the notifications queue, audit to identity) with its maintenance,
// the answers to patients' chat messages (chat's events; replies through chat's internal routes), and the
// escalation of hand-offs nobody picked up (ASSISTANT_ESCALATION_MINUTES, once per cluster).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'graphql';
import DataLoader from 'dataloader';
import { ASSISTANT_CHAT_QUEUE, ASSISTANT_NOTIFICATIONS_QUEUE, AUDIT_QUEUE, schedulePeriodic, startOutboxRelay, type OutboxRoute, type SubgraphDefinition, type SubgraphDeps } from '@clinic/service-kit';
import { entities } from './entities/index.ts';
import { migrations } from './migrations/index.ts';
import { resolvers } from './resolvers/index.ts';
import { AssistantTurnSchema, type AssistantTurn } from './entities/conversation.ts';
import type { AssistantContext, AssistantSettings } from './context.ts';
import { escalateWaiting } from './handoff/handoffs.ts';
import { chatClient } from './chat/chat-client.ts';
import { startChatWorker } from './chat/chat-turns.ts';
import { loadLlmSettings } from './llm/settings.ts';
import { availabilityToken, type PartnerCredentials } from './clinic-api/availability-token.ts';
import { delegatedTokens } from './clinic-api/delegated-token.ts';
import { directoryCache } from './clinic-api/directory-cache.ts';
import { createLlmAssistant } from './llm/agent.ts';

export const ASSISTANT_DEFAULT_PORT = 4005;
export const assistantSdlPath = path.join(__dirname, '..', 'schema.graphql');
/** Hand-off requests (ids and priority only) for whoever notifies staff. */
export { ASSISTANT_NOTIFICATIONS_QUEUE };

export function outboxRoutes(prefix = ''): OutboxRoute[] {
  return [
    { prefix: 'assistant.handoff_', queues: [prefix + ASSISTANT_NOTIFICATIONS_QUEUE] },
    { prefix: 'audit.', queues: [prefix + AUDIT_QUEUE] },
  ];
}

export interface AssistantOptions {
  /** Where the router is (default: env ROUTER_URL, else http://127.0.0.1:<PORT or 4000>/graphql); a function when it is known only later. */
  routerUrl?: string | (() => string);
  /** Where chat is, for its internal routes (default: env CHAT_URL, else http://127.0.0.1:4004/graphql). */
  chatUrl?: string | (() => string);
  /** Where identity is, for the delegated-token exchange in chat (default: env IDENTITY_URL; none: no delegation). */
  identityUrl?: string | (() => string);
  /** The assistant's partner client with `availability:read` (default: env ASSISTANT_PARTNER_CLIENT_ID / _SECRET). */
  partner?: () => PartnerCredentials | null;
  now?: () => Date;
  relayPollMs?: number;
  queuePrefix?: string;
  /** How often waiting hand-offs are checked for escalation (60 s). */
  escalationCheckMs?: number;
  env?: Record<string, string | undefined>;
}

export function createAssistantSubgraph(options: AssistantOptions = {}): SubgraphDefinition<AssistantContext> {
  const env = options.env ?? process.env;
  const queuePrefix = options.queuePrefix ?? env.QUEUE_PREFIX ?? '';
  const llmSettings = loadLlmSettings(env);
  const configured = options.routerUrl ?? env.ROUTER_URL ?? `http://127.0.0.1:${env.PORT ?? '4000'}/graphql`;
  const routerUrl = typeof configured === 'function' ? configured : () => configured;
  const partner = options.partner ?? (() => (env.ASSISTANT_PARTNER_CLIENT_ID && env.ASSISTANT_PARTNER_CLIENT_SECRET
    ? { clientId: env.ASSISTANT_PARTNER_CLIENT_ID, clientSecret: env.ASSISTANT_PARTNER_CLIENT_SECRET }
    : null));
  const availability = availabilityToken(routerUrl, partner);
  const identityConfigured = options.identityUrl ?? env.IDENTITY_URL ?? null;
  const identityUrl = typeof identityConfigured === 'function' ? identityConfigured : () => identityConfigured;
  // The router secret is known once the kit starts the subgraph (background); the exchange happens only after.
  let routerSecret = '';
  let logger: SubgraphDeps['logger'] | undefined;
  const settings: AssistantSettings = {
    routerUrl,
    availability,
    // Its own partner token is the actor of the exchange: identity gives a patient's token only to this client.
    directory: directoryCache(),
    delegated: (proof) => delegatedTokens(identityUrl, routerSecret, availability, logger)(proof),
    now: options.now ?? (() => new Date()),
    changeDeadlineHours: Number(env.BOOKING_CHANGE_DEADLINE_HOURS ?? 24),
    llm: llmSettings ? createLlmAssistant(llmSettings) : null,
  };
  const escalationMinutes = Number(env.ASSISTANT_ESCALATION_MINUTES ?? 10);
  return {
    name: 'assistant',
    typeDefs: parse(readFileSync(assistantSdlPath, 'utf8')),
    resolvers,
    entities,
    migrations,
    // Onto the kit's context, not spread from it (its EntityManager and logger live on its prototype).
    context: (base) =>
      Object.assign(base, {
        assistant: settings,
        transcripts: new DataLoader<string, AssistantTurn[]>(async (sessionIds) => {
          const rows = await base.em.find(AssistantTurnSchema, { sessionId: { $in: [...sessionIds] } }, { orderBy: { createdAt: 'asc' } });
          return sessionIds.map((id) => rows.filter((r) => r.sessionId === id));
        }),
      }),
    background: async (deps: SubgraphDeps) => {
      routerSecret = deps.config.routerSecret;
      logger = deps.logger;
      const relay = startOutboxRelay({
        orm: deps.orm,
        redisUrl: deps.config.redisUrl,
        pubsub: deps.pubsub,
        routes: outboxRoutes(queuePrefix),
        logger: deps.logger,
        pollIntervalMs: options.relayPollMs,
        maintenance: { name: `${queuePrefix}assistant-outbox` },
      });
      const escalation = schedulePeriodic({
        name: `${queuePrefix}assistant-escalation`,
        everyMs: options.escalationCheckMs ?? 60_000,
        redisUrl: deps.config.redisUrl,
        logger: deps.logger,
        run: async () => {
          await escalateWaiting(deps.orm.em.fork(), settings.now(), escalationMinutes);
        },
      });
      const chatUrl = options.chatUrl ?? env.CHAT_URL ?? 'http://127.0.0.1:4004/graphql';
      const chat = chatClient(typeof chatUrl === 'function' ? chatUrl : () => chatUrl, deps.config.routerSecret);
      const chatTurns = startChatWorker(deps.orm, chat, settings, deps.config.redisUrl, deps.logger, queuePrefix + ASSISTANT_CHAT_QUEUE);
      return async () => {
        await chatTurns.close();
        await escalation.close();
        await relay.stop();
      };
    },
  };
}

export const assistantSubgraph = createAssistantSubgraph();
