// The transactional outbox: a change that other services must hear about is written as an outbox row in
// the same transaction as the change; a relay then delivers it to Redis (BullMQ queues for work, pub/sub
// for live updates). Nothing is lost while Redis or a consumer is down: rows stay until delivered.
import { randomUUID } from 'node:crypto';
import { EntitySchema, LockMode, type EntityManager, type MikroORM } from '@mikro-orm/postgresql';
import type { PubSubEngine } from 'graphql-subscriptions';
import { Migration } from '@mikro-orm/migrations';
import type { Logger } from './logger.ts';
import { createQueueProducer, type OutboxJob } from './queue.ts';
import { SpanKind, contextFromTraceparent, currentTraceparent, inSpan } from './telemetry.ts';

export type { OutboxJob };

export interface OutboxEvent {
  id: string;
  topic: string;
  payload: Record<string, unknown>;
  createdAt: Date;
  publishedAt: Date | null;
  attempts: number;
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
 * Records an event in the caller's unit of work: it is inserted when the caller flushes/commits,
 * so it exists if and only if the change does. Payloads carry ids, never PHI.
 */
export function enqueueEvent(em: EntityManager, topic: string, payload: Record<string, unknown>): OutboxEvent {
  // The request's trace travels with the event (stored beside the payload, never handed to consumers in it).
  const traceparent = currentTraceparent();
  const stored = traceparent ? { ...payload, [OUTBOX_TRACE_KEY]: traceparent } : payload;
  return em.create(OutboxEventSchema, { id: randomUUID(), topic, payload: stored, createdAt: new Date(), publishedAt: null, attempts: 0 });
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
  pollIntervalMs?: number;
  batchSize?: number;
}

export interface OutboxRelay {
  /** Delivers what is pending now; returns how many events were delivered. */
  drain(): Promise<number>;
  stop(): Promise<void>;
}

export function startOutboxRelay(opts: OutboxRelayOptions): OutboxRelay {
  const producer = createQueueProducer(opts.redisUrl, opts.logger);
  const batchSize = opts.batchSize ?? 100;

  const deliver = async (stored: OutboxEvent) => {
    const { payload, traceparent } = splitTrace(stored.payload);
    const event = { ...stored, payload };
    const attributes = { 'messaging.message.id': event.id, 'clinic.topic': event.topic };
    // The delivery continues the trace of the request that wrote the event; jobs continue from here.
    await inSpan('outbox deliver', { kind: SpanKind.PRODUCER, parent: contextFromTraceparent(traceparent), attributes }, async () => {
      for (const route of opts.routes) {
        if (!event.topic.startsWith(route.prefix)) continue;
        const job: OutboxJob = { eventId: event.id, topic: event.topic, payload, createdAt: event.createdAt.toISOString() };
        const carried = currentTraceparent();
        if (carried) job.traceparent = carried;
        for (const name of route.queues ?? []) await producer.add(name, job);
        const trigger = route.pubsubTrigger?.(event);
        if (trigger && opts.pubsub) await opts.pubsub.publish(trigger, payload);
      }
    });
  };

  const drain = async (): Promise<number> => {
    let delivered = 0;
    for (;;) {
      const em = opts.orm.em.fork();
      const count = await em.transactional(async (tx) => {
        // SKIP LOCKED lets several replicas relay side by side without sending an event twice.
        const rows: OutboxEvent[] = await tx.find(
          OutboxEventSchema,
          { publishedAt: null },
          { orderBy: { createdAt: 'asc' }, limit: batchSize, lockMode: LockMode.PESSIMISTIC_PARTIAL_WRITE },
        );
        for (const row of rows) {
          try {
            await deliver(row);
            row.publishedAt = new Date();
          } catch (error) {
            row.attempts += 1;
            opts.logger.warn({ err: error, eventId: row.id, topic: row.topic }, 'outbox delivery failed; will retry');
            break;
          }
        }
        return rows.filter((r) => r.publishedAt).length;
      });
      delivered += count;
      if (count < batchSize) return delivered;
    }
  };

  let running = true;
  let timer: NodeJS.Timeout | undefined;
  let inFlight: Promise<unknown> = Promise.resolve();
  const tick = () => {
    if (!running) return;
    inFlight = drain()
      .catch((error: unknown) => opts.logger.warn({ err: error }, 'outbox relay pass failed'))
      .finally(() => {
        if (running) timer = setTimeout(tick, opts.pollIntervalMs ?? 250);
      });
  };
  tick();

  return {
    drain,
    async stop() {
      running = false;
      clearTimeout(timer);
      await inFlight;
      await producer.close();
    },
  };
}
