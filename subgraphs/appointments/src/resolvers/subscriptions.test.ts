// One published appointment change becomes the same slot-change objects for every subscriber of the doctor,
// so the kit can execute them once for all (they read nothing of the caller).
import type { AppointmentChangePayload } from '../booking/record.ts';
import { sharedSlotChangesOf, slotChangesOf } from './subscriptions.ts';

const change = (): AppointmentChangePayload => ({
  appointmentId: 'a1',
  doctorId: 'd1',
  patientId: 'p1',
  status: 'APPROVED',
  previousStatus: 'APPROVED',
  startsAt: '2026-12-01T09:00:00.000Z',
  endsAt: '2026-12-01T09:30:00.000Z',
  previousStartsAt: '2026-12-01T08:00:00.000Z',
  previousEndsAt: '2026-12-01T08:30:00.000Z',
  consultationType: 'IN_PERSON',
  priority: 0,
  occurredAt: '2026-11-30T20:00:00.000Z',
});

test("every subscriber of one published change gets the same slot-change objects, another change its own", () => {
  const published = change();
  const first = sharedSlotChangesOf(published);
  const second = sharedSlotChangesOf(published);
  expect(second).toHaveLength(2);
  second.forEach((slot, i) => expect(slot).toBe(first[i]));
  expect(first).toEqual(slotChangesOf(published));
  expect(sharedSlotChangesOf(change())[0]).not.toBe(first[0]);
});
