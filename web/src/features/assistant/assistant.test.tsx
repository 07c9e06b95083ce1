// The assistant's screens on the component level: in the chat thread the assistant's messages carry its
// name and its slot buttons book with the patient's own mutation; the operator console takes over a hand-off,
// answers and hands back; the dashboard shows the KPIs and teaches the assistant an unrecognised message.
import { describe, expect, test } from 'vitest';
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { Route, Routes } from 'react-router';
import { ThreadPage } from '../chat/ThreadPage.tsx';
import { OperatorConsolePage } from './OperatorConsolePage.tsx';
import { AnalyticsPage } from './AnalyticsPage.tsx';
import { fixedClient, renderWith } from '../../test/fixed-client.tsx';

const ME = '11111111-1111-4111-8111-111111111111';
const DOCTOR = '22222222-2222-4222-8222-222222222222';
const OPERATOR = '33333333-3333-4333-8333-333333333333';

describe('the assistant in the chat thread', () => {
  test('its message shows its name and its slot button requests the appointment with the patient’s mutation', async () => {
    const api = fixedClient({
      ConversationThread: () => ({
        data: {
          conversation: {
            __typename: 'Conversation', id: 'c1', kind: 'DESK', appointment: null,
            participants: [{ __typename: 'Participant', role: 'MEMBER', user: { __typename: 'User', id: ME, displayName: 'Ion Popescu' } }],
          },
          messages: {
            __typename: 'MessagePage', endCursor: 'm1', hasMore: false,
            messages: [{
              __typename: 'Message', id: 'm1', conversationId: 'c1', clientMessageId: 'reply:m0', kind: 'TEXT', body: 'These are the best free slots:',
              createdAt: '2026-12-01T08:00:00.000Z', editedAt: null, deleted: false, fromAssistant: true, sender: null, attachments: [], receipts: [],
              actions: [{ __typename: 'QuickAction', kind: 'BOOK_SLOT', appointmentId: null, doctorId: DOCTOR, startsAt: '2026-12-03T08:00:00.000Z', consultationType: 'IN_PERSON' }],
            }],
          },
        },
      }),
      MarkDelivered: () => ({ data: { markDelivered: { __typename: 'Conversation', id: 'c1' } } }),
      MarkRead: () => ({ data: { markRead: { __typename: 'Conversation', id: 'c1', unreadCount: 0 } } }),
      RequestAppointment: () => ({ data: { requestAppointment: { __typename: 'Appointment', id: 'a1', status: 'REQUESTED', startsAt: '2026-12-03T08:00:00.000Z' } } }),
    });
    renderWith(<Routes><Route path="/messages/:id" element={<ThreadPage />} /></Routes>, { client: api.client, userId: ME, path: '/messages/c1' });
    const bubble = (await screen.findByText('These are the best free slots:')).closest('[data-message]') as HTMLElement;
    expect(within(bubble).getByText('Clinic assistant')).toBeTruthy();
    fireEvent.click(within(bubble).getByRole('button', { name: /^Book / }));
    await waitFor(() => expect(api.calls.find((c) => c.name === 'RequestAppointment')?.variables).toEqual({
      input: { doctorId: DOCTOR, startsAt: '2026-12-03T08:00:00.000Z', consultationType: 'IN_PERSON' },
    }));
  });
});

describe('the operator console', () => {
  test('take over, answer, hand back', async () => {
    let status = 'QUEUED';
    const api = fixedClient({
      HandoffQueue: () => ({
        data: {
          handoffQueue: [{
            __typename: 'Handoff', id: 'h1', sessionId: 's1', priority: 'URGENT', reason: 'RED_FLAG', topic: 'EMERGENCY', language: 'ro', status,
            operatorId: status === 'ACTIVE' ? OPERATOR : null, createdAt: '2026-12-01T08:00:00.000Z',
            transcript: [{ __typename: 'AssistantTurn', id: 't1', author: 'BOT', message: 'am dureri în piept', reply: 'Sunați acum la 112.', intent: 'EMERGENCY', createdAt: '2026-12-01T08:00:00.000Z' }],
          }],
        },
      }),
      TakeOverHandoff: () => {
        status = 'ACTIVE';
        return { data: { takeOverHandoff: { __typename: 'Handoff', id: 'h1', status, operatorId: OPERATOR } } };
      },
      OperatorReply: () => ({ data: { operatorReply: { __typename: 'AssistantTurn', id: 't2' } } }),
      HandBackHandoff: () => {
        status = 'RETURNED';
        return { data: { handBackHandoff: { __typename: 'Handoff', id: 'h1', status } } };
      },
    });
    renderWith(<OperatorConsolePage />, { client: api.client, userId: OPERATOR, roles: ['OPERATOR'] });
    expect(await screen.findByText('am dureri în piept')).toBeTruthy();
    expect(screen.getByText('Urgent')).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Take over' }));
    fireEvent.change(await screen.findByLabelText('Your answer'), { target: { value: 'Vă sunăm acum.' } });
    fireEvent.click(screen.getByRole('button', { name: 'Send' }));
    await waitFor(() => expect(api.calls.find((c) => c.name === 'OperatorReply')?.variables).toEqual({ handoffId: 'h1', message: 'Vă sunăm acum.' }));
    fireEvent.click(screen.getByRole('button', { name: 'Hand back to the assistant' }));
    await waitFor(() => expect(api.calls.some((c) => c.name === 'HandBackHandoff')).toBe(true));
  });
});

describe('the analytics dashboard', () => {
  test('KPIs, the per-day table, and labelling an unrecognised message', async () => {
    const api = fixedClient({
      AssistantDashboard: () => ({
        data: {
          assistantKpis: {
            __typename: 'AssistantKpis', turns: 40, conversations: 10, containmentRate: 0.8, bookingConversion: 0.5, handoffRate: 0.2, ratings: 4,
            averageSatisfaction: 4.25, averageTimeToResolutionSeconds: 180,
            topUnrecognised: [{ __typename: 'UnrecognisedMessage', text: 'can I pop in on Friday?', language: 'en', count: 3 }],
            days: [{ __typename: 'AssistantDayKpis', day: '2026-12-01', conversations: 10, fallbacks: 3, handoffs: 2, bookingsCompleted: 4, containmentRate: 0.8, averageSatisfaction: 4.25 }],
          },
        },
      }),
      LabelAssistantMessage: () => ({ data: { labelAssistantMessage: { __typename: 'AssistantLabelledExample', id: 'l1', intent: 'BOOK' } } }),
    });
    renderWith(<AnalyticsPage />, { client: api.client, userId: OPERATOR, roles: ['OPERATOR'] });
    // Handled by the assistant: in the figures and in the day's row.
    expect(await screen.findAllByText('80 %')).toHaveLength(2);
    expect(screen.getByText('4.3 / 5 (4)')).toBeTruthy();
    expect(screen.getByText('3 minutes')).toBeTruthy();
    expect(within(screen.getByRole('table', { name: 'Conversations per day' })).getByText('2026-12-01')).toBeTruthy();
    fireEvent.mouseDown(screen.getByRole('combobox', { name: 'Meaning' }));
    fireEvent.click(await screen.findByRole('option', { name: 'Book' }));
    fireEvent.click(screen.getByRole('button', { name: 'Teach the assistant' }));
    await waitFor(() => expect(api.calls.find((c) => c.name === 'LabelAssistantMessage')?.variables).toEqual({
      input: { text: 'can I pop in on Friday?', language: 'en', intent: 'BOOK', entities: [] },
    }));
  });
});
