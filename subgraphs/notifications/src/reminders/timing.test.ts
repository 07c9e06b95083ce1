// Reminder instants and quiet hours across daylight-saving changes (Europe/Bucharest: 29 Mar 2026 03:00→04:00,
// 25 Oct 2026 04:00→03:00) and for a zone on the other side of the world.
import { afterQuietHours, dueInstants, localTime } from './timing.ts';
import { offsetsFor, DEFAULT_NOTIFICATION_POLICY } from '../policy.ts';
import { DateTime } from 'luxon';

const iso = (d: Date) => d.toISOString();

test('24 h and 1 h reminders are due 1440 and 60 real minutes before the start', () => {
  const startsAt = new Date('2026-06-10T07:00:00Z'); // 10:00 in Bucharest
  expect(dueInstants(startsAt, [1440, 60]).map((d) => [d.offsetMinutes, iso(d.dueAt)])).toEqual([
    [1440, '2026-06-09T07:00:00.000Z'],
    [60, '2026-06-10T06:00:00.000Z'],
  ]);
});

test('across a DST change the 24 h reminder is 24 real hours before (the local clock shows 09:00 or 11:00, not 10:00)', () => {
  // Sunday 29 March 2026 10:00 Bucharest (EEST, UTC+3) = 07:00Z; the clocks moved forward at 03:00 that night.
  const startsAt = DateTime.fromISO('2026-03-29T10:00', { zone: 'Europe/Bucharest' }).toJSDate();
  expect(iso(startsAt)).toBe('2026-03-29T07:00:00.000Z');
  const [day, hour] = dueInstants(startsAt, [1440, 60]);
  expect(iso(day!.dueAt)).toBe('2026-03-28T07:00:00.000Z');
  expect(DateTime.fromJSDate(day!.dueAt, { zone: 'Europe/Bucharest' }).toFormat('yyyy-MM-dd HH:mm')).toBe('2026-03-28 09:00');
  expect(iso(hour!.dueAt)).toBe('2026-03-29T06:00:00.000Z');
  // Autumn: Sunday 25 October 2026 10:00 EET = 08:00Z; 24 h before is Saturday 08:00Z = 11:00 EEST.
  const autumn = DateTime.fromISO('2026-10-25T10:00', { zone: 'Europe/Bucharest' }).toJSDate();
  const autumnDue = dueInstants(autumn, [1440])[0]!.dueAt;
  expect(iso(autumnDue)).toBe('2026-10-24T08:00:00.000Z');
  expect(DateTime.fromJSDate(autumnDue, { zone: 'Europe/Bucharest' }).toFormat('HH:mm')).toBe('11:00');
});

test('quiet hours 22:00–07:00 defer to 07:00 local the next morning, DST-correct', () => {
  const zone = 'Europe/Bucharest';
  const q = { start: '22:00', end: '07:00' };
  const at = (local: string) => DateTime.fromISO(local, { zone }).toJSDate();
  expect(iso(afterQuietHours(at('2026-06-10T23:30'), zone, q))).toBe(iso(at('2026-06-11T07:00')));
  expect(iso(afterQuietHours(at('2026-06-11T05:00'), zone, q))).toBe(iso(at('2026-06-11T07:00')));
  expect(iso(afterQuietHours(at('2026-06-11T12:00'), zone, q))).toBe(iso(at('2026-06-11T12:00')));
  // The night of 28→29 March is an hour shorter: 23:00 EET (21:00Z) waits until 07:00 EEST (04:00Z), 7 h.
  const night = afterQuietHours(at('2026-03-28T23:00'), zone, q);
  expect(iso(night)).toBe('2026-03-29T04:00:00.000Z');
  expect((night.getTime() - at('2026-03-28T23:00').getTime()) / 3_600_000).toBe(7);
  // The night of 24→25 October is an hour longer: 9 h.
  const autumn = afterQuietHours(at('2026-10-24T23:00'), zone, q);
  expect((autumn.getTime() - at('2026-10-24T23:00').getTime()) / 3_600_000).toBe(9);
});

test('quiet hours are read in the recipient zone, not the server zone', () => {
  // 12:00Z is 08:00 in New York (outside 22–07) but 21:00 in Tokyo (outside), 23:00 in Sydney (inside).
  const q = { start: '22:00', end: '07:00' };
  const at = new Date('2026-06-10T12:00:00Z');
  expect(afterQuietHours(at, 'America/New_York', q)).toEqual(at);
  expect(iso(afterQuietHours(at, 'Australia/Sydney', q))).toBe('2026-06-10T21:00:00.000Z');
  // same-day window 13:00–15:00
  expect(iso(afterQuietHours(new Date('2026-06-10T11:00:00Z'), 'Europe/Bucharest', { start: '13:00', end: '15:00' }))).toBe('2026-06-10T12:00:00.000Z');
});

test('offsets: the patient choice or the defaults, plus the extras of the consultation type', () => {
  expect(offsetsFor(DEFAULT_NOTIFICATION_POLICY, 'IN_PERSON', null)).toEqual([1440, 60]);
  expect(offsetsFor(DEFAULT_NOTIFICATION_POLICY, 'VIDEO', null)).toEqual([1440, 60, 15]);
  expect(offsetsFor(DEFAULT_NOTIFICATION_POLICY, 'IN_PERSON', [2880])).toEqual([2880]);
});

test('times are written in the recipient zone and language', () => {
  const at = new Date('2026-06-10T07:00:00Z');
  expect(localTime(at, 'Europe/Bucharest', 'ro')).toMatch(/miercuri.*10 iunie 2026.*10:00/);
  expect(localTime(at, 'America/New_York', 'en')).toMatch(/Wednesday.*10 June 2026.*03:00/);
});
