// One notification to one user on one channel: checked against their preferences, rendered from the template
// in their locale and zone, then stored (in-app, published live) or queued as a delivery attempt (e-mail,
// SMS). A dedupe key makes every message exactly-once: a second call with the same key does nothing.
import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { publishLive, traceOfEntityManager, type TraceContext } from '@clinic/service-kit';
import { sql } from '../db.ts';
import type { Channel, Notification, NotificationType } from '../entities/index.ts';
import type { NotifyDeps } from '../deps.ts';
import { settingsOf, wants, type Settings } from '../preferences/preferences.ts';
import { templateFor } from '../templates/templates.ts';
import { render } from '../templates/render.ts';
import type { TemplateText } from '../templates/defaults.ts';
import { afterQuietHours, localTime } from '../reminders/timing.ts';
import { capped, slotUnderCap } from './hourly-cap.ts';

export const userTrigger = (userId: string) => `notifications.user.${userId}`;

export interface MessageRequest {
  userId: string;
  type: NotificationType;
  channel: Channel;
  dedupeKey: string;
  appointmentId?: string | null;
  startsAt?: Date | null;
  doctorId?: string | null;
  change?: string;
  /** The app path it leads to (new messages: /messages/<conversationId>). */
  link?: string;
  reminderId?: string | null;
  /** Security notices and same-day changes: first in the queue. */
  urgent?: boolean;
  /** Skip the preference check (a failover of a message already allowed). */
  allowed?: boolean;
  /** Not before this instant (a digest goes out when its window closes). */
  notBefore?: Date;
  /** Number of messages a digest stands for. */
  messageCount?: number;
  /** The recipient's settings when the caller has just read them (saves a query per message). */
  settings?: Settings;
}

export type MessageOutcome =
  | { kind: 'opted-out' }
  | { kind: 'duplicate' }
  | { kind: 'unsupported' }
  | { kind: 'in-app'; notification: Notification }
  | { kind: 'queued'; attemptId: string; urgent: boolean; notBefore: Date | null };

/** The message's text from the template of its type, channel and the recipient's locale. */
export async function renderMessage(em: EntityManager, deps: NotifyDeps, req: MessageRequest, settings: Settings): Promise<TemplateText> {
  const [me, doctor] = await Promise.all([deps.contacts.contactOf(req.userId), req.doctorId ? deps.contacts.contactOf(req.doctorId) : null]);
  return render(await templateFor(em, req.type, req.channel, settings.locale), {
    name: me?.displayName ?? '',
    doctorName: doctor?.displayName ?? '',
    startsAtLocal: req.startsAt ? localTime(req.startsAt, settings.timeZone, settings.locale) : '',
    appointmentId: req.appointmentId ?? '',
    change: req.change ?? '',
    link: req.link ?? '',
    messageCount: req.messageCount ?? 1,
    unsubscribeUrl: deps.unsubscribe.url({ userId: req.userId, type: req.type, channel: req.channel }),
  });
}

/** Call inside the caller's transaction; afterwards, `publishOutcome` (in-app) / queue the attempt. */
export async function createMessage(em: EntityManager, deps: NotifyDeps, req: MessageRequest): Promise<MessageOutcome> {
  // Chat carries reminders and appointment updates, into that appointment's conversation.
  if (req.channel === 'CHAT' && (!req.appointmentId || (req.type !== 'REMINDERS' && req.type !== 'APPOINTMENT_UPDATES'))) return { kind: 'unsupported' };
  // Push needs a browser that subscribed (mobile tokens are registered, not sent to yet).
  if (req.channel === 'PUSH' && !(await sql(em, `select 1 from push_devices where user_id = ? and platform = 'WEB' limit 1`, [req.userId])).length) return { kind: 'unsupported' };
  const settings = req.settings ?? (await settingsOf(em, deps.policy, req.userId));
  if (!req.allowed && !(await wants(em, deps.policy, req.userId, req.type, req.channel, settings))) return { kind: 'opted-out' };
  const text = await renderMessage(em, deps, req, settings);
  if (req.channel === 'IN_APP') {
    const [row] = await sql<Record<string, unknown>>(
      em,
      `insert into notifications (id, user_id, type, title, body, appointment_id, dedupe_key, created_at)
       values (?, ?, ?, ?, ?, ?, ?, ?) on conflict (dedupe_key) do nothing
       returning id, user_id as "userId", type, title, body, appointment_id as "appointmentId", created_at as "createdAt", read_at as "readAt"`,
      [randomUUID(), req.userId, req.type, text.subject ?? req.type, text.body, req.appointmentId ?? null, req.dedupeKey, deps.now()],
    );
    return row ? { kind: 'in-app', notification: row as unknown as Notification } : { kind: 'duplicate' };
  }
  const [attempt] = await sql<{ id: string }>(
    em,
    `insert into delivery_attempts (id, dedupe_key, user_id, type, channel, reminder_id, appointment_id, subject, body, link, status, attempts, created_at, updated_at)
     values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'QUEUED', 0, ?, ?) on conflict (dedupe_key) do nothing returning id`,
    [randomUUID(), req.dedupeKey, req.userId, req.type, req.channel, req.reminderId ?? null, req.appointmentId ?? null, text.subject, text.body, req.link || (req.appointmentId ? '/appointments' : null), deps.now(), deps.now()],
  );
  if (!attempt) return { kind: 'duplicate' };
  const urgent = !!req.urgent || req.type === 'SECURITY';
  // Non-urgent e-mail and SMS wait for the end of the recipient's quiet hours, then for room under the
  // channel's hourly cap.
  const now = deps.now();
  const quietEnd = urgent ? now : afterQuietHours(now, settings.timeZone, settings.quietHours);
  const earliest = req.notBefore && req.notBefore > quietEnd ? afterQuietHours(req.notBefore, settings.timeZone, urgent ? null : settings.quietHours) : quietEnd;
  const sendAt = capped(req.type, urgent) ? await slotUnderCap(em, deps.policy, req.userId, req.channel, earliest) : earliest;
  if (sendAt > now) await sql(em, `update delivery_attempts set not_before = ? where id = ?`, [sendAt, attempt.id]);
  return { kind: 'queued', attemptId: attempt.id, urgent, notBefore: sendAt > now ? sendAt : null };
}

/** After the transaction committed: live in-app update, or the delivery job. */
/** `trace`: the request's or job's trace context (traceOfEntityManager): a sampled one shows the live event's publish. */
export async function dispatch(deps: NotifyDeps, outcome: MessageOutcome, trace?: TraceContext): Promise<void> {
  // Best effort: the notification is stored, and the inbox reads it whether or not the live event got out.
  if (outcome.kind === 'in-app') await publishLive(deps.pubsub, userTrigger(outcome.notification.userId), { notificationReceived: outcome.notification }, trace);
  if (outcome.kind === 'queued') await deps.queues.delivery(outcome.attemptId, outcome.urgent, outcome.notBefore);
}

/** Creates and dispatches in its own transaction (for callers without one). */
export async function notify(em: EntityManager, deps: NotifyDeps, req: MessageRequest): Promise<MessageOutcome> {
  const outcome = await em.fork().transactional((tx) => createMessage(tx, deps, req));
  await dispatch(deps, outcome, traceOfEntityManager(em));
  return outcome;
}
