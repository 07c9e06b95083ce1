// The quick local time writes exactly what luxon writes: every zone at random instants, and every minute
// around each DST switch of two years in the zones whose switches are unusual (half hours, 45-minute
// offsets, Ramadan, +14), and instants that luxon alone handles (local mean time, milliseconds, year 10000).
import { DateTime } from 'luxon';
import { localIso } from './local-iso.ts';

const luxon = (ms: number, zone: string) => DateTime.fromMillis(ms, { zone }).toISO({ suppressMilliseconds: true });
const DAY = 86_400_000;
const TRICKY = [
  'UTC', 'GMT', 'Etc/UTC', 'Europe/Bucharest', 'Europe/London', 'America/New_York', 'America/St_Johns', 'Asia/Kolkata', 'Asia/Kathmandu',
  'Australia/Lord_Howe', 'Pacific/Chatham', 'Africa/Casablanca', 'Antarctica/Troll', 'Pacific/Kiritimati', 'Pacific/Apia', 'America/Santiago',
];

test('every zone at random instants', () => {
  let seed = 7;
  const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
  for (const zone of [...Intl.supportedValuesOf('timeZone'), ...TRICKY]) {
    for (let i = 0; i < 8; i++) {
      const ms = Date.UTC(2026, 0, 1) + Math.floor(random() * 3 * 365 * 96) * 15 * 60_000;
      expect([zone, localIso(ms, zone)]).toEqual([zone, luxon(ms, zone)]);
    }
  }
});

test('every 5 minutes of every day on which a tricky zone changes its offset, 2026–2027', () => {
  let switches = 0;
  for (const zone of TRICKY) {
    for (let day = Date.UTC(2026, 0, 1) / DAY; day < Date.UTC(2028, 0, 1) / DAY; day++) {
      const offsets = new Set([0, DAY / 2, DAY - 1].map((at) => DateTime.fromMillis(day * DAY + at, { zone }).offset));
      const before = DateTime.fromMillis(day * DAY - 1, { zone }).offset;
      if (offsets.size === 1 && offsets.has(before)) continue;
      switches += 1;
      for (let ms = (day - 1) * DAY; ms < (day + 2) * DAY; ms += 5 * 60_000) expect([zone, localIso(ms, zone)]).toEqual([zone, luxon(ms, zone)]);
    }
  }
  expect(switches).toBeGreaterThan(20);
});

test('odd instants go to luxon and come out the same', () => {
  for (const [ms, zone] of [
    [Date.UTC(1850, 0, 1, 9, 30), 'Europe/Bucharest'],
    [Date.UTC(2026, 0, 1, 9, 30, 0, 5), 'Europe/Bucharest'],
    [Date.UTC(9999, 11, 31, 23, 30), 'Asia/Tokyo'],
    [Date.UTC(-5, 0, 1), 'UTC'],
  ] as const) {
    expect(localIso(ms, zone)).toBe(luxon(ms, zone));
  }
});
