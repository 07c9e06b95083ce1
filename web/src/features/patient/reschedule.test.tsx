// Rescheduling on the component level: the dialog offers the same doctor's free week and moves the
// appointment to the chosen time.
import { describe, expect, test } from 'vitest';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { MyAppointmentsPage } from './MyAppointmentsPage.tsx';
import { fixedClient, renderWith } from '../../test/fixed-client.tsx';
import { addDays, startOfWeek } from '../../lib/dates.ts';

const doctor = { __typename: 'User', id: 'd1', displayName: 'Dr Ana Pop' };
const newTime = (() => {
  const d = addDays(startOfWeek(new Date()), 3);
  d.setHours(11, 0, 0, 0);
  return d.toISOString();
})();

describe('reschedule', () => {
  test('moves an appointment to another free time of the same doctor', async () => {
    const api = fixedClient({
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
      RescheduleAppointment: (v) => ({ data: { rescheduleAppointment: { __typename: 'Appointment', id: v.id, status: 'APPROVED', startsAt: v.startsAt, endsAt: v.startsAt } } }),
    });
    renderWith(<MyAppointmentsPage />, { client: api.client });
    const user = userEvent.setup();
    await user.click(await screen.findByRole('button', { name: 'Reschedule' }));
    const dialog = await screen.findByRole('dialog', { name: 'Choose a new time' });
    await user.click(await within(dialog).findByRole('button', { name: /^Request .*Dr Ana Pop/ }));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(api.calls.find((c) => c.name === 'AvailableSlots')!.variables.search).toMatchObject({ doctorIds: ['d1'] });
    expect(api.calls.find((c) => c.name === 'RescheduleAppointment')!.variables).toMatchObject({ id: 'a1', startsAt: newTime });
  });
});
