// Consumers of identity's and the assistant's outbox events (queues named in the kit's account-events.ts).
// identity's `user.signed_in` / `user.password_changed` / `user.mfa_changed` become a SECURITY notice to the
// account holder: urgent (first in the queue, not held by quiet hours or the hourly cap) on every channel they
// keep on. The assistant's hand-offs tell the operators (administrators when there are none) that a patient is
// waiting for a human; an URGENT one jumps the queue. The account mails (verify, reset, already registered) are
// account-mail.ts's. Each event is handled once (its id is recorded in the
// same transaction as the messages), ids only are read from the payload.
import type { EntityManager } from '@mikro-orm/postgresql';
import { z } from 'zod';
import { HANDOFF_ESCALATED_TOPIC, HANDOFF_REQUESTED_TOPIC, SECURITY_EVENT_TOPICS, type OutboxJob, traceOfEntityManager } from '@clinic/service-kit';
import { firstDelivery } from '../db.ts';
import type { NotifyDeps } from '../deps.ts';
import type { Channel } from '../entities/index.ts';
import { settingsOf } from '../preferences/preferences.ts';
import { createMessage, dispatch, type MessageOutcome } from '../delivery/messages.ts';
import { handleAccountMail } from './account-mail.ts';

const SECURITY_CHANNELS: Channel[] = ['IN_APP', 'EMAIL', 'SMS', 'PUSH'];
// An ordinary sign-in is worth a look, not a text message on every visit: SMS is kept for changes to the account.
const SIGN_IN_CHANNELS: Channel[] = ['IN_APP', 'EMAIL', 'PUSH'];
const HANDOFF_CHANNELS: Channel[] = ['IN_APP', 'EMAIL', 'PUSH'];

/** What happened, in the recipient's language (the template's `change`). */
const SECURITY_CHANGE: Record<string, { en: string; ro: string }> = {
  [SECURITY_EVENT_TOPICS.signedIn]: { en: 'a new sign-in', ro: 'o autentificare nouă' },
  [SECURITY_EVENT_TOPICS.passwordChanged]: { en: 'your password was changed', ro: 'parola a fost schimbată' },
  'mfa-on': { en: 'two-step verification was turned on', ro: 'verificarea în doi pași a fost activată' },
  'mfa-off': { en: 'two-step verification was turned off', ro: 'verificarea în doi pași a fost dezactivată' },
};

const SecurityPayload = z.object({ userId: z.string().uuid(), method: z.string().max(40).optional(), enabled: z.boolean().optional() });
const HandoffPayload = z.object({ handoffId: z.string().uuid(), userId: z.string().uuid(), priority: z.enum(['NORMAL', 'URGENT']) });

async function once(em: EntityManager, deps: NotifyDeps, job: OutboxJob, work: (tx: EntityManager) => Promise<MessageOutcome[]>): Promise<void> {
  let messages: MessageOutcome[] = [];
  await em.fork().transactional(async (tx) => {
    if (!(await firstDelivery(tx, job.eventId))) return;
    messages = await work(tx);
  });
  for (const m of messages) await dispatch(deps, m, traceOfEntityManager(em));
}

export async function handleIdentityEvent(em: EntityManager, deps: NotifyDeps, job: OutboxJob): Promise<void> {
  if (await handleAccountMail(em, deps, job)) return; // verify / reset / already registered: account-mail.ts
  if (!(Object.values(SECURITY_EVENT_TOPICS) as string[]).includes(job.topic)) return; // other user.* events are not ours
  const parsed = SecurityPayload.safeParse(job.payload);
  if (!parsed.success) return deps.logger.warn({ eventId: job.eventId, topic: job.topic }, 'security event without a user id; skipped');
  const { userId, enabled } = parsed.data;
  const key = job.topic === SECURITY_EVENT_TOPICS.mfaChanged ? (enabled ? 'mfa-on' : 'mfa-off') : job.topic;
  await once(em, deps, job, async (tx) => {
    const settings = await settingsOf(tx, deps.policy, userId);
    const change = SECURITY_CHANGE[key]![settings.locale];
    const out: MessageOutcome[] = [];
    for (const channel of job.topic === SECURITY_EVENT_TOPICS.signedIn ? SIGN_IN_CHANNELS : SECURITY_CHANNELS) {
      out.push(await createMessage(tx, deps, { userId, type: 'SECURITY', channel, dedupeKey: `event/${job.eventId}/${channel}`, change, urgent: true, settings }));
    }
    return out;
  });
}

export async function handleAssistantEvent(em: EntityManager, deps: NotifyDeps, job: OutboxJob): Promise<void> {
  if (job.topic !== HANDOFF_REQUESTED_TOPIC && job.topic !== HANDOFF_ESCALATED_TOPIC) return;
  const parsed = HandoffPayload.safeParse(job.payload);
  if (!parsed.success) return deps.logger.warn({ eventId: job.eventId, topic: job.topic }, 'hand-off event without its ids; skipped');
  const { priority } = parsed.data;
  // Asked before the transaction: an identity outage fails the job (retried), not a half-written one.
  let staff = await deps.contacts.staffIds('OPERATOR');
  if (!staff.length) staff = await deps.contacts.staffIds('ADMIN');
  await once(em, deps, job, async (tx) => {
    const out: MessageOutcome[] = [];
    for (const userId of staff) {
      for (const channel of HANDOFF_CHANNELS) {
        out.push(
          await createMessage(tx, deps, { userId, type: 'ASSISTANT_HANDOFFS', channel, dedupeKey: `event/${job.eventId}/${userId}/${channel}`, change: priority, urgent: priority === 'URGENT' }),
        );
      }
    }
    return out;
  });
}
