// One conversation, live: the latest page, then every messageAdded merged in by id; receipts from
// receiptUpdated; who is typing (shown for a few seconds); marks what arrives as delivered and, while the
// page is visible, read. When live updates come back after a pause it fetches what it missed by cursor.
// Messages written while the connection is down wait in an outbox and are sent (same client id, so a
// retry never duplicates) when it returns.
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useClient, useMutation, useQuery, useSubscription } from 'urql';
import {
  ConversationThreadDocument,
  MarkDeliveredDocument,
  MarkReadDocument,
  MessageAddedDocument,
  MissedMessagesDocument,
  ReceiptUpdatedDocument,
  SendMessageDocument,
  SendTypingDocument,
  TypingDocument,
  ChatMessageFragmentDoc,
  type ChatMessageFragment,
} from '../../gql/graphql.ts';
// Not a React hook despite its name (it only unmasks the type), so it may run inside callbacks.
import { useFragment as unmask } from '../../gql/fragment-masking.ts';
import { useLive } from '../../api/live.ts';

export type ThreadMessage = ChatMessageFragment & { pending?: boolean };
export type Tick = 'PENDING' | 'SENT' | 'DELIVERED' | 'READ';

const TYPING_SHOWN_MS = 4000;
const TYPING_EVERY_MS = 2000;

export function useThread(conversationId: string, myId: string | null) {
  const client = useClient();
  const live = useLive();
  const [thread, refetch] = useQuery({ query: ConversationThreadDocument, variables: { id: conversationId } });
  const [added, setAdded] = useState<Record<string, ThreadMessage>>({});
  const [outbox, setOutbox] = useState<{ clientMessageId: string; body: string }[]>([]);
  const [cursors, setCursors] = useState<Record<string, { delivered: string | null; read: string | null }>>({});
  const [typing, setTyping] = useState<Record<string, number>>({});
  const [, sendMutation] = useMutation(SendMessageDocument);
  const [, markDelivered] = useMutation(MarkDeliveredDocument);
  const [, markRead] = useMutation(MarkReadDocument);
  const [, typingMutation] = useMutation(SendTypingDocument);
  const lastTyping = useRef(0);

  const messages = useMemo(() => {
    const byId = new Map<string, ThreadMessage>();
    for (const m of unmask(ChatMessageFragmentDoc, thread.data?.messages.messages ?? [])) byId.set(m.id, m);
    for (const m of Object.values(added)) byId.set(m.id, m);
    const sorted = [...byId.values()].sort((a, b) => String(a.createdAt).localeCompare(String(b.createdAt)));
    const pending = outbox.map((o) => ({ id: `pending:${o.clientMessageId}`, clientMessageId: o.clientMessageId, body: o.body, pending: true }) as ThreadMessage);
    return [...sorted, ...pending.filter((p) => !sorted.some((m) => m.clientMessageId === p.clientMessageId))];
  }, [thread.data, added, outbox]);

  const merge = useCallback((list: ThreadMessage[]) => setAdded((prev) => Object.fromEntries([...Object.entries(prev), ...list.map((m) => [m.id, m] as const)])), []);

  const acknowledge = useCallback(
    (messageId: string) => {
      void markDelivered({ conversationId, upToMessageId: messageId });
      if (typeof document === 'undefined' || document.visibilityState === 'visible') void markRead({ conversationId, upToMessageId: messageId });
    },
    [conversationId, markDelivered, markRead],
  );

  useSubscription({ query: MessageAddedDocument, variables: { conversationId } }, (_prev, data) => {
    const m = unmask(ChatMessageFragmentDoc, data.messageAdded);
    merge([m]);
    if (m.sender?.id !== myId) acknowledge(m.id);
    return data;
  });
  useSubscription({ query: ReceiptUpdatedDocument, variables: { conversationId } }, (_prev, data) => {
    const r = data.receiptUpdated;
    setCursors((prev) => ({ ...prev, [r.user.id]: { delivered: r.deliveredUpTo ?? null, read: r.readUpTo ?? null } }));
    return data;
  });
  useSubscription({ query: TypingDocument, variables: { conversationId } }, (_prev, data) => {
    setTyping((prev) => ({ ...prev, [data.typing.user.id]: Date.now() }));
    return data;
  });
  useEffect(() => {
    const timer = setInterval(() => setTyping((prev) => Object.fromEntries(Object.entries(prev).filter(([, at]) => Date.now() - at < TYPING_SHOWN_MS))), 1000);
    return () => clearInterval(timer);
  }, []);

  // Opening the thread reads it.
  const newest = messages.filter((m) => !m.pending).at(-1);
  useEffect(() => {
    if (newest && newest.sender?.id !== myId) acknowledge(newest.id);
  }, [newest?.id]);

  const send = useCallback(
    async (body: string, clientMessageId: string = crypto.randomUUID()) => {
      setOutbox((prev) => (prev.some((o) => o.clientMessageId === clientMessageId) ? prev : [...prev, { clientMessageId, body }]));
      const res = await sendMutation({ input: { conversationId, clientMessageId, body } });
      if (res.data) {
        merge([unmask(ChatMessageFragmentDoc, res.data.sendMessage)]);
        setOutbox((prev) => prev.filter((o) => o.clientMessageId !== clientMessageId));
      }
      return res;
    },
    [conversationId, sendMutation, merge],
  );

  // Back online: fetch what was missed, then send what waited.
  const wasLive = useRef(live);
  useEffect(() => {
    const back = wasLive.current === 'paused' && live === 'on';
    wasLive.current = live;
    if (!back) return;
    const after = messages.filter((m) => !m.pending).at(-1)?.id;
    if (after) {
      void client.query(MissedMessagesDocument, { id: conversationId, after }, { requestPolicy: 'network-only' }).toPromise().then((r) => {
        const missed = unmask(ChatMessageFragmentDoc, r.data?.messages.messages ?? []);
        merge(missed);
        const last = missed.filter((m) => m.sender?.id !== myId).at(-1);
        if (last) acknowledge(last.id);
      });
    }
    for (const o of outbox) void send(o.body, o.clientMessageId);
  }, [live]);

  const typingNow = useCallback(() => {
    if (Date.now() - lastTyping.current < TYPING_EVERY_MS) return;
    lastTyping.current = Date.now();
    void typingMutation({ conversationId });
  }, [conversationId, typingMutation]);

  /** My message's tick: the lowest status among its recipients (live cursors override what was loaded). */
  const tickOf = useCallback(
    (m: ThreadMessage): Tick => {
      if (m.pending) return 'PENDING';
      const order = messages.map((x) => x.id);
      const at = order.indexOf(m.id);
      const statuses = (m.receipts ?? []).map((r) => {
        const c = cursors[r.user.id];
        const reached = (id: string | null | undefined) => !!id && order.indexOf(id) >= at && order.indexOf(id) !== -1;
        if (c && reached(c.read)) return 'READ';
        if (c && reached(c.delivered)) return r.status === 'READ' ? 'READ' : 'DELIVERED';
        return r.status;
      });
      const rank: Tick[] = ['SENT', 'DELIVERED', 'READ'];
      return statuses.length ? statuses.reduce((low, s) => (rank.indexOf(s) < rank.indexOf(low) ? s : low), 'READ' as Tick) : 'SENT';
    },
    [messages, cursors],
  );

  const typingUsers = Object.keys(typing).filter((id) => id !== myId);
  return { thread, refetch, messages, send, typingNow, typingUsers, tickOf };
}
