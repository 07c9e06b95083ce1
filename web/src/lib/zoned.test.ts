// Wall clocks in the doctor's zone, whatever the browser's: New York 09:00 is the same instant from
// anywhere, daylight-saving days included.
import { describe, expect, test } from 'vitest';
import { addLocalDays, mondayOf, zonedInstant, zonedParts } from './zoned.ts';

describe('zoned wall clock', () => {
  test('a local time in New York is one instant, in winter and summer', () => {
    expect(zonedInstant('2026-12-08', '09:00', 'America/New_York').toISOString()).toBe('2026-12-08T14:00:00.000Z');
    expect(zonedInstant('2026-07-08', '09:00', 'America/New_York').toISOString()).toBe('2026-07-08T13:00:00.000Z');
    expect(zonedInstant('2026-12-08', '00:00', 'Europe/Bucharest').toISOString()).toBe('2026-12-07T22:00:00.000Z');
  });

  test('on the day the clocks go forward, times after the jump keep their wall clock', () => {
    expect(zonedInstant('2027-03-28', '05:00', 'Europe/Bucharest').toISOString()).toBe('2027-03-28T02:00:00.000Z');
    expect(zonedInstant('2027-03-28', '02:00', 'Europe/Bucharest').toISOString()).toBe('2027-03-28T00:00:00.000Z');
  });

  test('an instant read back in the zone; weeks start on Monday', () => {
    expect(zonedParts('2026-12-08T14:30:00Z', 'America/New_York')).toEqual({ date: '2026-12-08', time: '09:30', minutes: 570, weekday: 2 });
    expect(mondayOf('2026-12-13')).toBe('2026-12-07');
    expect(addLocalDays('2026-12-31', 1)).toBe('2027-01-01');
  });
});
