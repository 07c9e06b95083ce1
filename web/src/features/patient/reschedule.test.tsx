// Rescheduling on the component level: the dialog offers the same doctor's free week and moves the
// appointment to the chosen time only after a confirmation that states what happens to its status.
import { afterAll, describe, expect, test, vi } from 'vitest';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { MyAppointmentsPage } from './MyAppointmentsPage.tsx';
import { fixedClient, renderWith } from '../../test/fixed-client.tsx';
import { addDays, startOfWeek } from '../../lib/dates.ts';

const doctor = { __typename: 'User', id: 'd1', displayName: 'Dr Ana Pop' };
// The fixtures' times are fixed (an appointment on 2026-12-01 08:00 UTC): the clock is too, from before the new
// time below is chosen in its week, or the appointment turns "past" once the real day passes it (these tests failed
// from that morning on).
vi.useFakeTimers({ toFake: ['Date'] });
vi.setSystemTime(new Date('2026-11-29T12:00:00.000Z'));
afterAll(() => {
  vi.useRealTimers();
});

const newTime = (() => {
  const d = addDays(startOfWeek(new Date()), 3);
  d.setHours(11, 0, 0, 0);
  return d.toISOString();
})();

function api(keepsApproval: boolean) {
  return fixedClient({
      MyAppointments: () => ({
        data: {
          myAppointments: [
            {
              __typename: 'Appointment',
              id: 'a1',
              status: 'APPROVED',
              startsAt: '2026-12-01T08:00:00.000Z',
              endsAt: '2026-12-01T08:30:00.000Z',
              consultationType: 'IN_PERSON',
              category: 'ROUTINE',
              priority: 0,
              reason: null,
              doctor,
              patient: { __typename: 'User', id: 'p1', displayName: 'Ion Popescu' },
              history: [],
            },
          ],
        },
      }),
      AvailableSlots: () => ({
        data: {
          availableSlots: {
            __typename: 'SlotPage',
            hasNextPage: false,
            endCursor: null,
            slots: [{ __typename: 'Slot', doctor, startsAt: newTime, endsAt: newTime, consultationType: 'IN_PERSON', emergency: false }],
          },
        },
      }),
      AppointmentPolicy: (v) => ({ data: { appointment: { __typename: 'Appointment', id: v.id, changeDeadline: '2026-11-30T08:00:00.000Z', rescheduleKeepsApproval: keepsApproval } } }),
      RescheduleAppointment: (v) => ({ data: { rescheduleAppointment: { __typename: 'Appointment', id: v.id, status: 'APPROVED', startsAt: v.startsAt, endsAt: v.startsAt } } }),
  });
}

async function chooseNewTime(client: ReturnType<typeof api>) {
  renderWith(<MyAppointmentsPage />, { client: client.client });
  const user = userEvent.setup();
  await user.click(await screen.findByRole('button', { name: 'Reschedule' }));
  const dialog = await screen.findByRole('dialog', { name: 'Choose a new time' });
  await user.click(await within(dialog).findByRole('button', { name: /^Request .*Dr Ana Pop/ }));
  return { user, confirm: await screen.findByRole('dialog', { name: 'Move your appointment?' }) };
}

describe('reschedule', () => {
  test('states that an approved appointment becomes a request again, and moves it only when confirmed', async () => {
    const client = api(false);
    const { user, confirm } = await chooseNewTime(client);
    expect(confirm.textContent).toMatch(/must be approved by the doctor again/);
    expect(confirm.textContent).toMatch(/You can change or cancel it yourself until/);
    expect(client.calls.some((c) => c.name === 'RescheduleAppointment')).toBe(false);
    await user.click(within(confirm).getByRole('button', { name: 'Move it' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(client.calls.find((c) => c.name === 'AvailableSlots')!.variables.search).toMatchObject({ doctorIds: ['d1'] });
    expect(client.calls.find((c) => c.name === 'RescheduleAppointment')!.variables).toMatchObject({ id: 'a1', startsAt: newTime });
  });

  test('says it stays approved when the doctor approves automatically; Cancel goes back without moving', async () => {
    const client = api(true);
    const { user, confirm } = await chooseNewTime(client);
    expect(confirm.textContent).toMatch(/stays approved at the new time/);
    await user.click(within(confirm).getByRole('button', { name: 'Cancel' }));
    await screen.findByRole('dialog', { name: 'Choose a new time' });
    expect(client.calls.some((c) => c.name === 'RescheduleAppointment')).toBe(false);
  });
});
