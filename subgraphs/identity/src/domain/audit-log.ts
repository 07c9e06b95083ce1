// The central audit log: every service's `audit.recorded` events arrive on one BullMQ queue and are
// appended here (idempotent on the event id; the table refuses updates and deletes). Admins query it,
// and a compliance report answers "who accessed this patient's data, and when".
import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import { consumeQueue, tracedFork, type Logger, type OutboxJob, type QueueConsumer } from '@clinic/service-kit';
import { query, json } from '../db.ts';

export interface AuditEntryRecord {
  id: string;
  occurredAt: Date;
  service: string;
  action: string;
  resourceType: string;
  resourceId: string | null;
  subjectUserId: string | null;
  outcome: string;
  actorId: string | null;
  actorKind: string;
  requestId: string | null;
  ip: string | null;
}

const COLUMNS = `id, occurred_at as "occurredAt", service, action, resource_type as "resourceType", resource_id as "resourceId",
  subject_user_id as "subjectUserId", outcome, actor_id as "actorId", actor_kind as "actorKind", request_id as "requestId", ip`;

const str = (v: unknown, max: number): string | null => (typeof v === 'string' && v.length > 0 ? v.slice(0, max) : null);
const isUuid = (v: unknown): v is string => typeof v === 'string' && /^[0-9a-f-]{36}$/i.test(v);

/** Appends one event; a redelivered job (same event id) changes nothing. */
export async function appendAuditEvent(em: EntityManager, job: OutboxJob, service = 'unknown'): Promise<boolean> {
  const p = job.payload;
  const occurred = typeof p.occurredAt === 'string' && !Number.isNaN(Date.parse(p.occurredAt)) ? p.occurredAt : job.createdAt;
  const rows = await query(
    em,
    `insert into audit_log (id, occurred_at, service, action, resource_type, resource_id, subject_user_id, outcome, actor_id, actor_kind, request_id, ip, detail)
     values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb) on conflict (id) do nothing returning id`,
    [
      job.eventId,
      occurred,
      str(p.service, 40) ?? service,
      str(p.action, 80) ?? 'unknown',
      str(p.resourceType, 60) ?? 'unknown',
      str(p.resourceId, 100),
      isUuid(p.subjectUserId) ? p.subjectUserId : null,
      ['SUCCESS', 'DENIED', 'FAILURE'].includes(String(p.outcome)) ? p.outcome : 'FAILURE',
      str(p.actorId, 100),
      str(p.actorKind, 20) ?? 'anonymous',
      str(p.requestId, 128),
      str(p.ip, 64),
      json(p.detail && typeof p.detail === 'object' ? p.detail : {}),
    ],
  );
  return rows.length > 0;
}

export function startAuditWorker(orm: MikroORM, redisUrl: string | null, queue: string, logger: Logger): QueueConsumer {
  return consumeQueue(
    queue,
    redisUrl,
    async (job, trace) => {
      await appendAuditEvent(tracedFork(orm, trace), job);
    },
    logger,
  );
}

export interface AuditFilter {
  subjectUserId?: string | null;
  actorId?: string | null;
  action?: string | null;
  outcome?: string | null;
  /** Part of a person's name or e-mail: entries they made or that concerned them. */
  person?: string | null;
  from: Date;
  to: Date;
  limit: number;
}

/** People a name filter can mean at most; a vaguer search should be made more precise. */
const MAX_PEOPLE = 200;

export function searchAudit(em: EntityManager, f: AuditFilter): Promise<AuditEntryRecord[]> {
  const person = f.person?.trim() ? f.person.trim().replace(/[%_\\]/g, (c) => `\\${c}`) : null;
  return query<AuditEntryRecord>(
    em,
    `with people as (select id from users where ?::text is not null and search_text like '%' || fold_search(?) || '%' limit ${MAX_PEOPLE})
     select ${COLUMNS} from audit_log
      where occurred_at >= ? and occurred_at < ?
        and (?::uuid is null or subject_user_id = ?::uuid)
        and (?::text is null or actor_id = ?)
        and (?::text is null or action = ?)
        and (?::text is null or outcome = ?)
        and (?::text is null or subject_user_id in (select id from people) or actor_id in (select id::text from people))
      order by occurred_at desc limit ?`,
    [person, person, f.from, f.to, f.subjectUserId ?? null, f.subjectUserId ?? null, f.actorId ?? null, f.actorId ?? null, f.action ?? null, f.action ?? null, f.outcome ?? null, f.outcome ?? null, person, f.limit],
  );
}

export interface ComplianceLine {
  actorId: string | null;
  actorKind: string;
  accesses: number;
  denied: number;
  firstAt: Date;
  lastAt: Date;
  actions: string[];
}

/** Everyone other than the patient who touched the patient's data in the period, with counts. */
export function complianceReport(em: EntityManager, patientId: string, from: Date, to: Date): Promise<ComplianceLine[]> {
  return query<ComplianceLine>(
    em,
    `select actor_id as "actorId", actor_kind as "actorKind", count(*)::int as accesses,
            count(*) filter (where outcome <> 'SUCCESS')::int as denied,
            min(occurred_at) as "firstAt", max(occurred_at) as "lastAt",
            json_agg(distinct action) as actions
       from audit_log
      where subject_user_id = ? and occurred_at >= ? and occurred_at < ? and actor_id is distinct from ?
      group by actor_id, actor_kind order by max(occurred_at) desc`,
    [patientId, from, to, patientId],
  );
}
