// The doctor's calendar grid on the component level, in the doctor's zone (New York) whatever the
// browser's: arrow keys move one tab stop between cells; free time selected with the keyboard becomes a
// break, which Undo takes back; a break removed from the grid comes back with Undo; a past approved
// appointment is marked as a no-show after confirming.
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { DoctorCalendarPage } from './DoctorCalendarPage.tsx';
import { fixedClient, renderWith } from '../../test/fixed-client.tsx';

const doctorId = '33333333-3333-4333-8333-333333333333';
const rule = { __typename: 'ScheduleRule', id: 'r1', kind: 'WEEKLY', weekdays: [1, 2, 3, 4, 5], rrule: null, startTime: '09:00', endTime: '13:00', validFrom: '2026-11-01', validUntil: null, slotMinutes: 30, bufferMinutes: 0, consultationType: 'IN_PERSON' };
const lunch = { __typename: 'ScheduleException', id: 'x1', doctorId, kind: 'BREAK', startsAt: '2026-12-08T17:00:00.000Z', endsAt: '2026-12-08T17:30:00.000Z', startDate: null, endDate: null, slotMinutes: null, consultationType: null, label: 'Lunch' };
const visit = { __typename: 'Appointment', id: 'a1', status: 'APPROVED', startsAt: '2026-12-08T14:00:00.000Z', endsAt: '2026-12-08T14:30:00.000Z', consultationType: 'IN_PERSON', category: 'ROUTINE', reason: null, patient: { __typename: 'User', id: 'p1', displayName: 'Ana Pop' } };
// Tuesday 8 December 2026, free from 10:30 to 12:00 New York time (15:30Z–17:00Z).
const free = ['15:30', '16:00', '16:30'].map((t) => ({ __typename: 'Slot', startsAt: `2026-12-08T${t}:00.000Z`, endsAt: new Date(Date.parse(`2026-12-08T${t}:00.000Z`) + 1_800_000).toISOString(), consultationType: 'IN_PERSON', emergency: false }));

function api() {
  let exceptions: (Omit<typeof lunch, 'label'> & { label: string | null })[] = [lunch];
  let status = 'APPROVED';
  return fixedClient({
    MyDoctorProfile: () => ({ data: { me: { __typename: 'User', id: doctorId, doctorProfile: { __typename: 'DoctorProfile', specialisations: [], languages: ['en'], timeZone: 'America/New_York', consultationTypes: ['IN_PERSON'], clinic: null } } } }),
    ScheduleRules: () => ({ data: { scheduleRules: [rule] } }),
    CalendarAppointments: () => ({ data: { myAppointments: [{ ...visit, status }] } }),
    CalendarExceptions: () => ({ data: { scheduleExceptions: exceptions } }),
    DoctorFreeSlots: () => ({ data: { availableSlots: { __typename: 'SlotPage', slots: free, endCursor: null, hasNextPage: false } } }),
    AddScheduleException: (v) => {
      const input = v.input as { kind: string; startsAt: string; endsAt: string; label?: string | null };
      const id = `x${exceptions.length + 10}`;
      exceptions = [...exceptions, { ...lunch, id, kind: input.kind, startsAt: input.startsAt, endsAt: input.endsAt, label: input.label ?? null }];
      return { data: { addScheduleException: { __typename: 'ScheduleExceptionResult', exception: { __typename: 'ScheduleException', id }, cancelledAppointments: [] } } };
    },
    RemoveScheduleException: (v) => ((exceptions = exceptions.filter((x) => x.id !== v.id)), { data: { removeScheduleException: true } }),
    MarkNoShow: () => ((status = 'NO_SHOW'), { data: { markNoShow: { __typename: 'Appointment', id: 'a1', status: 'NO_SHOW' } } }),
  });
}

beforeAll(() => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(new Date('2026-12-08T15:10:00Z')); // 10:10 in New York
});
afterAll(() => vi.useRealTimers());

const cell = (name: RegExp) => screen.getByRole('gridcell', { name });

describe('doctor calendar grid', { timeout: 60_000 }, () => {
  test('the grid is in the doctor\'s zone, and arrow keys move the one tab stop between cells', async () => {
    renderWith(<DoctorCalendarPage />, { client: api().client, roles: ['DOCTOR'], userId: doctorId });
    const grid = await screen.findByRole('grid');
    expect(screen.getByTestId('calendar-zone').textContent).toMatch(/America\/New_York/);
    await waitFor(() => expect(cell(/^Tue, Dec 8, 10:30 AM–11:00 AM: free$/)).toBeTruthy());
    expect(cell(/^Tue, Dec 8, 9:00 AM–9:30 AM: booked, Ana Pop \(Approved\)$/)).toBeTruthy();
    expect(cell(/^Tue, Dec 8, 12:00 PM–12:30 PM: break \(Lunch\)$/)).toBeTruthy();
    expect(cell(/^Sun, Dec 13, 9:00 AM–9:30 AM: not working$/)).toBeTruthy();

    const user = userEvent.setup();
    expect(within(grid).getAllByRole('gridcell').filter((c) => c.tabIndex === 0)).toHaveLength(1);
    within(grid).getAllByRole('gridcell').find((c) => c.tabIndex === 0)!.focus();
    expect(document.activeElement?.getAttribute('aria-label')).toMatch(/^Mon, Dec 7, 9:00 AM/);
    await user.keyboard('{ArrowRight}{ArrowDown}{ArrowDown}');
    expect(document.activeElement?.getAttribute('aria-label')).toMatch(/^Tue, Dec 8, 10:00 AM–10:30 AM/);
    expect(within(grid).getAllByRole('gridcell').filter((c) => c.tabIndex === 0)).toEqual([document.activeElement]);
    await user.keyboard('{End}');
    expect(document.activeElement?.getAttribute('aria-label')).toMatch(/^Sun, Dec 13, 10:00 AM/);
    await user.keyboard('{Home}{ArrowUp}{ArrowUp}{ArrowUp}{ArrowLeft}');
    expect(document.activeElement?.getAttribute('aria-label')).toMatch(/^Mon, Dec 7, 9:00 AM/);
  });

  test('a break added by keyboard selection can be undone; a break removed from the grid comes back with Undo', async () => {
    const client = api();
    renderWith(<DoctorCalendarPage />, { client: client.client, roles: ['DOCTOR'], userId: doctorId });
    const user = userEvent.setup();
    await waitFor(() => expect(cell(/^Tue, Dec 8, 10:30 AM–11:00 AM: free$/)).toBeTruthy());
    cell(/^Tue, Dec 8, 10:30 AM–11:00 AM: free$/).focus();
    await user.keyboard('{Enter}{Shift>}{ArrowDown}{/Shift}');
    expect(screen.getByTestId('calendar-selection').textContent).toBe('Selected: Tue, Dec 8, 10:30 AM–11:30 AM (America/New_York)');
    expect(cell(/^Tue, Dec 8, 11:00 AM–11:30 AM/).getAttribute('aria-selected')).toBe('true');
    await user.click(screen.getByRole('button', { name: 'Add break' }));
    await screen.findByText('Break added: Tue, Dec 8, 10:30 AM–11:30 AM (America/New_York).');
    expect(client.calls.find((c) => c.name === 'AddScheduleException')?.variables).toEqual({
      input: { doctorId, kind: 'BREAK', startsAt: '2026-12-08T15:30:00.000Z', endsAt: '2026-12-08T16:30:00.000Z' },
      affected: 'REFUSE',
    });
    await waitFor(() => expect(cell(/^Tue, Dec 8, 10:30 AM–11:00 AM: break$/)).toBeTruthy());
    await user.click(screen.getByRole('button', { name: 'Undo' }));
    await screen.findByText('Undone.');
    expect(client.calls.filter((c) => c.name === 'RemoveScheduleException').map((c) => c.variables)).toEqual([{ id: 'x11' }]);
    await waitFor(() => expect(cell(/^Tue, Dec 8, 10:30 AM–11:00 AM: free$/)).toBeTruthy());

    // Remove the lunch break from the grid, then take it back.
    cell(/^Tue, Dec 8, 12:00 PM–12:30 PM: break \(Lunch\)$/).focus();
    await user.keyboard('{Enter}');
    const panel = await screen.findByTestId('cell-panel');
    expect(document.activeElement?.textContent).toBe('Break · Lunch');
    await user.click(within(panel).getByRole('button', { name: 'Remove' }));
    await screen.findByText('Break removed. The time is bookable again.');
    expect(client.calls.filter((c) => c.name === 'RemoveScheduleException').at(-1)?.variables).toEqual({ id: 'x1' });
    await waitFor(() => expect(screen.queryByRole('gridcell', { name: /12:00 PM–12:30 PM: break/ })).toBeNull());
    await user.click(screen.getByRole('button', { name: 'Undo' }));
    await waitFor(() => expect(cell(/^Tue, Dec 8, 12:00 PM–12:30 PM: break \(Lunch\)$/)).toBeTruthy());
    expect(client.calls.filter((c) => c.name === 'AddScheduleException').at(-1)?.variables.input).toEqual({
      doctorId, kind: 'BREAK', startsAt: lunch.startsAt, endsAt: lunch.endsAt, label: 'Lunch', slotMinutes: null, consultationType: null,
    });
  });

  test('booked or past time cannot be blocked; a past approved appointment is marked as a no-show after confirming', async () => {
    const client = api();
    renderWith(<DoctorCalendarPage />, { client: client.client, roles: ['DOCTOR'], userId: doctorId });
    const user = userEvent.setup();
    await waitFor(() => expect(cell(/Tue, Dec 8, 9:30 AM–10:00 AM/)).toBeTruthy());
    await user.click(cell(/Tue, Dec 8, 9:30 AM–10:00 AM/));
    expect(screen.getByText(/The selection includes past or booked time/)).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Add break' })).toBeNull();

    await user.click(cell(/Tue, Dec 8, 9:00 AM–9:30 AM: booked, Ana Pop/));
    const panel = await screen.findByTestId('cell-panel');
    await user.click(within(panel).getByRole('button', { name: 'Mark as no-show' }));
    const dialog = await screen.findByRole('dialog', { name: 'Mark Ana Pop as a no-show?' });
    await user.click(within(dialog).getByRole('button', { name: 'Mark as no-show' }));
    await screen.findByText('Ana Pop is recorded as a no-show.');
    expect(client.calls.find((c) => c.name === 'MarkNoShow')?.variables).toEqual({ id: 'a1' });
    await waitFor(() => expect(cell(/Tue, Dec 8, 9:00 AM–9:30 AM: booked, Ana Pop \(No-show\)/)).toBeTruthy());
  });

  test('a break\'s time is changed in the doctor\'s zone (the old one replaced), and Undo puts the old one back', async () => {
    const client = api();
    renderWith(<DoctorCalendarPage />, { client: client.client, roles: ['DOCTOR'], userId: doctorId });
    const user = userEvent.setup();
    await waitFor(() => expect(cell(/^Tue, Dec 8, 12:00 PM–12:30 PM: break \(Lunch\)$/)).toBeTruthy());
    await user.click(cell(/^Tue, Dec 8, 12:00 PM–12:30 PM: break \(Lunch\)$/));
    const panel = await screen.findByTestId('cell-panel');
    await user.click(within(panel).getByRole('button', { name: 'Change time' }));
    fireEvent.change(within(panel).getByLabelText('Starts (America/New_York)'), { target: { value: '12:30' } });
    fireEvent.change(within(panel).getByLabelText('Ends (America/New_York)'), { target: { value: '13:00' } });
    await user.click(within(panel).getByRole('button', { name: 'Save' }));
    await screen.findByText('Moved to Tue, Dec 8, 12:30 PM–1:00 PM (America/New_York).');
    expect(client.calls.find((c) => c.name === 'AddScheduleException')?.variables.input).toMatchObject({ kind: 'BREAK', startsAt: '2026-12-08T17:30:00.000Z', endsAt: '2026-12-08T18:00:00.000Z', label: 'Lunch' });
    expect(client.calls.find((c) => c.name === 'RemoveScheduleException')?.variables).toEqual({ id: 'x1' });
    await waitFor(() => expect(cell(/^Tue, Dec 8, 12:30 PM–1:00 PM: break \(Lunch\)$/)).toBeTruthy());

    await user.click(screen.getByRole('button', { name: 'Undo' }));
    await screen.findByText('Undone.');
    expect(client.calls.filter((c) => c.name === 'RemoveScheduleException').at(-1)?.variables).toEqual({ id: 'x11' });
    expect(client.calls.filter((c) => c.name === 'AddScheduleException').at(-1)?.variables.input).toMatchObject({ startsAt: lunch.startsAt, endsAt: lunch.endsAt, label: 'Lunch' });
    await waitFor(() => expect(cell(/^Tue, Dec 8, 12:00 PM–12:30 PM: break \(Lunch\)$/)).toBeTruthy());
  });

  test('free times beyond the first page are read too', async () => {
    const paged = fixedClient({
      MyDoctorProfile: () => ({ data: { me: { __typename: 'User', id: doctorId, doctorProfile: { __typename: 'DoctorProfile', specialisations: [], languages: ['en'], timeZone: 'America/New_York', consultationTypes: ['IN_PERSON'], clinic: null } } } }),
      ScheduleRules: () => ({ data: { scheduleRules: [rule] } }),
      CalendarAppointments: () => ({ data: { myAppointments: [] } }),
      CalendarExceptions: () => ({ data: { scheduleExceptions: [] } }),
      DoctorFreeSlots: (v) =>
        (v.search as { after?: string }).after === 'c1'
          ? { data: { availableSlots: { __typename: 'SlotPage', slots: free.slice(2), endCursor: null, hasNextPage: false } } }
          : { data: { availableSlots: { __typename: 'SlotPage', slots: free.slice(0, 2), endCursor: 'c1', hasNextPage: true } } },
    });
    renderWith(<DoctorCalendarPage />, { client: paged.client, roles: ['DOCTOR'], userId: doctorId });
    await waitFor(() => expect(cell(/^Tue, Dec 8, 11:30 AM–12:00 PM: free$/)).toBeTruthy());
    expect(cell(/^Tue, Dec 8, 10:30 AM–11:00 AM: free$/)).toBeTruthy();
  });
});
