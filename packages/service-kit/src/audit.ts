// One audit vocabulary for every service: who did what to which resource, when, from where, and how it
// ended. Events travel through the outbox (same transaction as the change or read they describe) to the
// identity service, which keeps the central append-only audit log and answers compliance reports.
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Viewer } from './auth.ts';
import { enqueueEvent } from './outbox.ts';
import { serviceOfOrm } from './orm.ts';

export const AUDIT_TOPIC = 'audit.recorded';
export const AUDIT_QUEUE = 'identity-audit';

export type AuditOutcome = 'SUCCESS' | 'DENIED' | 'FAILURE';

export interface AuditEvent {
  /** Dotted verb, e.g. `appointment.read`, `appointment.approve`, `auth.sign_in`. */
  action: string;
  resourceType: string;
  resourceId: string | null;
  /** The patient (or user) whose data this touches, for "who accessed my data" reports. */
  subjectUserId: string | null;
  outcome: AuditOutcome;
  /** Ids and codes only; never PHI. */
  detail?: Record<string, string | number | boolean | null>;
}

export interface AuditActor {
  actorId: string | null;
  actorKind: Viewer['kind'];
  requestId: string;
  ip: string | null;
}

export function actorOf(viewer: Viewer, requestId: string, ip: string | null = null): AuditActor {
  const actorId = viewer.kind === 'user' ? viewer.userId : viewer.kind === 'partner' ? viewer.clientId : null;
  return { actorId, actorKind: viewer.kind, requestId, ip };
}

/** What travels on the audit queue: the event, who acted, which service recorded it, and when. */
export interface AuditPayload extends AuditEvent, AuditActor {
  service: string;
  occurredAt: string;
}

/** Queues an audit event in the caller's unit of work; flush/commit writes it with the change. */
export function recordAudit(em: EntityManager, actor: AuditActor, event: AuditEvent): void {
  const payload: AuditPayload = { ...event, ...actor, service: serviceOfOrm(em), occurredAt: new Date().toISOString() };
  // Audit rows need no delivery order among themselves.
  enqueueEvent(em, AUDIT_TOPIC, { ...payload }, { aggregateKey: null });
}

/** For reads, where there is no other change to commit with: writes the audit event now. */
export async function recordAuditNow(em: EntityManager, actor: AuditActor, event: AuditEvent): Promise<void> {
  const fork = em.fork();
  recordAudit(fork, actor, event);
  await fork.flush();
}
