// The schedule editor tells the truth about zones and never removes in one click: rules are labelled in
// the schedule's own zone (the doctor's profile, New York here, not the browser's), removing working
// hours is confirmed and can be undone, and a break can be removed (confirmed) or edited.
import { describe, expect, test } from 'vitest';
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { ScheduleEditorPage } from './ScheduleEditorPage.tsx';
import { fixedClient, renderWith } from '../../test/fixed-client.tsx';

const doctorId = '33333333-3333-4333-8333-333333333333';
const rule = { __typename: 'ScheduleRule', id: 'r1', kind: 'WEEKLY', weekdays: [1, 2], rrule: null, startTime: '09:00', endTime: '17:00', validFrom: '2026-11-01', validUntil: null, slotMinutes: 30, bufferMinutes: 0, consultationType: 'IN_PERSON' };
const pause = { __typename: 'ScheduleException', id: 'x1', kind: 'BREAK', startsAt: '2026-12-02T17:00:00.000Z', endsAt: '2026-12-02T18:00:00.000Z', label: 'Lunch' };

function api() {
  let rules = [rule];
  let exceptions = [pause];
  return fixedClient({
    MyDoctorProfile: () => ({ data: { me: { __typename: 'User', id: doctorId, doctorProfile: { __typename: 'DoctorProfile', specialisations: ['Cardiology'], languages: ['en'], timeZone: 'America/New_York', consultationTypes: ['IN_PERSON'], clinic: 'Main' } } } }),
    ScheduleRules: () => ({ data: { scheduleRules: rules } }),
    ScheduleExceptions: () => ({ data: { scheduleExceptions: exceptions } }),
    RemoveScheduleRule: () => ((rules = []), { data: { removeScheduleRule: true } }),
    AddScheduleRule: () => ((rules = [rule]), { data: { addScheduleRule: { __typename: 'ScheduleRule', id: 'r2' } } }),
    RemoveScheduleException: () => ((exceptions = []), { data: { removeScheduleException: true } }),
    PreviewScheduleException: () => ({ data: { previewScheduleException: [] } }),
    AddScheduleException: () => ({ data: { addScheduleException: { __typename: 'ScheduleExceptionResult', exception: { __typename: 'ScheduleException', id: 'x9' }, cancelledAppointments: [] } } }),
  });
}

describe('schedule editor', { timeout: 60_000 }, () => {
  test('rules are labelled in the schedule\'s zone; removing is confirmed and can be undone', async () => {
    const client = api();
    renderWith(<ScheduleEditorPage />, { client: client.client, roles: ['DOCTOR'], userId: doctorId });
    const user = userEvent.setup();
    expect((await screen.findByTestId('rules-zone')).textContent).toMatch(/America\/New_York/);
    await screen.findByText(/Monday, Tuesday · 09:00–17:00 \(America\/New_York\)/);
    await user.click(screen.getByRole('button', { name: /^Remove: Monday, Tuesday/ }));
    const dialog = await screen.findByRole('dialog', { name: 'Remove these working hours?' });
    expect(dialog.textContent).toMatch(/America\/New_York/);
    expect(client.calls.some((c) => c.name === 'RemoveScheduleRule')).toBe(false);
    await user.click(within(dialog).getByRole('button', { name: 'Remove' }));
    await screen.findByText('Working hours removed.');
    // The page behind the dialog is hidden from assistive technology until the dialog has closed.
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    await user.click(await screen.findByRole('button', { name: 'Undo' }));
    await waitFor(() => expect(client.calls.find((c) => c.name === 'AddScheduleRule')?.variables.input).toMatchObject({ doctorId, weekdays: [1, 2], startTime: '09:00', endTime: '17:00', allowOverlap: true }));
  });

  test('a break is removed only after confirming', async () => {
    const client = api();
    renderWith(<ScheduleEditorPage />, { client: client.client, roles: ['DOCTOR'], userId: doctorId });
    const user = userEvent.setup();
    await user.click(await screen.findByRole('button', { name: /^Remove: Break/ }));
    const dialog = await screen.findByRole('dialog', { name: 'Remove this break?' });
    await user.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    expect(client.calls.some((c) => c.name === 'RemoveScheduleException')).toBe(false);
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    await user.click(await screen.findByRole('button', { name: /^Remove: Break/ }));
    await user.click(within(await screen.findByRole('dialog', { name: 'Remove this break?' })).getByRole('button', { name: 'Remove' }));
    await screen.findByText('Removed. The time is bookable again.');
    expect(client.calls.find((c) => c.name === 'RemoveScheduleException')?.variables).toEqual({ id: 'x1' });
  });

  test('days off go to the API as local dates, and a break on one day is read in the doctor\'s zone (not the browser\'s)', async () => {
    const client = api();
    renderWith(<ScheduleEditorPage />, { client: client.client, roles: ['DOCTOR'], userId: doctorId });
    const user = userEvent.setup();
    expect((await screen.findByTestId('exceptions-zone')).textContent).toMatch(/America\/New_York/);
    await screen.findByText(/Dec 2, 2026, 12:00 PM – Dec 2, 2026, 1:00 PM \(America\/New_York\)/);
    const form = screen.getByRole('form', { name: 'Add exception' });

    await user.click(within(form).getByRole('combobox', { name: 'Kind' }));
    await user.click(await screen.findByRole('option', { name: 'Day off' }));
    await user.click(within(form).getByRole('combobox', { name: 'Enter as' }));
    await user.click(await screen.findByRole('option', { name: 'Whole days' }));
    fireEvent.change(within(form).getByLabelText('First day'), { target: { value: '2026-12-24' } });
    fireEvent.change(within(form).getByLabelText('Last day'), { target: { value: '2026-12-26' } });
    await user.click(within(form).getByRole('button', { name: 'Preview' }));
    await waitFor(() => expect(client.calls.find((c) => c.name === 'PreviewScheduleException')?.variables.input).toEqual({ doctorId, kind: 'DAY_OFF', startDate: '2026-12-24', endDate: '2026-12-26', label: null }));
    await user.click(await within(form.closest('section')!).findByRole('button', { name: 'Save' }));
    await waitFor(() => expect(client.calls.find((c) => c.name === 'AddScheduleException')?.variables.input).toEqual({ doctorId, kind: 'DAY_OFF', startDate: '2026-12-24', endDate: '2026-12-26', label: null }));

    await user.click(within(form).getByRole('combobox', { name: 'Kind' }));
    await user.click(await screen.findByRole('option', { name: 'Break' }));
    await user.click(within(form).getByRole('combobox', { name: 'Enter as' }));
    await user.click(await screen.findByRole('option', { name: 'Times on one day' }));
    fireEvent.change(within(form).getByLabelText('Day'), { target: { value: '2026-12-08' } });
    fireEvent.change(within(form).getByLabelText('Starts at'), { target: { value: '12:00' } });
    fireEvent.change(within(form).getByLabelText('Ends at'), { target: { value: '13:00' } });
    await user.click(within(form).getByRole('button', { name: 'Preview' }));
    await waitFor(() =>
      expect(client.calls.filter((c) => c.name === 'PreviewScheduleException').at(-1)?.variables.input).toEqual({
        doctorId, kind: 'BREAK', startsAt: '2026-12-08T17:00:00.000Z', endsAt: '2026-12-08T18:00:00.000Z', label: null,
      }),
    );
  });
});
