// The transactional outbox: a change that other services must hear about is written as an outbox row in
// the same transaction as the change; a relay then delivers it to Redis (BullMQ queues for work, pub/sub
// for live updates). Nothing is lost while Redis or a consumer is down: rows stay until delivered.
//
// Each event is retried on its own with exponential backoff (`next_attempt_at`), and after `maxAttempts`
// it is set aside as DEAD for an admin to look at and retry (outbox-admin.ts), so one bad event never
// stalls the others. Order is kept per aggregate (`aggregate_key`: events of one appointment or user go
// out in the order written), not globally. The relay claims rows with a short lease and delivers outside
// any transaction, so it never holds a database connection while waiting on Redis.
import { randomUUID } from 'node:crypto';
import { EntitySchema, type EntityManager, type MikroORM } from '@mikro-orm/postgresql';
import type { PubSubEngine } from 'graphql-subscriptions';
import { Migration } from '@mikro-orm/migrations';
import type { Logger } from './logger.ts';
import { createQueueProducer, trimWaitingJobs, OUTBOX_SECRET_KEY, WAITING_RETENTION, type OutboxJob, type QueueProducer } from './queue.ts';
import { outboxChannel, watchOutbox, type OutboxWatch } from './outbox-wakeup.ts';
import { pruneOutbox } from './outbox-admin.ts';
import { schedulePeriodic, type PeriodicJob } from './periodic.ts';
import { SpanKind, contextFromTraceparent, currentTraceparent, inSpan } from './telemetry.ts';
import { traceOfEntityManager } from './traced-em.ts';

export { outboxChannel };

export type { OutboxJob };

export interface OutboxEvent {
  id: string;
  topic: string;
  payload: Record<string, unknown>;
  createdAt: Date;
  publishedAt: Date | null;
  attempts: number;
  /** Events with the same key are delivered in the order written; null: no ordering constraint. */
  aggregateKey?: string | null;
  nextAttemptAt?: Date;
  /** Set when the event gave up after the maximum attempts (an admin may retry it). */
  deadAt?: Date | null;
  lastError?: string | null;
}

export const OutboxEventSchema = new EntitySchema<OutboxEvent>({
  name: 'OutboxEvent',
  tableName: 'outbox_events',
  properties: {
    id: { type: 'uuid', primary: true },
    topic: { type: 'string', length: 100 },
    payload: { type: 'json' },
    createdAt: { type: 'Date', columnType: 'timestamptz', fieldName: 'created_at' },
    publishedAt: { type: 'Date', columnType: 'timestamptz', fieldName: 'published_at', nullable: true },
    attempts: { type: 'integer', default: 0 },
    aggregateKey: { type: 'string', length: 200, fieldName: 'aggregate_key', nullable: true },
    nextAttemptAt: { type: 'Date', columnType: 'timestamptz', fieldName: 'next_attempt_at' },
    deadAt: { type: 'Date', columnType: 'timestamptz', fieldName: 'dead_at', nullable: true },
    lastError: { type: 'string', length: 500, fieldName: 'last_error', nullable: true },
  },
});

/** Include in every service's migration list that writes outbox events (audit included). */
export class OutboxMigration extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table outbox_events (
      id uuid primary key,
      topic varchar(100) not null,
      payload jsonb not null,
      created_at timestamptz not null default now(),
      published_at timestamptz null,
      attempts int not null default 0
    )`);
    // The relay only ever scans undelivered rows, oldest first.
    this.addSql(`create index outbox_events_pending_idx on outbox_events (created_at) where published_at is null`);
  }
}
export const outboxMigration = { name: 'm00000000-outbox', class: OutboxMigration };

/**
 * Per-event retries, dead letters, per-aggregate order, pruning and the insert notification. Include it
 * right after `outboxMigration` (the kit's createOrm adds it for a service whose list lacks it).
 */
export class OutboxRetryMigration extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table outbox_events
      add column seq bigserial,
      add column aggregate_key varchar(200) null,
      add column next_attempt_at timestamptz not null default now(),
      add column dead_at timestamptz null,
      add column last_error varchar(500) null`);
    this.addSql(`drop index if exists outbox_events_pending_idx`);
    // What the relay claims: live rows due now, in write order.
    this.addSql(`create index outbox_events_due_idx on outbox_events (next_attempt_at, seq) where published_at is null and dead_at is null`);
    // "Is an earlier event of this aggregate still waiting?"
    this.addSql(`create index outbox_events_aggregate_idx on outbox_events (aggregate_key, seq) where published_at is null and dead_at is null`);
    this.addSql(`create index outbox_events_dead_idx on outbox_events (dead_at) where dead_at is not null`);
    this.addSql(`create index outbox_events_published_idx on outbox_events (published_at) where published_at is not null`);
    // Wakes relays that LISTEN (outbox-wakeup.ts) when a transaction with new events commits.
    this.addSql(`create or replace function outbox_events_notify() returns trigger language plpgsql as $fn$
      begin perform pg_notify(left('outbox_' || tg_table_schema, 63), ''); return null; end $fn$`);
    this.addSql(`create trigger outbox_events_notify after insert on outbox_events for each statement execute function outbox_events_notify()`);
  }
}
export const outboxRetryMigration = { name: 'm00000001-outbox-retry', class: OutboxRetryMigration };

/** Both outbox migrations, in order, for a new service's migration list. */
export const outboxMigrations = [outboxMigration, outboxRetryMigration];

const AGGREGATE_FIELDS = ['appointmentId', 'userId', 'doctorId'] as const;

/** The default ordering key: the first of appointmentId, userId, doctorId the payload carries. */
export function aggregateKeyOf(payload: Record<string, unknown>): string | null {
  for (const field of AGGREGATE_FIELDS) {
    const value = payload[field];
    if (typeof value === 'string' && value) return `${field.slice(0, -2)}:${value}`.slice(0, 200);
  }
  return null;
}

export interface EnqueueOptions {
  /** Events sharing a key are delivered in order; default aggregateKeyOf(payload); null for none. */
  aggregateKey?: string | null;
}

/**
 * Records an event in the caller's unit of work: it is inserted when the caller flushes/commits,
 * so it exists if and only if the change does. Payloads carry ids, never PHI.
 */
export function enqueueEvent(em: EntityManager, topic: string, payload: Record<string, unknown>, opts: EnqueueOptions = {}): OutboxEvent {
  const aggregateKey = opts.aggregateKey === undefined ? aggregateKeyOf(payload) : opts.aggregateKey;
  const now = new Date();
  // The request's trace travels with the event (stored beside the payload, never handed to consumers in it):
  // the one its EntityManager carries (a request's, see traced-em.ts), else the active one.
  const traceparent = currentTraceparent(traceOfEntityManager(em));
  return em.create(OutboxEventSchema, {
    id: randomUUID(),
    topic,
    payload: traceparent ? { ...payload, [OUTBOX_TRACE_KEY]: traceparent } : payload,
    createdAt: now,
    publishedAt: null,
    attempts: 0,
    aggregateKey,
    nextAttemptAt: now,
    deadAt: null,
    lastError: null,
  });
}

/** Payload key under which an outbox row keeps the W3C traceparent of the request that caused it. */
export const OUTBOX_TRACE_KEY = '_traceparent';

/** The payload consumers see, and the trace context the event carries. */
export function splitTrace(stored: Record<string, unknown>): { payload: Record<string, unknown>; traceparent?: string } {
  const { [OUTBOX_TRACE_KEY]: traceparent, ...payload } = stored;
  return typeof traceparent === 'string' ? { payload, traceparent } : { payload };
}

/** Where each topic goes: BullMQ queues (work for other services) and/or a pub/sub trigger (live updates). */
export interface OutboxRoute {
  /** Topic prefix, e.g. `appointment.` or `audit.`. */
  prefix: string;
  queues?: string[];
  pubsubTrigger?: (event: OutboxEvent) => string | null;
}

export interface OutboxRelayOptions {
  orm: MikroORM;
  redisUrl: string | null;
  pubsub?: PubSubEngine;
  routes: OutboxRoute[];
  logger: Logger;
  /** Safety poll: 5 s when LISTEN/NOTIFY wakes the relay, 1 s when it cannot (pool of one connection). */
  pollIntervalMs?: number;
  batchSize?: number;
  /** Attempts before an event is set aside as DEAD (12: about 40 minutes of retries). */
  maxAttempts?: number;
  /** First retry delay; doubles per attempt up to `retryMaxMs` (1 s, 10 min). */
  retryBaseMs?: number;
  retryMaxMs?: number;
  /** `auto` (default): LISTEN on a dedicated connection unless the pool has a single connection. */
  listen?: 'auto' | boolean;
  /** Tests: the producer to deliver through (default: BullMQ on redisUrl). */
  producer?: QueueProducer;
  /** Housekeeping once per cluster (pruning, trimming unconsumed queues); false turns it off. */
  maintenance?: false | OutboxMaintenanceOptions;
}

export interface OutboxMaintenanceOptions {
  /** Cluster-unique job name (default `outbox-<db schema>`). */
  name?: string;
  /** How often (1 h). */
  everyMs?: number;
  /** Delivered rows are deleted this long after delivery (7 days). */
  retainPublishedMs?: number;
  /** Bound on jobs waiting in the queues this relay feeds (WAITING_RETENTION). */
  waiting?: { maxAgeMs: number; maxCount: number };
}

/** One maintenance pass: prune delivered rows, trim waiting jobs nobody took. */
export async function maintainOutbox(orm: MikroORM, redisUrl: string | null, queues: string[], opts: OutboxMaintenanceOptions = {}) {
  const pruned = await pruneOutbox(orm.em.fork(), new Date(Date.now() - (opts.retainPublishedMs ?? 7 * 24 * 3600 * 1000)));
  const trimmed = redisUrl && queues.length ? await trimWaitingJobs(redisUrl, queues, opts.waiting ?? WAITING_RETENTION) : {};
  return { pruned, trimmed };
}

export interface OutboxRelay {
  /** Delivers what is due now; returns how many events were delivered. */
  drain(): Promise<number>;
  /** Asks for a pass soon (after a commit in this process, or a NOTIFY). */
  wake(): void;
  /** Whether a LISTEN connection wakes this relay (false: it polls). */
  readonly listening: boolean;
  stop(): Promise<void>;
}

interface ClaimedRow {
  id: string;
  topic: string;
  payload: Record<string, unknown>;
  createdAt: Date;
  attempts: number;
  aggregateKey: string | null;
}

/** How long a claimed row is left to its relay before another may take it (a crash mid-delivery). */
const LEASE_SECONDS = 60;
/** When Redis itself is away: every row is put back untouched and looked at again after this. */
const OUTAGE_RETRY_MS = 2_000;

const run = <T>(orm: MikroORM, sql: string, params: unknown[] = []): Promise<T[]> => orm.em.getConnection().execute<T[]>(sql, params, 'all');

/** Exponential backoff: base·2^(attempt-1), capped, with ±20 % jitter so replicas do not retry in step. */
export function retryDelayMs(attempt: number, baseMs: number, maxMs: number): number {
  const raw = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(raw * (0.8 + Math.random() * 0.4));
}

export function startOutboxRelay(opts: OutboxRelayOptions): OutboxRelay {
  const producer = opts.producer ?? createQueueProducer(opts.redisUrl, opts.logger);
  const batchSize = opts.batchSize ?? 100;
  const maxAttempts = opts.maxAttempts ?? 12;
  const retryBaseMs = opts.retryBaseMs ?? 1_000;
  const retryMaxMs = opts.retryMaxMs ?? 600_000;
  const { orm, logger } = opts;

  const deliver = async (stored: OutboxEvent) => {
    const { payload, traceparent } = splitTrace(stored.payload);
    const event = { ...stored, payload };
    const attributes = { 'messaging.message.id': event.id, 'clinic.topic': event.topic };
    // The delivery continues the trace of the request that wrote the event; jobs continue from here.
    await inSpan('outbox deliver', { kind: SpanKind.PRODUCER, parent: contextFromTraceparent(traceparent), attributes }, async (_span, delivery) => {
      for (const route of opts.routes) {
        if (!event.topic.startsWith(route.prefix)) continue;
        const job: OutboxJob = { eventId: event.id, topic: event.topic, payload, createdAt: event.createdAt.toISOString() };
        const carried = currentTraceparent(delivery);
        if (carried) job.traceparent = carried;
        for (const name of route.queues ?? []) await producer.add(name, job);
        const trigger = route.pubsubTrigger?.(event);
        if (trigger && opts.pubsub) await opts.pubsub.publish(trigger, payload);
      }
    });
  };

  // One statement, committed at once: the due head of each aggregate, leased to this relay.
  const claim = () =>
    run<ClaimedRow>(
      orm,
      `update outbox_events set next_attempt_at = now() + make_interval(secs => ?)
        where id in (
          select e.id from outbox_events e
           where e.published_at is null and e.dead_at is null and e.next_attempt_at <= now()
             and (e.aggregate_key is null or not exists (
               select 1 from outbox_events p
                where p.aggregate_key = e.aggregate_key and p.published_at is null and p.dead_at is null and p.seq < e.seq))
           order by e.seq limit ? for update skip locked)
        returning id, topic, payload, created_at as "createdAt", attempts, aggregate_key as "aggregateKey", seq`,
      [LEASE_SECONDS, batchSize],
    ).then((rows) => rows.sort((a, b) => Number((a as { seq?: unknown }).seq) - Number((b as { seq?: unknown }).seq)));

  const fail = async (row: ClaimedRow, error: unknown) => {
    const attempts = row.attempts + 1;
    const message = (error instanceof Error ? error.message : String(error)).slice(0, 500);
    const dead = attempts >= maxAttempts;
    await run(
      orm,
      `update outbox_events set attempts = ?, last_error = ?, dead_at = ${dead ? 'now()' : 'null'},
         next_attempt_at = now() + make_interval(secs => ?) where id = ?`,
      [attempts, message, dead ? 0 : retryDelayMs(attempts, retryBaseMs, retryMaxMs) / 1000, row.id],
    );
    const log = { err: error, eventId: row.id, topic: row.topic, attempt: attempts };
    if (dead) logger.error(log, 'outbox event is DEAD after its last attempt; an admin can retry it');
    else logger.warn(log, 'outbox delivery failed; will retry');
  };

  const pass = async (): Promise<{ claimed: number; delivered: number; outage: boolean }> => {
    const rows = await claim();
    const published: string[] = [];
    let outage = false;
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i]!;
      try {
        await deliver({ ...row, createdAt: new Date(row.createdAt), publishedAt: null });
        published.push(row.id);
      } catch (error) {
        if (producer.isConnected && !producer.isConnected()) {
          // Redis is away, not this event at fault: put everything back without spending attempts.
          outage = true;
          const back = rows.slice(i).map((r) => r.id);
          await run(orm, `update outbox_events set next_attempt_at = now() + make_interval(secs => ?) where id in (?)`, [OUTAGE_RETRY_MS / 1000, back]);
          logger.warn({ err: error, waiting: back.length }, 'outbox relay: Redis is unreachable; events wait in the outbox');
          break;
        }
        await fail(row, error);
      }
    }
    // A single-use link is needed by the consumer only: the stored row forgets it once the event is on its queue.
    if (published.length) await run(orm, `update outbox_events set published_at = now(), payload = payload - '${OUTBOX_SECRET_KEY}' where id in (?)`, [published]);
    return { claimed: rows.length, delivered: published.length, outage };
  };

  const drain = async (): Promise<number> => {
    let delivered = 0;
    // Bounded: each pass delivers the head of every ready aggregate, so a long chain takes several passes.
    for (let passes = 0; passes < 1_000; passes++) {
      const result = await pass();
      delivered += result.delivered;
      if (result.claimed === 0 || result.outage) break;
    }
    return delivered;
  };

  let running = true;
  let timer: NodeJS.Timeout | undefined;
  let inFlight: Promise<unknown> | null = null;
  let again = false;
  let watch: OutboxWatch | null = null;
  const interval = () => opts.pollIntervalMs ?? (watch?.listening ? 5_000 : 1_000);

  const tick = () => {
    if (!running) return;
    if (inFlight) {
      again = true;
      return;
    }
    clearTimeout(timer);
    inFlight = drain()
      .catch((error: unknown) => logger.warn({ err: error }, 'outbox relay pass failed'))
      .finally(() => {
        inFlight = null;
        if (!running) return;
        if (again) {
          again = false;
          setImmediate(tick);
        } else timer = setTimeout(tick, interval());
      });
  };

  // Commits in this process wake the relay at once (also where LISTEN is not available).
  const unsubscribe = onOutboxCommit(orm, () => tick());
  const useListen = opts.listen === true || (opts.listen !== false && Number(orm.config.get('pool')?.max ?? 10) > 1);
  if (useListen) {
    watch = watchOutbox({
      databaseUrl: orm.config.get('clientUrl') as string,
      channel: outboxChannel(orm.config.get('schema') as string),
      logger,
      onNotify: () => tick(),
    });
  }
  let maintenance: PeriodicJob | null = null;
  if (opts.maintenance !== false) {
    const m = opts.maintenance ?? {};
    const queues = [...new Set(opts.routes.flatMap((r) => r.queues ?? []))];
    maintenance = schedulePeriodic({
      name: m.name ?? `outbox-${String(orm.config.get('schema'))}`,
      everyMs: m.everyMs ?? 3_600_000,
      redisUrl: opts.redisUrl,
      logger,
      run: async () => {
        const { pruned, trimmed } = await maintainOutbox(orm, opts.redisUrl, queues, m);
        const removed = Object.entries(trimmed).filter(([, n]) => n > 0);
        if (pruned || removed.length) logger.info({ pruned, trimmedWaitingJobs: Object.fromEntries(removed) }, 'outbox maintenance');
      },
    });
  }
  tick();

  return {
    drain,
    wake: tick,
    get listening() {
      return watch?.listening ?? false;
    },
    async stop() {
      running = false;
      clearTimeout(timer);
      unsubscribe();
      await maintenance?.close();
      await watch?.close();
      await inFlight;
      if (!opts.producer) await producer.close();
    },
  };
}

/** Calls `listener` after any transaction (or implicit flush) of this ORM that wrote outbox events commits. */
function onOutboxCommit(orm: MikroORM, listener: () => void): () => void {
  let active = true;
  // Set by a flush inside a transaction: the rows become visible to the relay only at commit.
  let awaitingCommit = false;
  const wrote = (changeSets: { name: string }[]) => changeSets.some((cs) => cs.name === OutboxEventSchema.meta.className);
  orm.em.getEventManager().registerSubscriber({
    afterFlush(args) {
      if (!active || !wrote(args.uow.getChangeSets())) return;
      if (args.em.isInTransaction()) awaitingCommit = true;
      else listener();
    },
    afterTransactionCommit() {
      if (!active || !awaitingCommit) return;
      awaitingCommit = false;
      listener();
    },
  });
  return () => {
    active = false;
  };
}
