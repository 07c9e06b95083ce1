// Free slots: rules minus exceptions and breaks minus live appointments, in the doctor's local time.
import { DateTime } from 'luxon';
import { freeSlots, type RuleInput, type SlotQuery } from './free-slots.ts';
import { localDaysWindow } from './local-time.ts';

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
  const dayOff = { ...brk, kind: 'DAY_OFF' as const, ...localDaysWindow(zone, '2026-03-30', '2026-03-30') };
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

test('a day off by local date is that whole day in the doctor zone; a clinic holiday by date, in each doctor zone', () => {
  const ny = { ...rule, doctorId: 'd2' };
  const q = base({
    doctors: [{ doctorId, timeZone: zone }, { doctorId: 'd2', timeZone: 'America/New_York' }],
    rules: [rule, ny], from: new Date('2026-03-30T00:00:00Z'), to: new Date('2026-04-01T00:00:00Z'),
  });
  const days = (slots: ReturnType<typeof freeSlots>) =>
    slots.map((s) => `${s.doctorId} ${DateTime.fromMillis(s.start, { zone: s.doctorId === 'd2' ? 'America/New_York' : zone }).toISODate()}`);
  const span = { start: Date.parse('2026-03-30T00:00:00Z') - 15 * 3_600_000, end: Date.parse('2026-03-31T00:00:00Z') + 15 * 3_600_000 };
  const dayOff = { doctorId, kind: 'DAY_OFF' as const, ...span, startDate: '2026-03-30', endDate: '2026-03-30', slotMinutes: null, consultationType: null };
  expect(new Set(days(freeSlots({ ...q, exceptions: [dayOff] })))).toEqual(new Set(['d1 2026-03-31', 'd2 2026-03-30', 'd2 2026-03-31']));
  const holiday = { ...dayOff, doctorId: null, kind: 'HOLIDAY' as const };
  expect(new Set(days(freeSlots({ ...q, exceptions: [holiday] })))).toEqual(new Set(['d1 2026-03-31', 'd2 2026-03-31']));
});

test('a search starting on a day without midnight keeps the next day early slots, window by window', () => {
  const santiago = 'America/Santiago';
  const early = { ...rule, weekdays: [1, 2, 3, 4, 5, 6, 7], startTime: '00:00', endTime: '02:00' };
  // 2027-09-05 has no 00:00 in Santiago (00:00 -04 → 01:00 -03 at 04:00Z); the search starts at that jump.
  const from = Date.parse('2027-09-05T04:00:00Z');
  const q = base({ doctors: [{ doctorId, timeZone: santiago }], rules: [early], from: new Date(from), to: new Date(from + 3 * 86_400_000), now: new Date('2027-09-01T00:00:00Z') });
  const local = (slots: ReturnType<typeof freeSlots>) => slots.map((s) => DateTime.fromMillis(s.start, { zone: santiago }).toFormat("MM-dd'T'HH:mm"));
  const whole = local(freeSlots(q));
  expect(whole).toEqual(['09-05T01:00', '09-05T01:30', '09-06T00:00', '09-06T00:30', '09-06T01:00', '09-06T01:30', '09-07T00:00', '09-07T00:30', '09-07T01:00', '09-07T01:30', '09-08T00:00', '09-08T00:30']);
  // The same search cut into one-day windows (as paging does) loses nothing.
  const paged = [0, 1, 2].flatMap((d) => local(freeSlots({ ...q, from: new Date(from + d * 86_400_000), startsBefore: from + (d + 1) * 86_400_000 })));
  expect(paged).toEqual(whole);
});
