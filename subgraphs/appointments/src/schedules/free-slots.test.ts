// Free slots: rules minus exceptions and breaks minus live appointments, in the doctor's local time.
import { DateTime } from 'luxon';
import { freeSlots, localDayWindow, type RuleInput, type SlotQuery } from './free-slots.ts';

const zone = 'Europe/Bucharest';
const doctorId = 'd1';
const rule: RuleInput = {
  doctorId, kind: 'WEEKLY', weekdays: [1, 2, 3, 4, 5], rrule: null, startTime: '09:00', endTime: '12:00',
  validFrom: '2026-01-01', validUntil: null, slotMinutes: 30, bufferMinutes: 0, consultationType: 'IN_PERSON',
};
const at = (iso: string) => DateTime.fromISO(iso, { zone }).toMillis();
const base = (over: Partial<SlotQuery> = {}): SlotQuery => ({
  doctors: [{ doctorId, timeZone: zone }], rules: [rule], exceptions: [], busy: [],
  from: new Date('2026-03-30T00:00:00Z'), to: new Date('2026-03-31T00:00:00Z'),
  includeEmergency: false, now: new Date('2026-03-01T00:00:00Z'), minNoticeMinutes: 60, horizonDays: 90, ...over,
});
const times = (q: SlotQuery) => freeSlots(q).map((s) => DateTime.fromMillis(s.start, { zone }).toFormat('HH:mm'));

test('a morning of 30-minute slots, with a buffer shifting the cadence', () => {
  expect(times(base())).toEqual(['09:00', '09:30', '10:00', '10:30', '11:00', '11:30']);
  expect(times(base({ rules: [{ ...rule, bufferMinutes: 15 }] }))).toEqual(['09:00', '09:45', '10:30', '11:15']);
});

test('breaks and days off remove slots; extra hours add them; clinic holidays apply to everyone', () => {
  const brk = { doctorId, kind: 'BREAK' as const, start: at('2026-03-30T10:00'), end: at('2026-03-30T11:00'), slotMinutes: null, consultationType: null };
  expect(times(base({ exceptions: [brk] }))).toEqual(['09:00', '09:30', '11:00', '11:30']);
  const dayOff = { ...brk, kind: 'DAY_OFF' as const, ...localDayWindow(zone, '2026-03-30') };
  expect(times(base({ exceptions: [dayOff] }))).toEqual([]);
  const holiday = { ...dayOff, doctorId: null, kind: 'HOLIDAY' as const };
  expect(times(base({ exceptions: [holiday] }))).toEqual([]);
  const extra = { doctorId, kind: 'EXTRA_HOURS' as const, start: at('2026-03-30T17:00'), end: at('2026-03-30T18:00'), slotMinutes: 30, consultationType: 'IN_PERSON' };
  expect(times(base({ exceptions: [extra] }))).toEqual(['09:00', '09:30', '10:00', '10:30', '11:00', '11:30', '17:00', '17:30']);
});

test('emergency slots are held back from patients but visible to staff', () => {
  const emergency = { doctorId, kind: 'EMERGENCY' as const, start: at('2026-03-30T11:00'), end: at('2026-03-30T12:00'), slotMinutes: 30, consultationType: 'IN_PERSON' };
  expect(times(base({ exceptions: [emergency] }))).toEqual(['09:00', '09:30', '10:00', '10:30']);
  const staff = freeSlots(base({ exceptions: [emergency], includeEmergency: true }));
  expect(staff.filter((s) => s.emergency).map((s) => DateTime.fromMillis(s.start, { zone }).toFormat('HH:mm'))).toEqual(['11:00', '11:30']);
});

test('live appointments, minimum notice and the horizon remove slots', () => {
  const busy = [{ doctorId, start: at('2026-03-30T09:30'), end: at('2026-03-30T10:30') }];
  expect(times(base({ busy }))).toEqual(['09:00', '10:30', '11:00', '11:30']);
  expect(times(base({ now: new Date(at('2026-03-30T09:10')) }))).toEqual(['10:30', '11:00', '11:30']);
  expect(times(base({ horizonDays: 1 }))).toEqual([]);
});

test('slots stay at 09:00 local on both sides of the change, ordered across doctors and zones', () => {
  const ny = { ...rule, doctorId: 'd2' };
  const slots = freeSlots(base({
    doctors: [{ doctorId, timeZone: zone }, { doctorId: 'd2', timeZone: 'America/New_York' }],
    rules: [rule, ny], from: new Date('2026-03-27T00:00:00Z'), to: new Date('2026-03-31T00:00:00Z'),
  }));
  const firsts = slots.filter((s) => DateTime.fromMillis(s.start, { zone: s.doctorId === 'd2' ? 'America/New_York' : zone }).toFormat('HH:mm') === '09:00');
  expect(firsts.map((s) => `${s.doctorId} ${new Date(s.start).toISOString()}`)).toEqual([
    'd1 2026-03-27T07:00:00.000Z', 'd2 2026-03-27T13:00:00.000Z', 'd1 2026-03-30T06:00:00.000Z', 'd2 2026-03-30T13:00:00.000Z',
  ]);
  expect(slots.every((s, i) => i === 0 || slots[i - 1]!.start <= s.start)).toBe(true);
});
