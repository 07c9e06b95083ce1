// Our calendar set: schedule rules placed around every clock change of many zones (a 30-minute shift on
// Lord Howe, +12:45/+13:45 on Chatham, zones that change at midnight, zones that no longer observe DST,
// both hemispheres), each compared with slots computed by an independent oracle (the Temporal polyfill,
// testing/calendar-oracle.ts) and, for the cases that matter most, with a hand-verified table. The whole set
// runs under several faked process clocks (January, July, inside New York's repeated hour, just after
// Chatham's jump), each with freshly loaded modules (no cache carried over), and must give identical answers.
import { DateTime } from 'luxon';
import type * as FreeSlots from './free-slots.ts';
import { casesAround, oracleSlots, oracleStartOfDay, transitions, type CalendarCase } from '../testing/calendar-oracle.ts';

const ZONES: [zone: string, from: string, to: string][] = [
  ['America/New_York', '2027-01-01', '2028-01-01'],
  ['Europe/Bucharest', '2027-01-01', '2028-01-01'],
  ['Australia/Sydney', '2027-01-01', '2028-01-01'],
  ['Australia/Lord_Howe', '2027-01-01', '2028-01-01'],
  ['Pacific/Chatham', '2027-01-01', '2028-01-01'],
  ['America/Santiago', '2027-01-01', '2028-01-01'],
  ['Africa/Cairo', '2027-01-01', '2028-01-01'],
  ['America/Havana', '2027-01-01', '2028-01-01'],
  ['Asia/Beirut', '2027-01-01', '2028-01-01'],
  // No longer observe DST: their last changes (Sao Paulo's at midnight), and days since then below.
  ['America/Sao_Paulo', '2018-10-01', '2019-03-01'],
  ['Asia/Tehran', '2022-01-01', '2023-01-01'],
  ['Europe/Istanbul', '2016-01-01', '2017-01-01'],
];

const GENERATED = ZONES.flatMap(([zone, from, to]) => transitions(zone, `${from}T00:00:00Z`, `${to}T00:00:00Z`).flatMap(casesAround));

const plainCase = (zone: string, date: string, startTime: string, endTime: string, slotMinutes = 30): CalendarCase => ({
  name: `${zone} ${date} ${startTime}–${endTime} (no change that day)`, zone, date, startTime, endTime, slotMinutes, bufferMinutes: 0, kind: 'WEEKLY',
});
const ORDINARY: CalendarCase[] = [
  plainCase('America/Sao_Paulo', '2027-11-07', '08:00', '12:00'),
  plainCase('Asia/Tehran', '2027-03-22', '00:00', '03:00'),
  plainCase('Europe/Istanbul', '2027-10-31', '02:00', '05:00'),
  plainCase('Asia/Kathmandu', '2027-03-28', '22:00', '02:00', 45),
  plainCase('Asia/Kolkata', '2027-11-07', '00:00', '24:00', 90),
];

const CASES = [...GENERATED, ...ORDINARY];

/**
 * Hand-verified: the UTC instants of each slot, worked out from the zone's rules by hand (comments show the
 * local reading). These pin the documented rules even if the oracle and the product agreed on a mistake.
 */
const TABLE: [CalendarCase, string[]][] = [
  // New York falls back 02:00 EDT → 01:00 EST on 7 Nov 2027: a start at 01:30 is the first 01:30 (EDT).
  [{ ...plainCase('America/New_York', '2027-11-07', '01:30', '02:30'), name: 'NY fall-back start in the repeated hour' },
    ['05:30', '06:00', '06:30', '07:00'].map((t) => `2027-11-07T${t}:00.000Z`)], // 01:30 EDT, 01:00 EST, 01:30 EST, 02:00 EST
  // …and an end at 01:30 is the first one too: 00:00–01:30 stays one and a half real hours.
  [{ ...plainCase('America/New_York', '2027-11-07', '00:00', '01:30'), name: 'NY fall-back end in the repeated hour' },
    ['04:00', '04:30', '05:00'].map((t) => `2027-11-07T${t}:00.000Z`)],
  // Spring forward 02:00 EST → 03:00 EDT on 14 Mar 2027: a start at 02:30 is the jump (03:00 EDT = 07:00Z)…
  [{ ...plainCase('America/New_York', '2027-03-14', '02:30', '05:00'), name: 'NY spring start in the gap' },
    ['07:00', '07:30', '08:00', '08:30'].map((t) => `2027-03-14T${t}:00.000Z`)],
  // …and an end at 02:30 is the jump too: no slot ends after 07:00Z.
  [{ ...plainCase('America/New_York', '2027-03-14', '00:00', '02:30'), name: 'NY spring end in the gap' },
    ['05:00', '05:30', '06:00', '06:30'].map((t) => `2027-03-14T${t}:00.000Z`)],
  // Chatham jumps 02:45 → 03:45 (+12:45 → +13:45) at 14:00Z on 25 Sep: 03:00–06:00 starts at the jump, 03:45.
  [{ ...plainCase('Pacific/Chatham', '2027-09-26', '03:00', '06:00'), name: 'Chatham spring start in the gap' },
    ['14:00', '14:30', '15:00', '15:30'].map((t) => `2027-09-25T${t}:00.000Z`)], // 03:45, 04:15, 04:45, 05:15
  // Chatham falls back 03:45 → 02:45 at 14:00Z on 3 Apr: 03:00–04:00 runs from the first 03:00 to 04:00 (+12:45).
  [{ ...plainCase('Pacific/Chatham', '2027-04-04', '03:00', '04:00'), name: 'Chatham fall-back start in the repeated hour' },
    ['13:15', '13:45', '14:15', '14:45'].map((t) => `2027-04-03T${t}:00.000Z`)],
  // Lord Howe moves 02:00 → 02:30 (+10:30 → +11) at 15:30Z on 2 Oct: 02:00–04:00 starts at 02:30.
  [{ ...plainCase('Australia/Lord_Howe', '2027-10-03', '02:00', '04:00', 45), name: 'Lord Howe 30-minute jump' },
    ['15:30', '16:15'].map((t) => `2027-10-02T${t}:00.000Z`)],
  // Lord Howe falls back 02:00 → 01:30 at 15:00Z on 3 Apr: 01:30–03:00 starts at the first 01:30 (+11).
  [{ ...plainCase('Australia/Lord_Howe', '2027-04-04', '01:30', '03:00'), name: 'Lord Howe 30-minute fall-back' },
    ['14:30', '15:00', '15:30', '16:00'].map((t) => `2027-04-03T${t}:00.000Z`)],
  // Santiago skips midnight on 5 Sep 2027 (00:00 -04 → 01:00 -03 at 04:00Z): 00:00–02:00 starts at the jump.
  [{ ...plainCase('America/Santiago', '2027-09-05', '00:00', '02:00'), name: 'Santiago day without midnight' },
    ['04:00', '04:30'].map((t) => `2027-09-05T${t}:00.000Z`)],
  // …and 22:00–24:00 the evening before ends at that jump.
  [{ ...plainCase('America/Santiago', '2027-09-04', '22:00', '24:00'), name: 'Santiago 24:00 that does not exist' },
    ['02:00', '02:30', '03:00', '03:30'].map((t) => `2027-09-05T${t}:00.000Z`)],
  // Havana falls back 01:00 CDT → 00:00 CST on 7 Nov 2027: its day starts at the first midnight (04:00Z).
  [{ ...plainCase('America/Havana', '2027-11-07', '00:00', '02:00'), name: 'Havana repeated midnight' },
    ['04:00', '04:30', '05:00', '05:30', '06:00', '06:30'].map((t) => `2027-11-07T${t}:00.000Z`)],
  // Cairo skips 30 Apr 2027's midnight (00:00 +02 → 01:00 +03 at 22:00Z on the 29th).
  [{ ...plainCase('Africa/Cairo', '2027-04-30', '00:00', '02:00'), name: 'Cairo day without midnight' },
    ['22:00', '22:30'].map((t) => `2027-04-29T${t}:00.000Z`)],
  // Overnight 22:00 EDT → 02:00 EST across New York's fall-back: five real hours.
  [{ ...plainCase('America/New_York', '2027-11-06', '22:00', '02:00', 60), name: 'NY overnight across the fall-back' },
    ['02:00', '03:00', '04:00', '05:00', '06:00'].map((t) => `2027-11-07T${t}:00.000Z`)],
  // Sao Paulo no longer changes: -03:00 all year.
  [plainCase('America/Sao_Paulo', '2027-11-07', '08:00', '10:00'), ['11:00', '11:30', '12:00', '12:30'].map((t) => `2027-11-07T${t}:00.000Z`)],
];

const DAY = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString();

/** The product's slots for a case: the rule alone on its date, through the whole free-slot pipeline. */
function productSlots(product: typeof FreeSlots, c: CalendarCase): string[] {
  const weekday = new Date(`${c.date}T00:00:00Z`).getUTCDay() || 7;
  const dayStart = oracleStartOfDay(c.zone, c.date);
  const rule: FreeSlots.RuleInput = {
    doctorId: 'd', kind: c.kind, weekdays: c.kind === 'WEEKLY' ? [weekday] : [], rrule: c.kind === 'RECURRING' ? 'FREQ=DAILY' : null,
    startTime: c.startTime, endTime: c.endTime, validFrom: c.date, validUntil: c.date,
    slotMinutes: c.slotMinutes, bufferMinutes: c.bufferMinutes, consultationType: 'IN_PERSON',
  };
  return product
    .freeSlots({
      doctors: [{ doctorId: 'd', timeZone: c.zone }], rules: [rule], exceptions: [], busy: [],
      from: new Date(dayStart - DAY), to: new Date(dayStart + 3 * DAY), includeEmergency: false,
      now: new Date(dayStart - 2 * DAY), minNoticeMinutes: 0, horizonDays: 10,
    })
    .map((s) => iso(s.start));
}

test('the calendar set is wide enough', () => {
  expect(CASES.length).toBeGreaterThanOrEqual(60);
  expect(new Set(CASES.map((c) => c.zone)).size).toBeGreaterThanOrEqual(7);
  // Cases where the rule actually meets a clock change, not only quiet days.
  expect(GENERATED.filter((c) => oracleSlots(c).length > 0).length).toBeGreaterThan(150);
});

test('the oracle agrees with the hand-verified table', () => {
  for (const [c, expected] of TABLE) expect([c.name, oracleSlots(c).map(iso)]).toEqual([c.name, expected]);
});

describe.each([
  ['January', '2027-01-15T12:00:00Z'],
  ['July', '2027-07-15T12:00:00Z'],
  ["inside New York's repeated hour", '2027-11-07T06:30:00Z'],
  ["just after Chatham's jump", '2027-09-25T14:30:00Z'],
])('process clock in %s', (_label, clock) => {
  let product: typeof FreeSlots;
  beforeAll(async () => {
    jest.useFakeTimers({ now: new Date(clock) });
    // Fresh modules: caches filled under another clock would hide a dependence on this one.
    await jest.isolateModulesAsync(async () => {
      product = await import('./free-slots.ts');
    });
  });
  afterAll(() => jest.useRealTimers());

  test('the faked clock is what the process (and luxon) reads', () => {
    expect(new Date().toISOString()).toBe(new Date(clock).toISOString());
    expect(DateTime.now().toMillis()).toBe(Date.parse(clock));
  });

  test('every calendar case gives the oracle slots', () => {
    const wrong = CASES.map((c) => ({ c, got: productSlots(product, c), want: oracleSlots(c).map(iso) })).filter((r) => JSON.stringify(r.got) !== JSON.stringify(r.want));
    expect(wrong.map((r) => `${r.c.name} ${r.c.startTime}–${r.c.endTime}: got ${r.got.slice(0, 8).join(' ')} want ${r.want.slice(0, 8).join(' ')}`)).toEqual([]);
  });

  test.each(TABLE.map(([c, expected]) => [c.name, c, expected] as const))('%s', (_name, c, expected) => {
    expect(productSlots(product, c)).toEqual(expected);
  });
});
