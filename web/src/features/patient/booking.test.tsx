// The booking flow on the component level: search → doctor card (next time bookable at once) → the
// doctor's day strip → pick a time → reason → request; a time taken by someone else disappears live;
// a lost race is explained in words, and an overlap with one's own appointment is not called a race.
import { describe, expect, test } from 'vitest';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { FindDoctorPage } from './FindDoctorPage.tsx';
import { fixedClient, renderWith, type Handler } from '../../test/fixed-client.tsx';
import { addDays, startOfWeek } from '../../lib/dates.ts';

const doctor = { __typename: 'User', id: '22222222-2222-4222-8222-222222222222', displayName: 'Dr Ana Pop' };
const monday = startOfWeek(new Date());
const at = (days: number, hour: number) => {
  const d = addDays(monday, days);
  d.setHours(hour, 0, 0, 0);
  return d.toISOString();
};
const slot = (startsAt: string) => ({
  __typename: 'Slot',
  doctor,
  startsAt,
  endsAt: new Date(new Date(startsAt).getTime() + 30 * 60_000).toISOString(),
  consultationType: 'in-person',
  emergency: false,
});
const first = at(2, 9);
const second = at(2, 10);

function slotsHandler(): Handler {
  return () => ({ data: { availableSlots: { __typename: 'SlotPage', slots: [slot(first), slot(second)], hasNextPage: false, endCursor: null } } });
}
const profile = { __typename: 'DoctorProfile', specialisations: ['Cardiology'], languages: ['ro', 'en'], clinic: 'Clinica Centrală', bio: 'Heart rhythm.', timeZone: 'Europe/Bucharest', consultationTypes: ['IN_PERSON', 'VIDEO'] };
const searchHandler: Handler = () => ({
  data: {
    availableSlots: {
      __typename: 'SlotPage',
      slots: [first, second].map((s) => ({ ...slot(s), doctor: { ...doctor, doctorProfile: profile } })),
      hasNextPage: false,
      endCursor: null,
    },
  },
});
const handlers = (extra: Record<string, Handler> = {}) => ({ AvailableSlots: slotsHandler(), SearchDoctors: searchHandler, SearchSuggestions: () => ({ data: { searchSuggestions: [] } }), ...extra });
const doctorPage = `/find?doctor=${doctor.id}`;

describe('doctor cards', () => {
test('a doctor card shows specialities, languages as words, and books its next time in one step', async () => {
  const api = fixedClient(handlers({
    SearchSuggestions: () => ({ data: { searchSuggestions: [{ __typename: 'SearchSuggestion', kind: 'SPECIALITY', value: 'Cardiology' }, { __typename: 'SearchSuggestion', kind: 'LANGUAGE', value: 'ro' }] } }),
  }));
  renderWith(<FindDoctorPage />, { client: api.client, path: '/find' });
  const user = userEvent.setup();
  const card = await screen.findByRole('article', { name: 'Doctor Dr Ana Pop' });
  expect(card.textContent).toMatch(/Cardiology/);
  expect(card.textContent).toMatch(/Speaks Romanian, English/);
  expect(card.textContent).toMatch(/Video/);
  await user.type(screen.getByLabelText('Speciality or language'), 'cardio');
  expect(await screen.findByRole('option', { name: 'Romanian' })).toBeTruthy();
  await waitFor(() => expect(api.calls.some((c) => c.name === 'SearchSuggestions' && c.variables.text === 'cardio')).toBe(true));
  await user.click(within(card).getByRole('button', { name: /^Book .* with Dr Ana Pop/ }));
  const dialog = await screen.findByRole('dialog', { name: 'Request an appointment' });
  expect(dialog.textContent).toMatch(/Dr Ana Pop/);
});
});

describe('booking flow', () => {
  test('a patient picks a free time, writes a reason and sends the request', async () => {
    let booked = false; // the server stops offering the requested time once it is booked
    const api = fixedClient(handlers({
      AvailableSlots: () => ({ data: { availableSlots: { __typename: 'SlotPage', slots: (booked ? [second] : [first, second]).map(slot), hasNextPage: false, endCursor: null } } }),
      RequestAppointment: (v) => {
        booked = true;
        return { data: { requestAppointment: { __typename: 'Appointment', id: 'a1', status: 'REQUESTED', startsAt: (v.input as { startsAt: string }).startsAt, endsAt: first } } };
      },
    }));
    renderWith(<FindDoctorPage />, { client: api.client, path: doctorPage });
    const user = userEvent.setup();

    expect(await screen.findByRole('article', { name: 'Doctor Dr Ana Pop' })).toBeTruthy();
    const times = await screen.findAllByRole('button', { name: /^Request .*Dr Ana Pop/ });
    expect(times).toHaveLength(2);
    // The search asked for this week in the viewer's zone.
    const search = api.calls.find((c) => c.name === 'SearchDoctors')!.variables.search as Record<string, unknown>;
    expect(search.from).toBe(monday.toISOString());
    expect(search.timeZone).toBe(Intl.DateTimeFormat().resolvedOptions().timeZone);

    await user.click(times[0]!);
    const dialog = await screen.findByRole('dialog', { name: 'Request an appointment' });
    await user.type(within(dialog).getByLabelText('Reason'), 'Persistent cough for two weeks');
    await user.click(within(dialog).getByRole('button', { name: 'Send request' }));

    await screen.findByText(/Request sent/);
    const request = api.calls.find((c) => c.name === 'RequestAppointment')!;
    expect(request.variables.input).toEqual({
      doctorId: doctor.id,
      startsAt: first,
      consultationType: 'in-person',
      category: 'ROUTINE',
      reason: 'Persistent cough for two weeks',
    });
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    // The requested time is no longer offered.
    expect(document.querySelector(`[data-slot="${first}"]`)).toBeNull();
    expect(document.querySelector(`[data-slot="${second}"]`)).not.toBeNull();
  });

  test('a time taken by someone else disappears live', async () => {
    let taken = false; // someone else books the second time: the server stops offering it
    const api = fixedClient(handlers({ AvailableSlots: () => ({ data: { availableSlots: { __typename: 'SlotPage', slots: (taken ? [first] : [first, second]).map(slot), hasNextPage: false, endCursor: null } } }) }));
    renderWith(<FindDoctorPage />, { client: api.client, path: doctorPage });
    await screen.findAllByRole('button', { name: /^Request / });
    await waitFor(() => expect(api.calls.some((c) => c.name === 'SlotAvailabilityChanged' && c.variables.doctorId === doctor.id)).toBe(true));

    taken = true;
    api.push('SlotAvailabilityChanged', {
      slotAvailabilityChanged: { __typename: 'SlotAvailabilityChange', doctorId: doctor.id, startsAt: second, endsAt: second, available: false },
    });
    await waitFor(() => expect(document.querySelector(`[data-slot="${second}"]`)).toBeNull());
    expect(document.querySelector(`[data-slot="${first}"]`)).not.toBeNull();
  });

  test('losing the race for a time is explained in a sentence', async () => {
    const api = fixedClient(handlers({ RequestAppointment: () => ({ errorCode: 'CONFLICT', message: 'slot taken', extensions: { reason: 'SLOT_TAKEN' } }) }));
    renderWith(<FindDoctorPage />, { client: api.client, path: doctorPage });
    const user = userEvent.setup();
    const times = await screen.findAllByRole('button', { name: /^Request / });
    await user.click(times[1]!);
    const dialog = await screen.findByRole('dialog');
    await user.click(within(dialog).getByRole('button', { name: 'Send request' }));
    expect((await screen.findByRole('alert')).textContent).toMatch(/just taken by someone else/);
  });

  test('an overlap with one\'s own appointment is said as such, in the dialog, not blamed on a race', async () => {
    const api = fixedClient(handlers({ RequestAppointment: () => ({ errorCode: 'CONFLICT', message: 'overlap', extensions: { reason: 'OVERLAPS_OWN_APPOINTMENT' } }) }));
    renderWith(<FindDoctorPage />, { client: api.client, path: doctorPage });
    const user = userEvent.setup();
    await user.click((await screen.findAllByRole('button', { name: /^Request / }))[0]!);
    const dialog = await screen.findByRole('dialog');
    await user.click(within(dialog).getByRole('button', { name: 'Send request' }));
    const alert = await within(dialog).findByRole('alert');
    expect(alert.textContent).toMatch(/You already have an appointment at this time/);
    expect(alert.textContent).not.toMatch(/someone else/i);
  });

  test('an empty search says what to do next', async () => {
    const api = fixedClient(handlers({ SearchDoctors: () => ({ data: { availableSlots: { __typename: 'SlotPage', slots: [], hasNextPage: false, endCursor: null } } }) }));
    renderWith(<FindDoctorPage />, { client: api.client, path: '/find?q=nothing' });
    expect(await screen.findByText(/No doctor matches/)).toBeTruthy();
  });
});
