// The thread on the component level: a message arrives live and is acknowledged (delivered, read); my
// message's tick goes from sent to read as receipts arrive; typing shows and is sent at most every 2 s;
// quick actions run the ordinary appointments mutations and a refusal is shown, not hidden.
import { describe, expect, test } from 'vitest';
import { fireEvent, screen, waitFor } from '@testing-library/react';
import { Route, Routes } from 'react-router';
import { ThreadPage } from './ThreadPage.tsx';
import { fixedClient, renderWith } from '../../test/fixed-client.tsx';

const ME = '11111111-1111-4111-8111-111111111111';
const DOCTOR = '22222222-2222-4222-8222-222222222222';

const message = (id: string, sender: string, body: string, extra: Record<string, unknown> = {}) => ({
  __typename: 'Message', id, conversationId: 'c1', clientMessageId: id, kind: 'TEXT', body, createdAt: `2026-12-01T08:0${id.slice(-1)}:00.000Z`,
  editedAt: null, deleted: false, sender: { __typename: 'User', id: sender }, attachments: [], actions: [],
  receipts: [{ __typename: 'Receipt', user: { __typename: 'User', id: sender === ME ? DOCTOR : ME }, status: 'SENT' }], ...extra,
});

const thread = () => ({
  data: {
    conversation: {
      __typename: 'Conversation', id: 'c1', kind: 'DIRECT', appointment: null,
      participants: [
        { __typename: 'Participant', role: 'MEMBER', user: { __typename: 'User', id: ME, displayName: 'Ion Popescu' } },
        { __typename: 'Participant', role: 'OWNER', user: { __typename: 'User', id: DOCTOR, displayName: 'Dr Ana Pop' } },
      ],
    },
    messages: { __typename: 'MessagePage', endCursor: 'm1', hasMore: false, messages: [message('m1', ME, 'Hello doctor')] },
  },
});

function setup(extra: Record<string, (v: Record<string, unknown>) => { data: unknown } | { errorCode: string }> = {}) {
  const api = fixedClient({
    ConversationThread: thread,
    MarkDelivered: () => ({ data: { markDelivered: { __typename: 'Conversation', id: 'c1' } } }),
    MarkRead: () => ({ data: { markRead: { __typename: 'Conversation', id: 'c1', unreadCount: 0 } } }),
    SendTyping: () => ({ data: { sendTyping: true } }),
    ...extra,
  });
  renderWith(<Routes><Route path="/messages/:id" element={<ThreadPage />} /></Routes>, { client: api.client, userId: ME, path: '/messages/c1' });
  return api;
}

describe('chat thread', () => {
  test('live messages, receipts and typing', async () => {
    const api = setup();
    expect(await screen.findByText('Hello doctor')).toBeTruthy();
    expect(screen.getByRole('heading', { name: 'Dr Ana Pop' })).toBeTruthy();
    const tick = () => document.querySelector('[data-message="m1"] [data-tick]')?.getAttribute('data-tick');
    expect(tick()).toBe('SENT');
    await waitFor(() => expect(api.calls.filter((c) => c.name.endsWith('Added') || c.name === 'ReceiptUpdated' || c.name === 'Typing')).toHaveLength(3));

    api.push('ReceiptUpdated', { receiptUpdated: { __typename: 'ReceiptUpdate', conversationId: 'c1', deliveredUpTo: 'm1', readUpTo: null, user: { __typename: 'User', id: DOCTOR } } });
    await waitFor(() => expect(tick()).toBe('DELIVERED'));
    api.push('ReceiptUpdated', { receiptUpdated: { __typename: 'ReceiptUpdate', conversationId: 'c1', deliveredUpTo: 'm1', readUpTo: 'm1', user: { __typename: 'User', id: DOCTOR } } });
    await waitFor(() => expect(tick()).toBe('READ'));

    api.push('Typing', { typing: { __typename: 'TypingEvent', conversationId: 'c1', at: '2026-12-01T08:05:00Z', user: { __typename: 'User', id: DOCTOR } } });
    expect(await screen.findByText('Dr Ana Pop is typing…')).toBeTruthy();

    api.push('MessageAdded', { messageAdded: message('m2', DOCTOR, 'Your results are fine') });
    expect(await screen.findByText('Your results are fine')).toBeTruthy();
    await waitFor(() => expect(api.calls.some((c) => c.name === 'MarkRead' && c.variables.upToMessageId === 'm2')).toBe(true));
    expect(api.calls.some((c) => c.name === 'MarkDelivered' && c.variables.upToMessageId === 'm2')).toBe(true);

    // Typing is sent once however many keys are pressed within two seconds.
    const box = screen.getByLabelText('Write a message');
    fireEvent.change(box, { target: { value: 'T' } });
    fireEvent.change(box, { target: { value: 'Th' } });
    fireEvent.change(box, { target: { value: 'Thanks' } });
    expect(api.calls.filter((c) => c.name === 'SendTyping')).toHaveLength(1);
  });

  test('sending uses a client message id and shows the stored message', async () => {
    const api = setup({
      SendMessage: (v) => ({ data: { sendMessage: message('m3', ME, (v.input as { body: string }).body, { clientMessageId: (v.input as { clientMessageId: string }).clientMessageId }) } }),
    });
    await screen.findByText('Hello doctor');
    fireEvent.change(screen.getByLabelText('Write a message'), { target: { value: 'See you Monday' } });
    fireEvent.click(screen.getByRole('button', { name: 'Send' }));
    expect(await screen.findByText('See you Monday')).toBeTruthy();
    const sent = api.calls.find((c) => c.name === 'SendMessage')!.variables.input as { clientMessageId: string; conversationId: string };
    expect(sent.conversationId).toBe('c1');
    expect(sent.clientMessageId).toMatch(/^[0-9a-f-]{36}$/);
  });

  test('quick actions book with my rights; a refused confirm says so', async () => {
    const actions = [
      { __typename: 'QuickAction', kind: 'BOOK_SLOT', appointmentId: null, doctorId: DOCTOR, startsAt: '2026-12-03T10:00:00.000Z', consultationType: 'IN_PERSON' },
      { __typename: 'QuickAction', kind: 'CONFIRM', appointmentId: 'a1', doctorId: null, startsAt: null, consultationType: null },
    ];
    const api = setup({
      RequestAppointment: () => ({ data: { requestAppointment: { __typename: 'Appointment', id: 'a2', status: 'REQUESTED', startsAt: '2026-12-03T10:00:00.000Z', endsAt: '2026-12-03T10:30:00.000Z' } } }),
      ApproveAppointment: () => ({ errorCode: 'FORBIDDEN' }),
    });
    await screen.findByText('Hello doctor');
    api.push('MessageAdded', { messageAdded: message('m4', DOCTOR, 'Want this slot?', { actions }) });
    fireEvent.click(await screen.findByRole('button', { name: /^Book / }));
    await waitFor(() => expect(api.calls.find((c) => c.name === 'RequestAppointment')?.variables).toEqual({
      input: { doctorId: DOCTOR, startsAt: '2026-12-03T10:00:00.000Z', consultationType: 'IN_PERSON' },
    }));
    expect(await screen.findByText('Done.')).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Confirm the appointment' }));
    await waitFor(() => expect(api.calls.some((c) => c.name === 'ApproveAppointment')).toBe(true));
    expect(await screen.findByText('You do not have permission to do this.')).toBeTruthy();
  });
});
