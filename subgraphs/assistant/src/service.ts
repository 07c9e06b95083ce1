// The assistant subgraph as a definition the kit can run (own process, launcher, or tests). It reaches the
// clinic only through the router (ROUTER_URL) with each patient's own token. Background work: the outbox
// relay (hand-off requests and escalations to the notifications queue, audit to identity) with its maintenance,
// and the escalation of hand-offs nobody picked up (ASSISTANT_ESCALATION_MINUTES, once per cluster).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'graphql';
import DataLoader from 'dataloader';
import { ASSISTANT_NOTIFICATIONS_QUEUE, AUDIT_QUEUE, schedulePeriodic, startOutboxRelay, type OutboxRoute, type SubgraphDefinition, type SubgraphDeps } from '@clinic/service-kit';
import { entities } from './entities/index.ts';
import { migrations } from './migrations/index.ts';
import { resolvers } from './resolvers/index.ts';
import { AssistantTurnSchema, type AssistantTurn } from './entities/conversation.ts';
import type { AssistantContext, AssistantSettings } from './context.ts';
import { escalateWaiting } from './handoff/handoffs.ts';

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
  const configured = options.routerUrl ?? env.ROUTER_URL ?? `http://127.0.0.1:${env.PORT ?? '4000'}/graphql`;
  const settings: AssistantSettings = {
    routerUrl: typeof configured === 'function' ? configured : () => configured,
    now: options.now ?? (() => new Date()),
    changeDeadlineHours: Number(env.BOOKING_CHANGE_DEADLINE_HOURS ?? 24),
  };
  const escalationMinutes = Number(env.ASSISTANT_ESCALATION_MINUTES ?? 10);
  return {
    name: 'assistant',
    typeDefs: parse(readFileSync(assistantSdlPath, 'utf8')),
    resolvers,
    entities,
    migrations,
    context: (base) => ({
      ...base,
      assistant: settings,
      transcripts: new DataLoader<string, AssistantTurn[]>(async (sessionIds) => {
        const rows = await base.em.find(AssistantTurnSchema, { sessionId: { $in: [...sessionIds] } }, { orderBy: { createdAt: 'asc' } });
        return sessionIds.map((id) => rows.filter((r) => r.sessionId === id));
      }),
    }),
    background: async (deps: SubgraphDeps) => {
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
      return async () => {
        await escalation.close();
        await relay.stop();
      };
    },
  };
}

export const assistantSubgraph = createAssistantSubgraph();
