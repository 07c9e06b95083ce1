// The documents subgraph as a definition the kit can run (own process, launcher, or tests): GraphQL for
// metadata, grants and sharing; the /files routes for the bytes. Background work: the outbox relay
// (audit events), the consumer that learns who takes part in each appointment, and the one that learns
// who is in each chat conversation (documents attached there are theirs to read).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'graphql';
import { AUDIT_QUEUE, DOCUMENTS_CHAT_QUEUE, startOutboxRelay, type SubgraphDefinition, type SubgraphDeps } from '@clinic/service-kit';
import { entities } from './entities/index.ts';
import { documentsMigrations } from './migrations/index.ts';
import { resolvers } from './resolvers/index.ts';
import { createLoaders } from './resolvers/loaders.ts';
import { fileRoutes } from './transfer/routes.ts';
import { loadDocumentsSettings, type DocumentsSettings } from './settings.ts';
import { DOCUMENTS_APPOINTMENTS_QUEUE, startAppointmentPartiesWorker } from './appointments/appointment-parties.ts';
import { stopPdfRenderer, warmPdfRenderer } from './library/pdf-first-page.ts';
import { conversationSharesRoute } from './sharing/conversation-shares-route.ts';
import { startConversationMembersWorker } from './sharing/conversation-shares.ts';
import type { DocumentsContext } from './context.ts';

export const DOCUMENTS_DEFAULT_PORT = 4003;
export const documentsSdlPath = path.join(__dirname, '..', 'schema.graphql');

export interface DocumentsOptions {
  /** Where settings are read from (the launcher's environment; process.env by default). */
  env?: Record<string, string | undefined>;
  /** Settings given whole (tests: a moved clock, a chosen store or keyring). */
  settings?: DocumentsSettings;
  queuePrefix?: string;
  relayPollMs?: number;
}

export function createDocumentsSubgraph(options: DocumentsOptions = {}): SubgraphDefinition<DocumentsContext> {
  const env = options.env ?? process.env;
  const settings = options.settings ?? loadDocumentsSettings(env);
  const queuePrefix = options.queuePrefix ?? env.QUEUE_PREFIX ?? '';
  return {
    name: 'documents',
    typeDefs: parse(readFileSync(documentsSdlPath, 'utf8')),
    resolvers,
    entities,
    migrations: documentsMigrations(settings.keys),
    // Onto the kit's context, not spread from it (its EntityManager and logger live on its prototype).
    context: (base) =>
      Object.assign(base, {
        settings,
        actor: { viewer: base.viewer, requestId: base.requestId, ip: base.ip },
        loaders: createLoaders(base.em),
      }),
    httpRoutes: (deps: SubgraphDeps) => ({ ...fileRoutes(deps, settings), ...conversationSharesRoute(deps, settings) }),
    background: async (deps: SubgraphDeps) => {
      const relay = startOutboxRelay({
        orm: deps.orm,
        redisUrl: deps.config.redisUrl,
        pubsub: deps.pubsub,
        routes: [{ prefix: 'audit.', queues: [queuePrefix + AUDIT_QUEUE] }],
        logger: deps.logger,
        pollIntervalMs: options.relayPollMs,
        maintenance: { name: `${queuePrefix}documents-outbox` },
      });
      const parties = startAppointmentPartiesWorker(deps.orm, deps.config.redisUrl, deps.logger, queuePrefix + DOCUMENTS_APPOINTMENTS_QUEUE);
      warmPdfRenderer();
      const members = startConversationMembersWorker(deps.orm, deps.config.redisUrl, deps.logger, queuePrefix + DOCUMENTS_CHAT_QUEUE);
      return async () => {
        await stopPdfRenderer();
        await members.close();
        await parties.close();
        await relay.stop();
      };
    },
  };
}
