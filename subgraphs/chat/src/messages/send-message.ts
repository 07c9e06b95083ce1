// Sending, editing and deleting messages. A send is one transaction: the conversation's next sequence
// number, the encrypted message, its blind-index terms, the sender's own read cursor, and an outbox event
// (ids only) for each recipient who is offline so notifications can reach them. Attachments are checked
// and shared by documents first (the sender must be able to read each one). The client's message id
// makes a retried send return the stored message instead of a second one. Live announcements go out after
// commit; a client that missed them catches up by cursor.
import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import {
  ASSISTANT_PARTICIPANT_ID, badUserInput, conflict, enqueueEvent, executePrepared, forbidden, MESSAGE_TO_ASSISTANT_TOPIC, MESSAGE_UNREAD_TOPIC, notFound, signChatMessageProof, traceOfEntityManager,
  type MessageToAssistantPayload, type MessageUnreadPayload,
} from '@clinic/service-kit';
import { z } from 'zod';
import { isDesk, isStaff, isUuid, type Actor } from '../actor.ts';
import type { ChatServices } from '../services.ts';
import type { ConversationKind, ConversationView, MessageRow, MessageView, QuickAction, StoredAttachment } from '../entities/rows.ts';
import { participantIds, requireParticipant, sendContext } from '../conversations/access.ts';
import { announceConversation, announceMessage, type StoredMessageEvent } from '../realtime/triggers.ts';
import { messagesByIds, toMessage } from './read-messages.ts';
import { people } from '../assistant/assistant-participant.ts';
import { currentMembers, membersChanged } from '../attachments/members.ts';

export { MESSAGE_UNREAD_TOPIC };

/** A concurrent send with the same client message id won: the transaction rolls back (no gap in sequence). */
class DuplicateSend extends Error {}

const uuid = (what: string) => z.string().refine(isUuid, `${what} must be a UUID`);
const actionInput = z.object({
  kind: z.enum(['BOOK_SLOT', 'RESCHEDULE', 'CANCEL', 'CONFIRM']),
  appointmentId: uuid('appointmentId').nullish(),
  doctorId: uuid('doctorId').nullish(),
  startsAt: z.union([z.date(), z.string()]).nullish(),
  consultationType: z.string().min(1).max(40).nullish(),
});
const sendInput = z.object({
  conversationId: uuid('conversationId'),
  clientMessageId: z.string().min(1).max(100),
  body: z.string(),
  attachments: z.array(z.object({ documentId: uuid('documentId'), name: z.string().min(1).max(200) })).max(10).nullish(),
  actions: z.array(actionInput).max(5).nullish(),
});
export type SendInput = z.input<typeof sendInput>;

function checkBody(services: ChatServices, body: string, hasAttachments: boolean): string {
  const text = body.trim();
  if (!text && !hasAttachments) throw badUserInput('A message needs text or an attachment');
  if (text.length > services.settings.maxMessageChars) throw badUserInput(`A message has at most ${services.settings.maxMessageChars} characters`);
  return text;
}

function checkActions(actor: Actor, actions: z.infer<typeof actionInput>[]): QuickAction[] {
  if (actions.length && !isStaff(actor.user)) throw forbidden('Only staff attach quick actions');
  return actions.map((a) => {
    const startsAt = a.startsAt ? new Date(a.startsAt) : null;
    if (startsAt && Number.isNaN(startsAt.getTime())) throw badUserInput('startsAt is not a date');
    if ((a.kind === 'BOOK_SLOT' && (!a.doctorId || !startsAt)) || (a.kind !== 'BOOK_SLOT' && !a.appointmentId)) {
      throw badUserInput(`${a.kind} needs ${a.kind === 'BOOK_SLOT' ? 'doctorId and startsAt' : 'appointmentId'}`);
    }
    return { kind: a.kind, appointmentId: a.appointmentId ?? null, doctorId: a.doctorId ?? null, startsAt: startsAt?.toISOString() ?? null, consultationType: a.consultationType ?? null };
  });
}

async function existingByClientId(em: EntityManager, services: ChatServices, conversationId: string, senderId: string, clientMessageId: string) {
  const rows = await em.execute<MessageRow[]>(
    `select m.*, c.wrapped_key from messages m join conversations c on c.id = m.conversation_id
     where m.conversation_id = ? and m.sender_id = ? and m.client_message_id = ?`,
    [conversationId, senderId, clientMessageId],
  );
  return rows[0] ? toMessage(services.keys, rows[0]) : null;
}

/** The members a guarded append expects (as the conversation's row lists them, in its order). */
interface AppendGuard {
  memberIds: string[];
}

/**
 * What a replica last knew of a conversation it wrote to: its key (never changes) and its members (may have
 * changed since: a guarded append then writes nothing and the send reads them afresh). Per services (a replica),
 * bounded; the oldest is forgotten first.
 */
interface KnownConversation {
  wrappedKey: string;
  memberIds: string[];
}
const KNOWN_KEPT = 20_000;
const knownByServices = new WeakMap<ChatServices, Map<string, KnownConversation>>();
function knownConversations(services: ChatServices): Map<string, KnownConversation> {
  let known = knownByServices.get(services);
  if (!known) knownByServices.set(services, (known = new Map()));
  return known;
}
function remember(services: ChatServices, conversationId: string, conversation: KnownConversation) {
  const known = knownConversations(services);
  known.delete(conversationId);
  if (known.size >= KNOWN_KEPT) known.delete(known.keys().next().value!);
  known.set(conversationId, conversation);
}

/** Appends a message (TEXT from a participant, or SYSTEM from the service) inside the caller's transaction. */
export async function appendMessage(
  tx: EntityManager,
  services: ChatServices,
  conv: Pick<ConversationView, 'id' | 'wrappedKey'>,
  msg: { kind: 'TEXT' | 'SYSTEM'; senderId: string | null; clientMessageId: string | null; body: string; attachments?: { documentId: string; name: string }[]; actions?: QuickAction[] },
  offlineRecipients: string[],
): Promise<string> {
  return (await appendMessageRow(tx, services, conv, msg, offlineRecipients))!.id;
}

/**
 * The append is one statement (a round trip counts more than the work at this size): the conversation's next
 * sequence number, the encrypted message, its blind-index terms and the sender's own read cursor. A duplicate
 * client message id fails the statement as a whole (nothing of it stays: no gap in the sequence) and, inside a
 * transaction, rolls that back too. Atomic on its own, so a send with no outbox event needs no transaction.
 * Prepared: its planning cost Postgres more than a third of the statement. It also returns what the live event
 * carries: the conversation's kind and members, read from the conversation's row as this statement updates it
 * (under its lock, the latest committed: a removal, which writes that row too, is either in it or waits).
 */
async function appendMessageRow(
  tx: EntityManager,
  services: ChatServices,
  conv: Pick<ConversationView, 'id' | 'wrappedKey'>,
  msg: { kind: 'TEXT' | 'SYSTEM'; senderId: string | null; clientMessageId: string | null; body: string; attachments?: { documentId: string; name: string }[]; actions?: QuickAction[] },
  offlineRecipients: string[],
  guard?: AppendGuard,
): Promise<{ id: string; seq: number; createdAt: Date; stored: StoredMessageEvent } | null> {
  const id = randomUUID();
  const createdAt = services.now();
  const attachments: StoredAttachment[] = (msg.attachments ?? []).map((a) => ({ documentId: a.documentId, nameEnc: services.keys.encrypt(conv.wrappedKey, a.name) }));
  const terms = services.index.termsOf([msg.body, ...(msg.attachments ?? []).map((a) => a.name)].join(' '));
  const bodyEnc = services.keys.encrypt(conv.wrappedKey, msg.body);
  // The guarded form (a send's context merged into its write, see sendMessage) appends only while the members are
  // those the sender's presence lookup was made for and the sender is one of them who may write.
  const guarded = guard
    ? ` and member_ids = ?::uuid[]
         and exists (select 1 from participants p where p.conversation_id = conversations.id and p.user_id = ? and p.left_at is null and p.role <> 'OBSERVER')`
    : '';
  const added = await executePrepared<{ seq: string; conversation_kind: ConversationKind; member_ids: string[] }>(
    tx,
    `with bumped as (
       update conversations set last_seq = last_seq + 1, last_activity_at = ? where id = ?${guarded} returning last_seq, kind, member_ids
     ), added as (
       insert into messages (id, conversation_id, seq, kind, sender_id, client_message_id, body_enc, attachments, actions, created_at)
       select ?, ?, last_seq, ?, ?, ?, ?, ?::jsonb, ?::jsonb, ? from bumped
       returning id, seq
     ), terms as (
       insert into message_terms (message_id, conversation_id, term) select added.id, ?, unnest(?::text[]) from added on conflict do nothing
     ), own_cursor as (
       update participants set delivered_seq = added.seq, read_seq = added.seq from added where conversation_id = ? and user_id = ?
     )
     select added.seq, bumped.kind as conversation_kind, bumped.member_ids::text[] as member_ids from added cross join bumped`,
    [createdAt, conv.id, ...(guard ? [`{${guard.memberIds.join(',')}}`, msg.senderId] : []), id, conv.id, msg.kind, msg.senderId, msg.clientMessageId, bodyEnc,
      JSON.stringify(attachments), JSON.stringify(msg.actions ?? []), createdAt, conv.id, `{${terms.join(',')}}`, conv.id, msg.senderId],
  ).catch((error: unknown) => {
    const e = error as { code?: string; constraint?: string };
    if (e.code === '23505' && e.constraint === 'messages_client_id_idx') throw new DuplicateSend();
    throw error;
  });
  if (!added[0]) {
    // Guarded: the members changed or the sender may not write (nothing was written); the caller reads afresh.
    if (guard) return null;
    throw new Error(`conversation ${conv.id} is gone`);
  }
  for (const recipientId of offlineRecipients) {
    enqueueEvent(tx, MESSAGE_UNREAD_TOPIC, { conversationId: conv.id, messageId: id, recipientId } satisfies MessageUnreadPayload);
  }
  const seq = Number(added[0].seq);
  const stored: StoredMessageEvent = {
    conversationKind: added[0].conversation_kind, memberIds: added[0].member_ids, seq, kind: msg.kind, senderId: msg.senderId,
    clientMessageId: msg.clientMessageId, bodyEnc, attachments, actions: msg.actions ?? [], createdAt: createdAt.toISOString(),
  };
  return { id, seq, createdAt, stored };
}

async function indexTerms(tx: EntityManager, services: ChatServices, conversationId: string, messageId: string, text: string) {
  await tx.execute(`delete from message_terms where message_id = ?`, [messageId]);
  const terms = services.index.termsOf(text);
  if (!terms.length) return;
  await tx.execute(
    `insert into message_terms (message_id, conversation_id, term) select ?, ?, unnest(?::text[]) on conflict do nothing`,
    [messageId, conversationId, `{${terms.join(',')}}`],
  );
}

type Input = z.infer<typeof sendInput>;
type StoredSend = NonNullable<Awaited<ReturnType<typeof appendMessageRow>>>;

export async function sendMessage(em: EntityManager, services: ChatServices, actor: Actor, raw: SendInput, authorization?: string): Promise<MessageView> {
  const parsed = sendInput.safeParse(raw);
  if (!parsed.success) throw badUserInput(parsed.error.issues[0]!.message);
  const input = parsed.data;
  const known = await sendToKnown(em, services, actor, input);
  if (known) return known;
  const me = actor.user.userId;
  const { conversation: conv, memberIds, retriedId } = await sendContext(em, actor, input.conversationId, input.clientMessageId);
  if (conv.membership?.role === 'OBSERVER') throw forbidden('Observers do not write in this conversation');
  const body = checkBody(services, input.body, !!input.attachments?.length);
  const actions = checkActions(actor, input.actions ?? []);

  if (retriedId) return (await messagesByIds(em, services.keys, [retriedId]))[0]!;

  // The desk answers a desk conversation by joining it.
  if (!conv.membership && conv.kind === 'DESK' && isDesk(actor.user)) {
    await em.transactional(async (tx) => {
      await tx.execute(`insert into participants (conversation_id, user_id, role, joined_at) values (?, ?, 'MEMBER', ?) on conflict (conversation_id, user_id) do update set left_at = null`, [conv.id, me, services.now()]);
      await membersChanged(tx, conv.id);
    });
  }
  // Attachments: documents checks the sender may read each one and shares them with the members (or refuses: nothing is stored).
  const documentIds = [...new Set((input.attachments ?? []).map((a) => a.documentId))];
  if (documentIds.length) await services.documents.share(authorization, { ...(await currentMembers(em, conv.id)), documentIds });
  const recipients = people(memberIds).filter((id) => id !== me);
  const offline = await offlineOf(em, services, recipients);
  // A patient's words in a conversation the assistant takes part in go to the assistant (ids only).
  const toAssistant = memberIds.includes(ASSISTANT_PARTICIPANT_ID) && !isStaff(actor.user) && body.length > 0;

  const attachments = input.attachments ?? [];
  const message = { kind: 'TEXT' as const, senderId: me, clientMessageId: input.clientMessageId, body, attachments, actions };
  // Events for other services (offline recipients, the assistant) are written with the message, in one
  // transaction; without any, the append alone is atomic.
  const added = await (offline.length || toAssistant
    ? em.transactional(async (tx) => {
        const row = (await appendMessageRow(tx, services, conv, message, offline))!;
        if (toAssistant) {
          // With the delegation key, the event carries chat's proof that this patient just wrote to the assistant.
          const proof = services.delegationSecret
            ? await signChatMessageProof(services.delegationSecret, { conversationId: conv.id, messageId: row.id, senderId: me, sessionId: actor.user.sessionId, sentAt: services.now().getTime() })
            : undefined;
          const event = { conversationId: conv.id, messageId: row.id, senderId: me, ...(proof ? { proof } : {}) } satisfies MessageToAssistantPayload;
          enqueueEvent(tx, MESSAGE_TO_ASSISTANT_TOPIC, event, { aggregateKey: conv.id });
        }
        return row;
      })
    : appendMessageRow(em, services, conv, message, [])
  )
    .catch((error: unknown) => {
      if (error instanceof DuplicateSend) return null;
      throw error;
    });
  if (!added) return retried(em, services, conv.id, me, input.clientMessageId);
  return sent(em, services, conv, input, message, added, recipients);
}

/**
 * A send to a conversation this replica has written to before (the usual case: a conversation goes on): its
 * context read is merged into the append, one statement instead of two. Presence is asked for the members the
 * replica knows, and the append is guarded by them (appendMessageRow): it writes only while those are still the
 * members and the sender is one who may write, checked under the conversation's row lock, so a removal or a
 * change of role committed before it is never missed. Null when it does not apply (an unknown conversation,
 * attachments, the assistant among the members, a body or actions the checks refuse) or when the guard refused:
 * the ordinary path then reads the context and answers as it always did.
 */
async function sendToKnown(em: EntityManager, services: ChatServices, actor: Actor, input: Input): Promise<MessageView | null> {
  const me = actor.user.userId;
  const known = knownConversations(services).get(input.conversationId);
  if (!known || input.attachments?.length || !known.memberIds.includes(me) || known.memberIds.includes(ASSISTANT_PARTICIPANT_ID)) return null;
  let message: { kind: 'TEXT'; senderId: string; clientMessageId: string; body: string; attachments: []; actions: QuickAction[] };
  try {
    message = { kind: 'TEXT', senderId: me, clientMessageId: input.clientMessageId, body: checkBody(services, input.body, false), attachments: [], actions: checkActions(actor, input.actions ?? []) };
  } catch {
    // Refused: the ordinary path refuses it too, after the membership check (a non-member learns nothing).
    return null;
  }
  const conv = { id: input.conversationId, wrappedKey: known.wrappedKey };
  const recipients = people(known.memberIds).filter((id) => id !== me);
  const offline = await offlineOf(em, services, recipients);
  const guard = { memberIds: known.memberIds };
  const added = await (offline.length
    ? em.transactional((tx) => appendMessageRow(tx, services, conv, message, offline, guard))
    : appendMessageRow(em, services, conv, message, [], guard)
  ).catch((error: unknown) => {
    if (error instanceof DuplicateSend) return 'retried' as const;
    throw error;
  });
  if (added === 'retried') return retried(em, services, conv.id, me, input.clientMessageId);
  if (!added) {
    knownConversations(services).delete(conv.id);
    return null;
  }
  return sent(em, services, conv, input, message, added, recipients);
}

/** The recipients presence does not know online (unknown counts as offline: a notification too many rather than none). */
async function offlineOf(em: EntityManager, services: ChatServices, recipients: string[]): Promise<string[]> {
  const online = await Promise.all(recipients.map((id) => services.presence.online(id, traceOfEntityManager(em))));
  return recipients.filter((_, i) => !online[i]);
}

/** A concurrent or earlier send with this client message id won the insert: its message is the answer. */
async function retried(em: EntityManager, services: ChatServices, conversationId: string, me: string, clientMessageId: string): Promise<MessageView> {
  const stored = await existingByClientId(em, services, conversationId, me, clientMessageId);
  if (!stored) throw conflict('The message could not be stored; send it again');
  return stored;
}

/** After the append: remembers the conversation, announces the message and answers with it. */
async function sent(
  em: EntityManager,
  services: ChatServices,
  conv: Pick<ConversationView, 'id' | 'wrappedKey'>,
  input: Input,
  message: { body: string; attachments: { documentId: string; name: string }[]; actions: QuickAction[] },
  added: StoredSend,
  recipients: string[],
): Promise<MessageView> {
  const me = added.stored.senderId!;
  // The members as the append read them under the row lock: what the next send through this replica expects.
  remember(services, conv.id, { wrappedKey: conv.wrappedKey, memberIds: added.stored.memberIds });
  services.messageEvents.rememberKey(conv.id, conv.wrappedKey);
  // A message with quick actions (appointment times, in clear in the database) is read by each replica instead:
  // Redis gets ids and ciphertext only.
  const stored = message.actions.length ? undefined : added.stored;
  await announceMessage(services.pubsub, { conversationId: conv.id, messageId: added.id, ...(stored ? { stored } : {}) }, [me, ...recipients], traceOfEntityManager(em));
  // What was just stored, as a read would return it (no second read and decryption of our own words).
  return {
    id: added.id, conversationId: conv.id, seq: added.seq, kind: 'TEXT', senderId: me, clientMessageId: input.clientMessageId, body: message.body,
    attachments: message.attachments.map((a) => ({ documentId: a.documentId, name: a.name })), actions: message.actions, createdAt: added.createdAt, editedAt: null, deleted: false,
  };
}

async function ownMessage(em: EntityManager, services: ChatServices, actor: Actor, id: string) {
  if (!isUuid(id)) throw badUserInput('message id must be a UUID');
  const rows = await em.execute<MessageRow[]>(`select m.*, c.wrapped_key from messages m join conversations c on c.id = m.conversation_id where m.id = ?`, [id]);
  const row = rows[0];
  if (!row) throw notFound('Message');
  await requireParticipant(em, actor, row.conversation_id);
  if (row.sender_id !== actor.user.userId) throw forbidden('Only the sender changes a message');
  if (row.deleted_at) throw conflict('The message was deleted');
  if (services.now().getTime() - new Date(row.created_at).getTime() > services.settings.editWindowMs) {
    throw conflict(`Messages can be changed only within ${services.settings.editWindowMs / 60_000} minutes of sending`);
  }
  return row;
}

export async function editMessage(em: EntityManager, services: ChatServices, actor: Actor, id: string, body: string): Promise<MessageView> {
  const row = await ownMessage(em, services, actor, id);
  const text = checkBody(services, body, (row.attachments ?? []).length > 0);
  await em.transactional(async (tx) => {
    await tx.execute(`update messages set body_enc = ?, edited_at = ? where id = ?`, [services.keys.encrypt(row.wrapped_key, text), services.now(), id]);
    const names = (row.attachments ?? []).map((a) => services.keys.decrypt(row.wrapped_key, a.nameEnc));
    await indexTerms(tx, services, row.conversation_id, id, [text, ...names].join(' '));
  });
  await announceConversation(services.pubsub, row.conversation_id, people(await participantIds(em, row.conversation_id)), traceOfEntityManager(em));
  return (await messagesByIds(em, services.keys, [id]))[0]!;
}

export async function deleteMessage(em: EntityManager, services: ChatServices, actor: Actor, id: string): Promise<MessageView> {
  const row = await ownMessage(em, services, actor, id);
  await em.transactional(async (tx) => {
    await tx.execute(`update messages set body_enc = null, attachments = '[]', actions = '[]', deleted_at = ? where id = ?`, [services.now(), id]);
    await tx.execute(`delete from message_terms where message_id = ?`, [id]);
  });
  await announceConversation(services.pubsub, row.conversation_id, people(await participantIds(em, row.conversation_id)), traceOfEntityManager(em));
  return (await messagesByIds(em, services.keys, [id]))[0]!;
}
