// The notifications subgraph as a definition the kit can run (own process, launcher, or tests). Background
// work: the consumers of appointments' and chat's events (`notifications-events`), identity's security events
// (`notifications-identity`), the assistant's hand-offs (`notifications-assistant`) and chat's answers for the
// CHAT channel (`notifications-chat-results`), the reminder and delivery workers
// (BullMQ delayed jobs), and the sweeper that re-queues due rows a lost job would otherwise leave unsent.
import { createHmac } from 'node:crypto';
import type { Agent } from 'node:https';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'graphql';
import {
  ASSISTANT_NOTIFICATIONS_QUEUE,
  CHAT_NOTIFICATIONS_QUEUE,
  CHAT_NOTIFICATION_TOPIC,
  consumeQueue,
  createQueueProducer,
  IDENTITY_NOTIFICATIONS_QUEUE,
  NOTIFICATIONS_CHAT_RESULTS_QUEUE,
  schedulePeriodic, tracedFork, type SubgraphDefinition, type SubgraphDeps } from '@clinic/service-kit';
import { entities } from './entities/index.ts';
import { migrations } from './migrations/index.ts';
import { resolvers } from './resolvers/index.ts';
import { createLoaders } from './resolvers/loaders.ts';
import { loadNotificationPolicy, type NotificationPolicy } from './policy.ts';
import { identityContacts, type ContactDirectory } from './delivery/contacts.ts';
import { createProviders, providerConfig } from './delivery/providers.ts';
import { unsubscribeLinks } from './delivery/unsubscribe.ts';
import { deliverAttempt } from './delivery/deliver.ts';
import { webhookRoutes } from './delivery/webhooks.ts';
import { failOverUndelivered } from './delivery/deadline.ts';
import { runReminder, sweepDueReminders, sweepQueuedDeliveries } from './reminders/reminders.ts';
import { handleAppointmentEvent } from './reminders/appointment-events.ts';
import { handleUnreadMessage, MESSAGE_UNREAD_TOPIC } from './conversations/unread-messages.ts';
import { startQueues, type RunningQueues } from './queues.ts';
import { handleAssistantEvent, handleIdentityEvent } from './account/account-events.ts';
import { createPushSender } from './push/sender.ts';
import { handleChatResult } from './delivery/chat-channel.ts';
import { loadVapidKeys, type VapidKeys } from './push/vapid.ts';
import type { NotifyDeps } from './deps.ts';
import type { NotificationsContext } from './context.ts';

export const NOTIFICATIONS_DEFAULT_PORT = 4006;
export const notificationsSdlPath = path.join(__dirname, '..', 'schema.graphql');
/** Events for us: appointments' `appointment.*` and `waitlist.offered`, chat's `chat.message_unread`. */
export const EVENTS_QUEUE = 'notifications-events';

export interface NotificationsOptions {
  /** Settings (the launcher's environment; process.env by default). */
  env?: Record<string, string | undefined>;
  policy?: NotificationPolicy;
  queuePrefix?: string;
  /** Where names, addresses and phones come from (identity by default). */
  contacts?: ContactDirectory;
  now?: () => Date;
  sweepIntervalMs?: number;
  /** false: this instance only produces jobs (no workers, no sweeper). */
  work?: boolean;
  concurrency?: number;
  /** The HTTPS agent for push services (tests: one that trusts the local stub's certificate). */
  pushAgent?: Agent;
}

export interface NotificationsRuntime {
  deps: NotifyDeps;
  queues: RunningQueues;
}

export function createNotificationsSubgraph(options: NotificationsOptions = {}): SubgraphDefinition<NotificationsContext> & { runtime(): NotificationsRuntime | null } {
  const env = options.env ?? process.env;
  const queuePrefix = options.queuePrefix ?? env.QUEUE_PREFIX ?? '';
  const policy = options.policy ?? loadNotificationPolicy(env);
  const baseUrl = (env.WEBHOOK_BASE_URL ?? 'http://localhost:4000').replace(/\/$/, '');
  let runtime: NotificationsRuntime | null = null;

  const runtimeOf = (kit: SubgraphDeps): NotificationsRuntime => {
    if (runtime) return runtime;
    const contacts = options.contacts ?? identityContacts(kit.config.identityUrl ?? 'http://127.0.0.1:4001/graphql', kit.config.routerSecret);
    let vapid: Promise<VapidKeys | null> | null = null;
    const secret = env.UNSUBSCRIBE_SECRET || createHmac('sha256', kit.config.routerSecret).update('notifications-unsubscribe').digest('hex');
    const chatProducer = createQueueProducer(kit.config.redisUrl, kit.logger);
    const deps: NotifyDeps = {
      chat: {
        post: (payload) => chatProducer.add(queuePrefix + CHAT_NOTIFICATIONS_QUEUE, { eventId: payload.notificationId, topic: CHAT_NOTIFICATION_TOPIC, payload: { ...payload }, createdAt: new Date().toISOString() }),
      },
      policy,
      contacts,
      providers: createProviders(providerConfig(env)),
      push: createPushSender(() => (vapid ??= loadVapidKeys(kit.orm.em.fork(), env, kit.config.nodeEnv === 'production')), kit.logger, options.pushAgent),
      pubsub: kit.pubsub,
      unsubscribe: unsubscribeLinks(secret, baseUrl),
      logger: kit.logger,
      appUrl: (env.APP_URL ?? 'http://localhost:5173').replace(/\/$/, ''),
      now: options.now ?? (() => new Date()),
      queues: { reminder: async (...a) => queues.reminder(...a), reminders: async (...a) => queues.reminders(...a), delivery: async (...a) => queues.delivery(...a) },
    };
    const queues = startQueues(
      { redisUrl: kit.config.redisUrl, prefix: queuePrefix, logger: kit.logger, attempts: policy.deliveryAttempts, retryDelayMs: policy.retryDelayMs, concurrency: options.concurrency, work: options.work, now: deps.now },
      {
        reminder: (id) => runReminder(kit.orm.em.fork(), deps, id),
        delivery: (id, lastTry) => deliverAttempt(kit.orm.em.fork(), deps, id, lastTry),
      },
    );
    runtime = { deps, queues: { ...queues, close: async () => { await queues.close(); await chatProducer.close(); } } };
    return runtime;
  };

  return {
    name: 'notifications',
    typeDefs: parse(readFileSync(notificationsSdlPath, 'utf8')),
    resolvers,
    entities,
    migrations,
    runtime: () => runtime,
    // Onto the kit's context, not spread from it (its EntityManager and logger live on its prototype).
    context: (base, kit) => Object.assign(base, { notify: runtimeOf(kit).deps, queues: runtimeOf(kit).queues, loaders: createLoaders(base.em) }),
    httpRoutes: (kit) =>
      webhookRoutes(kit.orm, runtimeOf(kit).deps, { sendgridPublicKey: env.SENDGRID_WEBHOOK_PUBLIC_KEY, twilioAuthToken: env.TWILIO_AUTH_TOKEN, baseUrl }, kit.logger),
    background: async (kit) => {
      const { deps, queues } = runtimeOf(kit);
      if (kit.config.nodeEnv === 'production' && deps.providers.emailMode === 'dev-inbox') kit.logger.warn('SENDGRID_API_KEY is not set: e-mail goes to the developer inbox');
      if (kit.config.nodeEnv === 'production' && !env.VAPID_PUBLIC_KEY) kit.logger.warn('VAPID_PUBLIC_KEY / VAPID_PRIVATE_KEY are not set: browser push is off');
      if (options.work === false) return () => queues.close();
      const events = consumeQueue(queuePrefix + EVENTS_QUEUE, kit.config.redisUrl, (job, trace) =>
        job.topic === MESSAGE_UNREAD_TOPIC ? handleUnreadMessage(tracedFork(kit.orm, trace), deps, job) : handleAppointmentEvent(tracedFork(kit.orm, trace), deps, job), kit.logger);
      const identityEvents = consumeQueue(queuePrefix + IDENTITY_NOTIFICATIONS_QUEUE, kit.config.redisUrl, (job, trace) => handleIdentityEvent(tracedFork(kit.orm, trace), deps, job), kit.logger);
      const chatResults = consumeQueue(queuePrefix + NOTIFICATIONS_CHAT_RESULTS_QUEUE, kit.config.redisUrl, (job, trace) => handleChatResult(tracedFork(kit.orm, trace), deps, job), kit.logger);
      const assistantEvents = consumeQueue(queuePrefix + ASSISTANT_NOTIFICATIONS_QUEUE, kit.config.redisUrl, (job, trace) => handleAssistantEvent(tracedFork(kit.orm, trace), deps, job), kit.logger);
      const interval = options.sweepIntervalMs ?? 30_000;
      const sweep = async () => {
        await sweepDueReminders(kit.orm.em.fork(), deps, interval);
        await sweepQueuedDeliveries(kit.orm.em.fork(), deps, 60_000);
        await failOverUndelivered(kit.orm.em.fork(), deps);
      };
      // Once per cluster (the kit's job scheduler; a timer without Redis).
      const sweeper = schedulePeriodic({ name: `${queuePrefix}notifications-sweep`, everyMs: interval, redisUrl: kit.config.redisUrl, logger: kit.logger, run: sweep });
      // The scheduler itself lives in Redis: the kit declares it again when Redis comes back, but a Redis
      // flushed while connected loses it until the next reconnection. The sweep is what
      // recovers from exactly that, so each replica also runs it on its own, five times less often
      // (idempotent: re-queuing a job that exists is a no-op, and sending is claimed in Postgres).
      let safety: Promise<unknown> = Promise.resolve();
      const timer = setInterval(() => {
        safety = sweep().catch((error: unknown) => kit.logger.warn({ err: error }, 'notification safety sweep failed'));
      }, interval * 5);
      timer.unref();
      return async () => {
        clearInterval(timer);
        await safety;
        await sweeper.close();
        await events.close();
        await identityEvents.close();
        await assistantEvents.close();
        await chatResults.close();
        await queues.close();
        runtime = null;
      };
    },
  };
}

export const notificationsSubgraph = createNotificationsSubgraph();
