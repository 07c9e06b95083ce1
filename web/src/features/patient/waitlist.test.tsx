// The waiting list on the component level: entries name the doctor and window; an offer arrives live
// (subscription) with a countdown to its expiry, and once it has run out it can no longer be booked.
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { screen, waitFor } from '@testing-library/react';
import { WaitlistPage } from './WaitlistPage.tsx';
import { fixedClient, renderWith } from '../../test/fixed-client.tsx';

const NOW = Date.parse('2026-12-08T10:00:00Z');
const entry = (over: Record<string, unknown>) => ({
  __typename: 'WaitlistEntry',
  id: 'w1',
  doctorId: 'd1',
  doctor: { __typename: 'User', id: 'd1', displayName: 'Dr Ana Pop' },
  consultationType: null,
  from: '2026-12-14T07:00:00.000Z',
  to: '2026-12-21T07:00:00.000Z',
  status: 'WAITING',
  offerStartsAt: null,
  offerEndsAt: null,
  offerExpiresAt: null,
  ...over,
});

beforeAll(() => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(NOW);
});
afterAll(() => vi.useRealTimers());

describe('waiting list', { timeout: 60_000 }, () => {
  test('an offer arrives live with a countdown; when it runs out it cannot be booked', async () => {
    let current = entry({});
    const api = fixedClient({ MyWaitlistEntries: () => ({ data: { myWaitlistEntries: [current] } }) });
    renderWith(<WaitlistPage />, { client: api.client });
    const heading = await screen.findByRole('heading', { name: /^Dr Ana Pop · / });
    expect(heading.textContent).toMatch(/Dec 14, 2026.* – .*Dec 21, 2026/);
    expect(screen.getByText('Waiting')).toBeTruthy();
    expect(screen.queryByRole('timer')).toBeNull();
    await waitFor(() => expect(api.calls.some((c) => c.name === 'MyWaitlistChanged')).toBe(true));

    current = entry({ status: 'OFFERED', offerStartsAt: '2026-12-15T08:00:00.000Z', offerEndsAt: '2026-12-15T08:30:00.000Z', offerExpiresAt: new Date(NOW + 10 * 60_000).toISOString() });
    api.push('MyWaitlistChanged', { myWaitlistChanged: current });
    expect((await screen.findByRole('timer')).textContent).toBe('Offer expires in 10:00');
    expect(screen.getByRole('button', { name: 'Book this time' })).toBeTruthy();

    vi.setSystemTime(NOW + 9 * 60_000 + 30_000);
    await waitFor(() => expect(screen.getByRole('timer').textContent).toBe('Offer expires in 0:30'));
    vi.setSystemTime(NOW + 11 * 60_000);
    await screen.findByText('This offer has expired.');
    expect(screen.queryByRole('button', { name: 'Book this time' })).toBeNull();
  });
});
