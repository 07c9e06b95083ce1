// Rule expansion is exactly right about local time across daylight-saving changes.
import { DateTime } from 'luxon';
import { expandRule, ruleProblem, slotsOfWindow, type RuleShape } from './weekly-rule.ts';

const weekdays9to13: RuleShape = { kind: 'WEEKLY', weekdays: [1, 2, 3, 4, 5], rrule: null, startTime: '09:00', endTime: '13:00', validFrom: '2026-01-01', validUntil: null };
const local = (ms: number, zone: string) => DateTime.fromMillis(ms, { zone }).toFormat("yyyy-MM-dd'T'HH:mm");

test('Europe/Bucharest: 09:00 local stays 09:00 across the spring-forward change (29 March 2026)', () => {
  const zone = 'Europe/Bucharest';
  const windows = expandRule(weekdays9to13, zone, new Date('2026-03-26T00:00:00Z'), new Date('2026-04-01T00:00:00Z'));
  expect(windows.map((w) => local(w.start, zone))).toEqual(['2026-03-26T09:00', '2026-03-27T09:00', '2026-03-30T09:00', '2026-03-31T09:00']);
  // UTC offset moves from +02:00 to +03:00: 07:00Z before, 06:00Z after.
  expect(new Date(windows[1]!.start).toISOString()).toBe('2026-03-27T07:00:00.000Z');
  expect(new Date(windows[2]!.start).toISOString()).toBe('2026-03-30T06:00:00.000Z');
  expect(windows.every((w) => w.end - w.start === 4 * 3_600_000)).toBe(true);
});

test('Europe/Bucharest: the autumn change (25 October 2026) keeps 09:00 local', () => {
  const zone = 'Europe/Bucharest';
  const windows = expandRule(weekdays9to13, zone, new Date('2026-10-23T00:00:00Z'), new Date('2026-10-27T00:00:00Z'));
  expect(windows.map((w) => new Date(w.start).toISOString())).toEqual(['2026-10-23T06:00:00.000Z', '2026-10-26T07:00:00.000Z']);
});

test('America/New_York: 09:00 local on both sides of 8 March 2026, and a Sunday rule on the change day itself', () => {
  const zone = 'America/New_York';
  const windows = expandRule(weekdays9to13, zone, new Date('2026-03-06T00:00:00Z'), new Date('2026-03-10T00:00:00Z'));
  expect(windows.map((w) => new Date(w.start).toISOString())).toEqual(['2026-03-06T14:00:00.000Z', '2026-03-09T13:00:00.000Z']);
  const sunday: RuleShape = { ...weekdays9to13, weekdays: [7], startTime: '01:00', endTime: '05:00' };
  const [onChange] = expandRule(sunday, zone, new Date('2026-03-08T00:00:00Z'), new Date('2026-03-09T00:00:00Z'));
  // 01:00 EST → 05:00 EDT is only three real hours on the day the clocks jump.
  expect(onChange!.end - onChange!.start).toBe(3 * 3_600_000);
});

test('every other week and first Monday of the month through RRULE', () => {
  const zone = 'America/New_York';
  const biweekly: RuleShape = { ...weekdays9to13, kind: 'RECURRING', weekdays: [], rrule: 'FREQ=WEEKLY;INTERVAL=2;BYDAY=MO', validFrom: '2026-03-02' };
  const dates = expandRule(biweekly, zone, new Date('2026-03-01T00:00:00Z'), new Date('2026-04-01T00:00:00Z')).map((w) => local(w.start, zone));
  expect(dates).toEqual(['2026-03-02T09:00', '2026-03-16T09:00', '2026-03-30T09:00']);
  const firstMonday: RuleShape = { ...biweekly, rrule: 'FREQ=MONTHLY;BYDAY=1MO', validFrom: '2026-01-01' };
  const months = expandRule(firstMonday, 'Europe/Bucharest', new Date('2026-02-01T00:00:00Z'), new Date('2026-05-01T00:00:00Z'));
  expect(months.map((w) => local(w.start, 'Europe/Bucharest'))).toEqual(['2026-02-02T09:00', '2026-03-02T09:00', '2026-04-06T09:00']);
});

test('validity dates bound the rule', () => {
  const bounded = { ...weekdays9to13, validFrom: '2026-03-03', validUntil: '2026-03-04' };
  expect(expandRule(bounded, 'UTC', new Date('2026-03-01T00:00:00Z'), new Date('2026-03-10T00:00:00Z'))).toHaveLength(2);
});

test('malformed rules are described, not accepted', () => {
  expect(ruleProblem({ ...weekdays9to13, endTime: '09:00' }, 'UTC')).toMatch(/differ from the start/);
  expect(ruleProblem({ ...weekdays9to13, endTime: '24:01' }, 'UTC')).toMatch(/HH:mm/);
  expect(ruleProblem({ ...weekdays9to13, startTime: '24:00' }, 'UTC')).toMatch(/HH:mm/);
  expect(ruleProblem({ ...weekdays9to13, validFrom: '2027-02-30' }, 'UTC')).toMatch(/validFrom/);
  expect(ruleProblem({ ...weekdays9to13, kind: 'RECURRING', rrule: 'FREQ=DAILY;BYHOUR=9' }, 'UTC')).toMatch(/BYHOUR/);
  expect(ruleProblem({ ...weekdays9to13, kind: 'RECURRING', rrule: 'FREQ=WEEKLY;BYDAY=MO;byminute=30' }, 'UTC')).toMatch(/BYMINUTE/);
  expect(ruleProblem(weekdays9to13, 'Mars/Olympus')).toMatch(/time zone/);
  expect(ruleProblem({ ...weekdays9to13, kind: 'RECURRING', rrule: 'FREQ=MINUTELY' }, 'UTC')).toMatch(/FREQ/);
  expect(ruleProblem({ ...weekdays9to13, kind: 'RECURRING', rrule: 'nonsense' }, 'UTC')).not.toBeNull();
  expect(ruleProblem({ ...weekdays9to13, weekdays: [0] }, 'UTC')).toMatch(/weekdays/);
  expect(ruleProblem(weekdays9to13, 'Europe/Bucharest')).toBeNull();
  // Overnight hours and an end of 24:00 are rules, not mistakes.
  expect(ruleProblem({ ...weekdays9to13, startTime: '22:00', endTime: '02:00' }, 'UTC')).toBeNull();
  expect(ruleProblem({ ...weekdays9to13, startTime: '18:00', endTime: '24:00' }, 'UTC')).toBeNull();
});

test('hours across midnight belong to the day they start on; an end of 24:00 keeps the last slot', () => {
  const zone = 'Europe/Bucharest';
  const nights: RuleShape = { ...weekdays9to13, weekdays: [5], startTime: '22:00', endTime: '02:00' };
  // Friday 2027-03-26 22:00 (+02) → Saturday 02:00; a search from Saturday 00:30 local still sees the Friday night.
  const windows = expandRule(nights, zone, new Date('2027-03-26T22:30:00Z'), new Date('2027-03-28T00:00:00Z'));
  expect(windows.map((w) => [new Date(w.start).toISOString(), new Date(w.end).toISOString()])).toEqual([['2027-03-26T20:00:00.000Z', '2027-03-27T00:00:00.000Z']]);
  const evening: RuleShape = { ...weekdays9to13, weekdays: [1], startTime: '23:00', endTime: '24:00' };
  const [w] = expandRule(evening, zone, new Date('2027-03-29T00:00:00Z'), new Date('2027-03-30T00:00:00Z'));
  expect(slotsOfWindow(w!, 30, 0).map((s) => local(s.start, zone))).toEqual(['2027-03-29T23:00', '2027-03-29T23:30']);
});

test('a daily RRULE keeps the last date of the range (a stored BYHOUR no longer drops it)', () => {
  const daily: RuleShape = { ...weekdays9to13, kind: 'RECURRING', weekdays: [], rrule: 'FREQ=DAILY;BYHOUR=9', validFrom: '2027-01-01' };
  const windows = expandRule(daily, 'UTC', new Date('2027-01-04T00:00:00Z'), new Date('2027-01-06T23:00:00Z'));
  expect(windows.map((w) => local(w.start, 'UTC'))).toEqual(['2027-01-04T09:00', '2027-01-05T09:00', '2027-01-06T09:00']);
});
