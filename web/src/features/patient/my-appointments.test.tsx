// My appointments on the component level: the doctor's decision arrives over the subscription and the
// status changes on screen without a reload; an empty list says what to do next.
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { screen, waitFor } from '@testing-library/react';
import { MyAppointmentsPage } from './MyAppointmentsPage.tsx';
import { fixedClient, renderWith } from '../../test/fixed-client.tsx';

const appointment = (status: string) => ({
  __typename: 'Appointment',
  id: 'a1',
  status,
  startsAt: '2026-12-01T08:00:00.000Z',
  endsAt: '2026-12-01T08:30:00.000Z',
  consultationType: 'IN_PERSON',
  category: 'ROUTINE',
  priority: 0,
  reason: 'Persistent cough',
  doctor: { __typename: 'User', id: 'd1', displayName: 'Dr Ana Pop' },
  patient: { __typename: 'User', id: 'p1', displayName: 'Ion Popescu' },
  history: [],
});

// The fixtures' times are fixed (an appointment on 2026-12-01 08:00 UTC): the clock is too, or the appointment
// turns "past" once the real day passes it (these tests failed from that morning on).
beforeAll(() => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(new Date('2026-11-29T12:00:00.000Z'));
});
afterAll(() => {
  vi.useRealTimers();
});

describe('my appointments', () => {
  test('the status changes live when the doctor decides', async () => {
    let status = 'REQUESTED';
    const api = fixedClient({ MyAppointments: () => ({ data: { myAppointments: [appointment(status)] } }) });
    renderWith(<MyAppointmentsPage />, { client: api.client });
    expect((await screen.findByText('Requested')).closest('[data-status]')?.getAttribute('data-status')).toBe('REQUESTED');
    await waitFor(() => expect(api.calls.some((c) => c.name === 'MyAppointmentStatusChanged')).toBe(true));

    status = 'APPROVED';
    api.push('MyAppointmentStatusChanged', {
      myAppointmentStatusChanged: {
        __typename: 'AppointmentStatusChange',
        appointmentId: 'a1',
        status: 'APPROVED',
        previousStatus: 'REQUESTED',
        startsAt: '2026-12-01T08:00:00.000Z',
        occurredAt: '2026-11-24T10:00:00.000Z',
      },
    });
    expect(await screen.findByText('Approved')).toBeTruthy();
    expect(screen.queryByText('Requested')).toBeNull();
  });

  test('a declined request shows the patient the doctor\'s reason', async () => {
    const declined = {
      ...appointment('DECLINED'),
      history: [
        { __typename: 'AppointmentEvent', id: 'e1', toStatus: 'REQUESTED', reason: null, occurredAt: '2026-11-24T08:00:00.000Z' },
        { __typename: 'AppointmentEvent', id: 'e2', toStatus: 'DECLINED', reason: 'Please see a cardiologist first', occurredAt: '2026-11-24T09:00:00.000Z' },
      ],
    };
    const api = fixedClient({ MyAppointments: () => ({ data: { myAppointments: [declined] } }) });
    renderWith(<MyAppointmentsPage />, { client: api.client, path: '/appointments?tab=cancelled' });
    expect(await screen.findByText("Doctor's note: Please see a cardiologist first")).toBeTruthy();
  });

  test('no appointments: the empty state points to finding a doctor', async () => {
    const api = fixedClient({ MyAppointments: () => ({ data: { myAppointments: [] } }) });
    renderWith(<MyAppointmentsPage />, { client: api.client });
    expect(await screen.findByText(/You have no appointments yet/)).toBeTruthy();
    expect(screen.getByRole('link', { name: 'Find a doctor' }).getAttribute('href')).toBe('/find');
  });
});
