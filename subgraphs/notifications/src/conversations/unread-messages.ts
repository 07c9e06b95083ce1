// The consumer of chat's `chat.message_unread` events (ids only: conversationId, messageId, recipientId): a
// message reached someone with no live chat subscription. At most one notification per (recipient,
// conversation) per digest window: later events inside the window are folded into the window's count instead
// of notifying again, and the notification's text is re-rendered with that count (in-app at once; e-mail and
// SMS are sent when the window closes, so they carry the final count). Each event is handled once (its id is recorded in the same transaction); the usual
// preference (type NEW_MESSAGES per channel) and quiet-hours rules apply. No message text is ever read here.
import type { EntityManager } from '@mikro-orm/postgresql';
import { z } from 'zod';
import { MESSAGE_UNREAD_TOPIC, type MessageUnreadPayload, type OutboxJob, traceOfEntityManager } from '@clinic/service-kit';
import { firstDelivery, sql } from '../db.ts';
import type { NotifyDeps } from '../deps.ts';
import { createMessage, dispatch, renderMessage, type MessageOutcome, type MessageRequest } from '../delivery/messages.ts';
import type { Channel } from '../entities/index.ts';
import { settingsOf } from '../preferences/preferences.ts';

/** Re-renders the window's unread in-app notification and its not-yet-sent e-mail/SMS with the new count. */
async function refreshDigest(em: EntityManager, deps: NotifyDeps, requests: MessageRequest[]): Promise<void> {
  const settings = await settingsOf(em, deps.policy, requests[0]!.userId);
  for (const req of requests) {
    const text = await renderMessage(em, deps, req, settings);
    if (req.channel === 'IN_APP') {
      await sql(em, `update notifications set title = coalesce(?, title), body = ? where dedupe_key = ? and read_at is null`, [text.subject, text.body, req.dedupeKey]);
    } else {
      await sql(em, `update delivery_attempts set subject = ?, body = ? where dedupe_key = ? and status = 'QUEUED'`, [text.subject, text.body, req.dedupeKey]);
    }
  }
}

export { MESSAGE_UNREAD_TOPIC };

const UnreadPayload: z.ZodType<MessageUnreadPayload> = z.object({ conversationId: z.string().uuid(), messageId: z.string().uuid(), recipientId: z.string().uuid() });

/** Counts the message into the recipient's window for this conversation; `count` 1 means a new window began. */
async function countIntoWindow(em: EntityManager, deps: NotifyDeps, userId: string, conversationId: string) {
  const [row] = await sql<{ windowStartedAt: Date; count: number }>(
    em,
    `insert into message_digests (user_id, conversation_id, window_started_at, unread_count) values (?, ?, ?, 1)
     on conflict (user_id, conversation_id) do update set
       unread_count = case when message_digests.window_started_at > excluded.window_started_at - ?::int * interval '1 minute' then message_digests.unread_count + 1 else 1 end,
       window_started_at = case when message_digests.window_started_at > excluded.window_started_at - ?::int * interval '1 minute' then message_digests.window_started_at else excluded.window_started_at end
     returning window_started_at as "windowStartedAt", unread_count as count`,
    [userId, conversationId, deps.now(), deps.policy.messageDigestMinutes, deps.policy.messageDigestMinutes],
  );
  return row!;
}

export async function handleUnreadMessage(em: EntityManager, deps: NotifyDeps, job: OutboxJob): Promise<void> {
  const parsed = UnreadPayload.safeParse(job.payload);
  if (!parsed.success) {
    deps.logger.warn({ eventId: job.eventId, topic: job.topic }, 'event without the ids notifications need; skipped');
    return;
  }
  const { conversationId, recipientId } = parsed.data;
  const messages: MessageOutcome[] = [];
  await em.fork().transactional(async (tx) => {
    if (!(await firstDelivery(tx, job.eventId))) return;
    const window = await countIntoWindow(tx, deps, recipientId, conversationId);
    const windowKey = new Date(window.windowStartedAt).getTime();
    const req = (channel: Channel): MessageRequest => ({
      userId: recipientId,
      type: 'NEW_MESSAGES',
      channel,
      dedupeKey: `messages/${conversationId}/${recipientId}/${windowKey}/${channel}`,
      link: `/messages/${conversationId}`,
      messageCount: window.count,
      // E-mail and SMS are the digest: they go out when the window closes, with the window's count.
      notBefore: channel === 'IN_APP' ? undefined : new Date(windowKey + deps.policy.messageDigestMinutes * 60_000),
    });
    if (window.count > 1) {
      // Folded into this window's notification: its text now says how many.
      await refreshDigest(tx, deps, [req('IN_APP'), req('EMAIL'), req('SMS')]);
      return;
    }
    for (const channel of ['IN_APP', 'EMAIL', 'SMS'] as const) messages.push(await createMessage(tx, deps, req(channel)));
  });
  for (const m of messages) await dispatch(deps, m, traceOfEntityManager(em));
}
