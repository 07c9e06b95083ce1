// The bell and the preferences page on the component level: the unread count comes from the query and
// grows live with notificationReceived events; a switch in the types × channels grid sends exactly that
// preference; quiet hours are saved with the zone.
import { describe, expect, test } from 'vitest';
import { fireEvent, screen, waitFor } from '@testing-library/react';
import { NotificationBell } from './NotificationBell.tsx';
import { PreferencesPage } from './PreferencesPage.tsx';
import { DevInboxPage } from './DevInboxPage.tsx';
import { fixedClient, renderWith } from '../../test/fixed-client.tsx';

const note = (id: string, readAt: string | null = null) => ({ __typename: 'Notification', id, type: 'REMINDERS', title: `Reminder ${id}`, body: 'Tomorrow 10:00', createdAt: '2026-12-01T08:00:00.000Z', readAt });

describe('notification bell', () => {
  test('shows the unread count and raises it when a notification arrives live', async () => {
    const api = fixedClient({
      MyNotifications: () => ({ data: { me: { __typename: 'User', id: 'u1', notifications: [note('n1'), note('n0', '2026-11-30T08:00:00.000Z')] }, unreadNotificationCount: 1 } }),
    });
    renderWith(<NotificationBell />, { client: api.client });
    expect(await screen.findByRole('button', { name: 'Notifications (1 unread)' })).toBeTruthy();
    await waitFor(() => expect(api.calls.some((c) => c.name === 'NotificationReceived')).toBe(true));
    api.push('NotificationReceived', { notificationReceived: note('n2') });
    expect(await screen.findByRole('button', { name: 'Notifications (2 unread)' })).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Notifications (2 unread)' }));
    expect(await screen.findByText('Reminder n2')).toBeTruthy();
    expect(screen.getByText('Reminder n1')).toBeTruthy();
  });
});

describe('preferences page', () => {
  const prefs = {
    __typename: 'NotificationPreferences',
    userId: 'u1',
    timeZone: 'Europe/Bucharest',
    locale: 'ro',
    quietHours: { __typename: 'QuietHours', start: '22:00', end: '07:00' },
    reminderOffsets: [1440, 60],
    allowedReminderOffsets: [1440, 60, 30],
    smsConsent: null,
    channels: [
      { __typename: 'ChannelPreference', type: 'REMINDERS', channel: 'EMAIL', enabled: true, custom: false },
      { __typename: 'ChannelPreference', type: 'REMINDERS', channel: 'SMS', enabled: false, custom: false },
    ],
  };

  test('a switch in the grid sends that type and channel; quiet hours are saved with the zone', async () => {
    const api = fixedClient({
      MyNotificationPreferences: () => ({ data: { me: { __typename: 'User', id: 'u1', notificationPreferences: prefs } } }),
      SetNotificationPreferences: () => ({ data: { setNotificationPreferences: { __typename: 'NotificationPreferences', userId: 'u1' } } }),
      UpdateNotificationSettings: () => ({ data: { updateNotificationSettings: { __typename: 'NotificationPreferences', userId: 'u1' } } }),
    });
    renderWith(<PreferencesPage />, { client: api.client });
    const emailReminders = await screen.findByRole('checkbox', { name: 'Reminders · E-mail' });
    expect((emailReminders as HTMLInputElement).checked).toBe(true);
    fireEvent.click(emailReminders);
    await waitFor(() => expect(api.calls.find((c) => c.name === 'SetNotificationPreferences')?.variables).toEqual({ input: [{ type: 'REMINDERS', channel: 'EMAIL', enabled: false }] }));
    expect((screen.getByLabelText('Time zone') as HTMLInputElement).value).toBe('Europe/Bucharest');
    fireEvent.change(screen.getByLabelText('Quiet hours from (HH:mm)'), { target: { value: '23:00' } });
    fireEvent.change(screen.getByLabelText('Time zone'), { target: { value: 'America/New_York' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    await waitFor(() =>
      expect(api.calls.find((c) => c.name === 'UpdateNotificationSettings')?.variables).toEqual({ input: { timeZone: 'America/New_York', quietHours: { start: '23:00', end: '07:00' } } }),
    );
    expect(await screen.findByText('Saved.')).toBeTruthy();
  });
});

describe('developer inbox', () => {
  test("also lists identity's account mails (verification links), asked for with the admin's token", async () => {
    const seen: { url: string; authorization: string | null }[] = [];
    const realFetch = globalThis.fetch;
    globalThis.fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
      seen.push({ url: String(input), authorization: new Headers(init?.headers).get('authorization') });
      return new Response(JSON.stringify({ messages: [{ to: 'ana@example.test', subject: 'Confirm your e-mail address', link: 'http://localhost:5173/verify-email?token=abc', at: '2026-11-30T08:00:00.000Z' }] }), {
        status: 200,
        headers: { 'content-type': 'application/json' },
      });
    }) as typeof fetch;
    try {
      const api = fixedClient({ DevInbox: () => ({ data: { devInbox: [] } }) });
      renderWith(<DevInboxPage />, { client: api.client, roles: ['ADMIN'] });
      const link = await screen.findByRole('link', { name: 'http://localhost:5173/verify-email?token=abc' });
      expect(link.getAttribute('href')).toBe('http://localhost:5173/verify-email?token=abc');
      expect(screen.getByText('ana@example.test · Confirm your e-mail address')).toBeTruthy();
      expect(seen[0]?.url).toBe('/auth/dev/inbox');
      expect(seen[0]?.authorization).toMatch(/^Bearer /);
    } finally {
      globalThis.fetch = realFetch;
    }
  });
});
