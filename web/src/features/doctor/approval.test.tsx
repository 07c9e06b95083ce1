// The approval list on the component level: filters reach the query, many requests are approved at
// once with one reason, per-item failures are listed in words, single declines carry their reason.
import { describe, expect, test } from 'vitest';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { PendingRequestsPage } from './PendingRequestsPage.tsx';
import { fixedClient, renderWith } from '../../test/fixed-client.tsx';

const request = (id: string, name: string, priority: number, category = 'ROUTINE') => ({
  __typename: 'Appointment',
  id,
  status: 'REQUESTED',
  startsAt: '2026-12-01T08:00:00.000Z',
  endsAt: '2026-12-01T08:30:00.000Z',
  category,
  priority,
  emergency: false,
  consultationType: 'in-person',
  reason: `reason of ${name}`,
  requestedAt: '2026-11-24T08:00:00.000Z',
  expiresAt: null,
  patient: { __typename: 'User', id: `p-${id}`, displayName: name },
});
const pending = [request('r1', 'Ion Popescu', 10, 'URGENT'), request('r2', 'Maria Ionescu', 5), request('r3', 'Dan Georgescu', 1)];

describe('approval list', { timeout: 60_000 }, () => {
  test('a doctor approves two selected requests with one reason; a failed item is explained', async () => {
    const api = fixedClient({
      PendingRequests: () => ({ data: { pendingRequests: pending } }),
      DecideAppointments: (v) => ({
        data: {
          decideAppointments: (v.decisions as { id: string }[]).map((d) =>
            d.id === 'r2'
              ? { __typename: 'DecisionResult', id: d.id, ok: false, errorCode: 'CONFLICT', errorMessage: 'overlaps', appointment: null }
              : { __typename: 'DecisionResult', id: d.id, ok: true, errorCode: null, errorMessage: null, appointment: { __typename: 'Appointment', id: d.id, status: 'APPROVED' } },
          ),
        },
      }),
    });
    renderWith(<PendingRequestsPage />, { client: api.client, roles: ['DOCTOR'] });
    const user = userEvent.setup();

    await screen.findByText('Ion Popescu');
    expect(screen.getAllByText('Urgent').length).toBeGreaterThan(0);
    expect(api.calls.find((c) => c.name === 'PendingRequests')!.variables.orderBy).toBe('PRIORITY');

    await user.click(screen.getByRole('checkbox', { name: 'Select request from Ion Popescu' }));
    await user.click(screen.getByRole('checkbox', { name: 'Select request from Maria Ionescu' }));
    await user.click(screen.getByRole('button', { name: 'Approve selected (2)' }));
    const dialog = await screen.findByRole('dialog');
    await user.type(within(dialog).getByLabelText(/Reason \(shown to the patient\)/), 'See you then');
    await user.click(within(dialog).getByRole('button', { name: 'Approve' }));

    const decide = await waitFor(() => api.calls.find((c) => c.name === 'DecideAppointments')!);
    expect(decide.variables.decisions).toEqual([
      { id: 'r1', decision: 'APPROVE', reason: 'See you then' },
      { id: 'r2', decision: 'APPROVE', reason: 'See you then' },
    ]);
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toMatch(/Maria Ionescu: This could not be saved/); // no reason given: no race is claimed
    await waitFor(() => expect(document.querySelector('[data-request="r1"]')).toBeNull());
    expect(document.querySelector('[data-request="r2"]')).not.toBeNull();
  });

  test('select all, and a single decline carries its reason', async () => {
    const api = fixedClient({
      PendingRequests: () => ({ data: { pendingRequests: pending } }),
      DecideAppointments: (v) => ({
        data: { decideAppointments: (v.decisions as { id: string }[]).map((d) => ({ __typename: 'DecisionResult', id: d.id, ok: true, errorCode: null, errorMessage: null, appointment: null })) },
      }),
    });
    renderWith(<PendingRequestsPage />, { client: api.client, roles: ['DOCTOR'] });
    const user = userEvent.setup();
    await screen.findByText('Dan Georgescu');
    await user.click(screen.getByRole('checkbox', { name: 'Select all' }));
    expect(screen.getByRole('button', { name: 'Approve selected (3)' })).toBeTruthy();
    await user.click(screen.getByRole('checkbox', { name: 'Select all' }));

    await user.click(screen.getByRole('button', { name: 'Decline: Dan Georgescu' }));
    const dialog = await screen.findByRole('dialog');
    await user.type(within(dialog).getByLabelText(/Reason \(shown to the patient\)/), 'Please see a cardiologist');
    await user.click(within(dialog).getByRole('button', { name: 'Decline' }));
    await waitFor(() => expect(document.querySelector('[data-request="r3"]')).toBeNull());
    expect(api.calls.find((c) => c.name === 'DecideAppointments')!.variables.decisions).toEqual([{ id: 'r3', decision: 'DECLINE', reason: 'Please see a cardiologist' }]);
  });

  test('each request says when it expires and its priority in words; a decline cannot be sent without a reason', async () => {
    const soon = new Date(Date.now() + 3 * 3_600_000 + 60_000).toISOString();
    const api = fixedClient({
      PendingRequests: () => ({ data: { pendingRequests: [{ ...request('r1', 'Ion Popescu', 1, 'URGENT'), expiresAt: soon }, { ...request('r2', 'Maria Ionescu', 0), expiresAt: null }] } }),
      DecideAppointments: (v) => ({
        data: { decideAppointments: (v.decisions as { id: string }[]).map((d) => ({ __typename: 'DecisionResult', id: d.id, ok: true, errorCode: null, errorMessage: null, appointment: null })) },
      }),
    });
    renderWith(<PendingRequestsPage />, { client: api.client, roles: ['DOCTOR'] });
    const user = userEvent.setup();
    await screen.findByText('Ion Popescu');
    const urgent = document.querySelector('[data-request="r1"]') as HTMLElement;
    const normal = document.querySelector('[data-request="r2"]') as HTMLElement;
    expect(within(urgent).getByText('Expires in 3 hours')).toBeTruthy();
    expect(within(urgent).getAllByText('Urgent').length).toBeGreaterThan(0);
    expect(within(normal).getByText('Normal')).toBeTruthy();
    expect(within(normal).getByText('Does not expire')).toBeTruthy();

    await user.click(screen.getByRole('button', { name: 'Decline: Maria Ionescu' }));
    const dialog = await screen.findByRole('dialog');
    const send = within(dialog).getByRole('button', { name: 'Decline' });
    expect((send as HTMLButtonElement).disabled).toBe(true);
    expect(within(dialog).getByText(/A reason is required to decline/)).toBeTruthy();
    await user.type(within(dialog).getByLabelText(/Reason \(shown to the patient\)/), '   ');
    expect((send as HTMLButtonElement).disabled).toBe(true);
    expect(api.calls.some((c) => c.name === 'DecideAppointments')).toBe(false);
    await user.type(within(dialog).getByLabelText(/Reason \(shown to the patient\)/), 'Fully booked this week');
    await user.click(send);
    await waitFor(() => expect(api.calls.find((c) => c.name === 'DecideAppointments')!.variables.decisions).toEqual([{ id: 'r2', decision: 'DECLINE', reason: 'Fully booked this week' }]));
  });

  test('no pending requests: the empty state says they arrive live', async () => {
    const api = fixedClient({ PendingRequests: () => ({ data: { pendingRequests: [] } }) });
    renderWith(<PendingRequestsPage />, { client: api.client, roles: ['DOCTOR'] });
    expect(await screen.findByText(/New ones appear here live/)).toBeTruthy();
  });
});
