// The admin console on the component level: alerts acknowledged and resolved (with a required note, and a
// step someone else already took explained), the audit log naming people (and a former user safely), the
// template editor's server preview and the server's refusal in words, and the queue monitor's actions.
import { describe, expect, test } from 'vitest';
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { SecurityAlertsPage } from './SecurityAlertsPage.tsx';
import { AuditPage } from './AuditPage.tsx';
import { TemplatesPage } from './TemplatesPage.tsx';
import { QueueMonitorPage } from './QueueMonitorPage.tsx';
import { fixedClient, renderWith } from '../../test/fixed-client.tsx';

const ADMIN = { roles: ['ADMIN'] };
const user = (id: string, displayName: string) => ({ __typename: 'User', id, displayName });
const alert = (id: string, over: Record<string, unknown> = {}) => ({
  __typename: 'SecurityAlert',
  id,
  kind: 'TOKEN_REUSE',
  userId: 'u-ion',
  user: user('u-ion', 'Ion Ionescu'),
  ip: '203.0.113.9',
  detail: {},
  createdAt: '2026-11-30T08:00:00.000Z',
  state: 'OPEN',
  acknowledgedAt: null,
  acknowledgedBy: null,
  resolvedAt: null,
  resolvedBy: null,
  resolutionNote: null,
  ...over,
});

describe('security alerts', () => {
  test('an admin acknowledges an alert and resolves another with a required note; names, not ids, are shown', async () => {
    const api = fixedClient({
      SecurityAlerts: () => ({
        data: { securityAlerts: [alert('a1'), alert('a2', { state: 'ACKNOWLEDGED', acknowledgedAt: '2026-11-30T09:00:00.000Z', acknowledgedBy: user('u-admin', 'Chief Admin') }), alert('a3', { userId: null, user: null })] },
      }),
      AcknowledgeAlert: ({ id }) => ({ data: { acknowledgeAlert: alert(String(id), { state: 'ACKNOWLEDGED' }) } }),
      ResolveAlert: ({ id, note }) => ({ data: { resolveAlert: alert(String(id), { state: 'RESOLVED', resolutionNote: note }) } }),
    });
    renderWith(<SecurityAlertsPage />, { client: api.client, ...ADMIN });
    const first = (await screen.findAllByRole('listitem'))[0]!;
    expect(within(first).getByRole('heading').textContent).toBe('Stolen session suspected — Ion Ionescu');
    expect(screen.getByText(/Acknowledged by Chief Admin/)).toBeTruthy();
    expect(screen.getByText('Stolen session suspected — No account (address 203.0.113.9)')).toBeTruthy();

    fireEvent.click(within(first).getByRole('button', { name: 'Acknowledge' }));
    await waitFor(() => expect(api.calls.find((c) => c.name === 'AcknowledgeAlert')?.variables).toEqual({ id: 'a1' }));
    expect(await screen.findByText('Acknowledged', { selector: '[role="status"]' })).toBeTruthy();

    const second = screen.getAllByRole('listitem')[1]!;
    fireEvent.click(within(second).getByRole('button', { name: 'Resolve' }));
    const dialog = await screen.findByRole('dialog', { name: 'Resolve this alert?' });
    const submit = within(dialog).getByRole('button', { name: 'Resolve' }) as HTMLButtonElement;
    expect(submit.disabled).toBe(true);
    fireEvent.change(within(dialog).getByLabelText(/What was done/), { target: { value: 'Sessions revoked' } });
    fireEvent.click(submit);
    await waitFor(() => expect(api.calls.find((c) => c.name === 'ResolveAlert')?.variables).toEqual({ id: 'a2', note: 'Sessions revoked' }));
  });

  test('the state filter reaches the query, and a step another admin already took is explained', async () => {
    const api = fixedClient({
      SecurityAlerts: () => ({ data: { securityAlerts: [alert('a1')] } }),
      AcknowledgeAlert: () => ({ errorCode: 'CONFLICT', message: 'This alert is already resolved', extensions: { reason: 'ALERT_RESOLVED' } }),
    });
    renderWith(<SecurityAlertsPage />, { client: api.client, ...ADMIN });
    fireEvent.mouseDown(await screen.findByLabelText('State'));
    fireEvent.click(await screen.findByRole('option', { name: 'Open' }));
    await waitFor(() => expect(api.calls.filter((c) => c.name === 'SecurityAlerts').at(-1)?.variables).toMatchObject({ state: 'OPEN' }));
    fireEvent.click(await screen.findByRole('button', { name: 'Acknowledge' }));
    expect(await screen.findByText('This alert was already resolved by someone else; the list now shows how.')).toBeTruthy();
  });
});

describe('audit log', () => {
  test('actor and subject are named (a former user by the start of the id), actions in words, a person filter is sent', async () => {
    const api = fixedClient({
      AuditLog: () => ({
        data: {
          auditLog: [
            {
              __typename: 'AuditEntry', id: 'e1', occurredAt: '2026-11-30T08:00:00.000Z', service: 'identity', action: 'security_alert.resolve', resourceType: 'SecurityAlert', resourceId: 'a1',
              subjectUserId: 'u-stefan', outcome: 'SUCCESS', actorId: 'u-admin', actorKind: 'user', ip: null, actor: user('u-admin', 'Chief Admin'), subject: user('u-stefan', 'Ștefan Popescu'),
            },
            {
              __typename: 'AuditEntry', id: 'e2', occurredAt: '2026-11-30T07:00:00.000Z', service: 'appointments', action: 'appointment.read', resourceType: 'Appointment', resourceId: 'x',
              subjectUserId: 'u-stefan', outcome: 'DENIED', actorId: '7a1f0c52-3d8e-4b6a-9f1e-2c4d5e6f7a8b', actorKind: 'user', ip: null, actor: null, subject: user('u-stefan', 'Ștefan Popescu'),
            },
          ],
        },
      }),
    });
    renderWith(<AuditPage />, { client: api.client, ...ADMIN });
    const table = await screen.findByRole('table', { name: 'Audit log' });
    const [, resolved, read] = within(table).getAllByRole('row');
    expect(within(resolved!).getAllByRole('cell').map((c) => c.textContent).slice(1, 4)).toEqual(['Security alert resolved', 'Chief Admin', 'Ștefan Popescu']);
    expect(within(read!).getAllByRole('cell').map((c) => c.textContent).slice(1, 6)).toEqual(['Read an appointment', 'Former user (7a1f0c52)', 'Ștefan Popescu', 'Appointment x', 'Refused']);
    fireEvent.change(screen.getByLabelText('Person (name or e-mail)'), { target: { value: 'stefan' } });
    await waitFor(() => expect(api.calls.filter((c) => c.name === 'AuditLog').at(-1)?.variables).toMatchObject({ filter: { person: 'stefan' } }));
  });
});

describe('template editor', () => {
  test('starts from the built-in text, previews what is typed through the server, shows a refusal in words, saves a version', async () => {
    const api = fixedClient({
      NotificationTemplates: () => ({ data: { notificationTemplates: [] } }),
      BuiltInNotificationTemplate: () => ({ data: { builtInNotificationTemplate: { __typename: 'TemplatePreview', subject: 'Reminder', body: 'Hello {{name}}' } } }),
      PreviewNotificationTemplate: ({ input }) => {
        const body = (input as { body: string }).body;
        if (body.includes('{{nickname}}')) return { errorCode: 'BAD_USER_INPUT', message: 'template does not render: "nickname" not defined' };
        return { data: { previewNotificationTemplate: { __typename: 'TemplatePreview', subject: 'Reminder', body: body.replace('{{name}}', 'Ana Popescu') } } };
      },
      SaveNotificationTemplate: ({ input }) => ({
        data: { saveNotificationTemplate: { __typename: 'NotificationTemplate', id: 't1', version: 1, createdAt: '2026-11-30T08:00:00.000Z', ...(input as object) } },
      }),
    });
    renderWith(<TemplatesPage />, { client: api.client, ...ADMIN });
    const body = (await screen.findByLabelText(/^Text/)) as HTMLTextAreaElement;
    expect(body.value).toBe('Hello {{name}}');
    expect(screen.getByRole('button', { name: 'E-mail · English: Built-in text' })).toBeTruthy();
    expect(await screen.findByText('Hello Ana Popescu')).toBeTruthy();

    fireEvent.change(body, { target: { value: 'Hi {{nickname}}' } });
    expect(await screen.findByText('This template cannot be sent as it is. The server says: template does not render: "nickname" not defined')).toBeTruthy();
    expect((screen.getByRole('button', { name: 'Save as a new version' }) as HTMLButtonElement).disabled).toBe(true);

    fireEvent.change(body, { target: { value: 'Dear {{name}}, see you soon' } });
    expect(await screen.findByText('Dear Ana Popescu, see you soon')).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Save as a new version' }));
    await waitFor(() =>
      expect(api.calls.find((c) => c.name === 'SaveNotificationTemplate')?.variables).toEqual({ input: { type: 'REMINDERS', channel: 'EMAIL', locale: 'en', subject: 'Reminder', body: 'Dear {{name}}, see you soon' } }),
    );
    expect(await screen.findByText('Saved as version 1.')).toBeTruthy();
  });
});

describe('queue monitor', () => {
  test('shows depth, oldest waiting and failure rate; retries and (after confirming) discards a dead letter; retries a dead service event', async () => {
    const letter = { __typename: 'DeliveryAttempt', id: 'd1', userId: 'u1', type: 'REMINDERS', channel: 'EMAIL', status: 'DEAD', attempts: 3, error: 'bounced', updatedAt: '2026-11-30T08:00:00.000Z' };
    const api = fixedClient({
      QueueMonitor: () => ({
        data: {
          notificationQueues: [{ __typename: 'QueueStats', name: 'notifications-delivery', waiting: 4, delayed: 2, active: 1, failed: 1, oldestWaitingSeconds: 300, failureRate: 0.25 }],
          deadLetters: [letter],
        },
      }),
      DeadOutboxEvents: () => ({
        data: {
          identityDeadEvents: [{ __typename: 'DeadOutboxEvent', id: 'o1', topic: 'user.registered', attempts: 8, lastError: 'queue down', deadAt: '2026-11-30T08:00:00.000Z' }],
          appointmentsDeadEvents: [], documentsDeadEvents: [], chatDeadEvents: [], assistantDeadEvents: [],
        },
      }),
      RetryDeadLetter: () => ({ data: { retryDeadLetter: { ...letter, status: 'QUEUED' } } }),
      DiscardDeadLetter: () => ({ data: { discardDeadLetter: { ...letter, status: 'DISCARDED' } } }),
      RetryIdentityDeadEvent: () => ({ data: { identityRetryDeadEvent: true } }),
    });
    renderWith(<QueueMonitorPage />, { client: api.client, ...ADMIN });
    const queue = await screen.findByRole('article', { name: 'notifications-delivery' });
    expect(within(queue).getByText('5 min')).toBeTruthy();
    expect(within(queue).getByText('25%')).toBeTruthy();
    const letterItem = screen.getByText('Reminders · E-mail').closest('li')!;
    fireEvent.click(within(letterItem).getByRole('button', { name: 'Retry' }));
    await waitFor(() => expect(api.calls.find((c) => c.name === 'RetryDeadLetter')?.variables).toEqual({ id: 'd1' }));
    fireEvent.click(within(letterItem).getByRole('button', { name: 'Discard' }));
    const dialog = await screen.findByRole('dialog');
    expect(api.calls.some((c) => c.name === 'DiscardDeadLetter')).toBe(false);
    fireEvent.click(within(dialog).getByRole('button', { name: 'Discard' }));
    await waitFor(() => expect(api.calls.find((c) => c.name === 'DiscardDeadLetter')?.variables).toEqual({ id: 'd1' }));
    // While the dialog is open (or fading out) the page behind it is hidden from assistive technology.
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    const event = (await screen.findByText('identity · user.registered')).closest('li')!;
    fireEvent.click(within(event).getByRole('button', { name: 'Retry' }));
    await waitFor(() => expect(api.calls.find((c) => c.name === 'RetryIdentityDeadEvent')?.variables).toEqual({ id: 'o1' }));
  });
});
