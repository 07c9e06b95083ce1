// The appointments subgraph as a definition the kit can run (own process, launcher, or tests). Background
// work: the outbox relay (queues for notifications, the assistant and audit; live triggers), the doctor
// directory consumer, and the sweeper that expires undecided requests and waiting-list offers (a BullMQ job
// scheduler: once per cluster, whatever the number of replicas).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'graphql';
import {
  AUDIT_QUEUE, CARE_EVENTS_QUEUE, createActiveUsersLookup, schedulePeriodic, startOutboxRelay, type ActiveUsers, type OutboxRoute, type SubgraphDefinition, type SubgraphDeps,
} from '@clinic/service-kit';
import { entities } from './entities/index.ts';
import { migrations } from './migrations/index.ts';
import { resolvers } from './resolvers/index.ts';
import { createLoaders } from './resolvers/loaders.ts';
import { slotTrigger, statusTrigger, waitlistTrigger } from './resolvers/subscriptions.ts';
import { loadBookingPolicy, type Clinic } from './policy.ts';
import { DOCTORS_QUEUE, startDoctorDirectoryWorker } from './directory/doctor-directory.ts';
import { expireRequests } from './approval/approve-requests.ts';
import { expireWaitlistOffers } from './waitlist/waitlist.ts';
import type { AppointmentsContext } from './context.ts';
import { AvailabilityCache } from './availability/day-cache.ts';
import { AnswerCache, answerCachePlugin } from './availability/answer-cache.ts';

export const APPOINTMENTS_DEFAULT_PORT = 4002;
export const appointmentsSdlPath = path.join(__dirname, '..', 'schema.graphql');

export const NOTIFICATIONS_QUEUE = 'notifications-events';
export const ASSISTANT_QUEUE = 'assistant-events';
/** The documents service learns who takes part in each appointment (its doctor may read attached files). */
export const DOCUMENTS_QUEUE = 'documents-appointments';
/** The chat subgraph learns who may write to whom, and opens a conversation per approved appointment. */
export const CHAT_QUEUE = 'chat-appointments';

const idOf = (payload: Record<string, unknown>, key: string) => (typeof payload[key] === 'string' ? (payload[key] as string) : null);

/** `prefix` renames every queue (tests use it so parallel runs do not consume each other's jobs). */
export function outboxRoutes(prefix = ''): OutboxRoute[] {
  return [
    { prefix: 'appointment.', queues: [prefix + NOTIFICATIONS_QUEUE, prefix + ASSISTANT_QUEUE, prefix + DOCUMENTS_QUEUE, prefix + CHAT_QUEUE], pubsubTrigger: (e) => mapId(idOf(e.payload, 'patientId'), statusTrigger) },
    { prefix: 'appointment.', pubsubTrigger: (e) => mapId(idOf(e.payload, 'doctorId'), statusTrigger) },
    { prefix: 'appointment.', pubsubTrigger: (e) => mapId(idOf(e.payload, 'doctorId'), slotTrigger) },
    // Identity learns who is whose doctor (a doctor reads only their own patients' profiles).
    { prefix: 'appointment.', queues: [prefix + CARE_EVENTS_QUEUE] },
    { prefix: 'waitlist.offered', queues: [prefix + NOTIFICATIONS_QUEUE] },
    { prefix: 'waitlist.', pubsubTrigger: (e) => mapId(idOf(e.payload, 'patientId'), waitlistTrigger) },
    { prefix: 'audit.', queues: [prefix + AUDIT_QUEUE] },
  ];
}

function mapId(id: string | null, trigger: (id: string) => string): string | null {
  return id ? trigger(id) : null;
}

export interface AppointmentsOptions {
  clinic?: Clinic;
  /** How often undecided requests and waiting-list offers are checked for expiry. */
  sweepIntervalMs?: number;
  relayPollMs?: number;
  /** Prefix for every queue name this subgraph produces to or consumes from (default: env QUEUE_PREFIX). */
  queuePrefix?: string;
  /** Where the clinic policy is read from (the launcher's environment; process.env by default). */
  env?: Record<string, string | undefined>;
  /** Keep expanded availability in Redis (default: on unless AVAILABILITY_CACHE=off; needs REDIS_URL). */
  availabilityCache?: boolean;
  /** Whether a patient staff book for is an active patient account; identity's internal route at IDENTITY_URL otherwise. */
  accounts?: ActiveUsers;
}

export interface AppointmentsSubgraph extends SubgraphDefinition<AppointmentsContext> {
  /** The running service's availability cache (null before start, when off, or without Redis). */
  availabilityCache(): AvailabilityCache | null;
  /** Whole slot-search answers of this replica (on and off with the availability cache). */
  answerCache: AnswerCache;
}

export function createAppointmentsSubgraph(options: AppointmentsOptions = {}): AppointmentsSubgraph {
  const queuePrefix = options.queuePrefix ?? (options.env ?? process.env).QUEUE_PREFIX ?? '';
  const clinic: Clinic = options.clinic ?? { policy: loadBookingPolicy(options.env), now: () => new Date() };
  const cacheOn = options.availabilityCache ?? (options.env ?? process.env).AVAILABILITY_CACHE !== 'off';
  // Made when the service starts (it needs the service's Redis); searches expand afresh until then.
  let availability: AvailabilityCache | null = null;
  const answers = new AnswerCache();
  let accounts: ActiveUsers | null = options.accounts ?? null;
  const accountsFor = (deps: SubgraphDeps) =>
    (accounts ??= createActiveUsersLookup({ identityUrl: () => (options.env ?? process.env).IDENTITY_URL, routerSecret: deps.config.routerSecret }));
  return {
    name: 'appointments',
    availabilityCache: () => availability,
    answerCache: answers,
    plugins: (deps) => [answerCachePlugin(answers, deps.orm.em)],
    typeDefs: parse(readFileSync(appointmentsSdlPath, 'utf8')),
    resolvers,
    entities,
    migrations,
    // Added onto the kit's context rather than spread from it, so its EntityManager and logger stay unmade
    // until a resolver uses them (a slot search answered from the answer cache uses neither).
    context: (base, deps) =>
      Object.assign(base, {
        clinic,
        accounts: accountsFor(deps),
        availability,
        actor: { viewer: base.viewer, requestId: base.requestId, ip: base.ip },
        loaders: createLoaders(() => base.em, () => clinic.now()),
      }),
    background: async (deps: SubgraphDeps) => {
      if (cacheOn && deps.config.redisUrl) availability = new AvailabilityCache(deps.config.redisUrl, queuePrefix, deps.logger);
      const relay = startOutboxRelay({
        orm: deps.orm,
        redisUrl: deps.config.redisUrl,
        pubsub: deps.pubsub,
        routes: outboxRoutes(queuePrefix),
        logger: deps.logger,
        pollIntervalMs: options.relayPollMs,
        maintenance: { name: `${queuePrefix}appointments-outbox` },
      });
      const directory = startDoctorDirectoryWorker(deps.orm, deps.config.redisUrl, deps.logger, queuePrefix + DOCTORS_QUEUE);
      const sweeper = schedulePeriodic({
        name: `${queuePrefix}appointments-expiry`,
        everyMs: options.sweepIntervalMs ?? 30_000,
        redisUrl: deps.config.redisUrl,
        logger: deps.logger,
        run: () => sweepExpired(deps, clinic),
      });
      return async () => {
        await sweeper.close();
        await directory.close();
        await relay.stop();
        await availability?.close();
        availability = null;
      };
    },
  };
}

/** One expiry pass: undecided requests past their deadline, waiting-list offers past theirs. */
export async function sweepExpired(deps: Pick<SubgraphDeps, 'orm'>, clinic: Clinic): Promise<void> {
  await expireRequests(deps.orm.em.fork(), clinic);
  await expireWaitlistOffers(deps.orm.em.fork(), clinic);
}

export const appointmentsSubgraph = createAppointmentsSubgraph();
