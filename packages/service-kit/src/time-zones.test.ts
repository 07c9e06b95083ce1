// Time zones are IANA names in their exact IANA spelling; offsets and mis-cased names are refused alike.
import { checkTimeZone, isIanaTimeZone } from './time-zones.ts';
import { DomainError } from './errors.ts';

test('IANA names, links and Etc zones pass as spelled', () => {
  for (const name of ['Europe/Bucharest', 'America/New_York', 'Australia/Lord_Howe', 'Pacific/Chatham', 'Asia/Kathmandu', 'America/Argentina/Buenos_Aires', 'America/Port-au-Prince', 'UTC', 'Etc/UTC', 'Etc/GMT-14', 'Asia/Calcutta', 'Europe/Kyiv', 'US/Eastern']) {
    expect([name, isIanaTimeZone(name)]).toEqual([name, true]);
    expect(checkTimeZone(name)).toBe(name);
  }
});

test('wrong case, offsets and unknown names are BAD_USER_INPUT with a clear message', () => {
  for (const name of ['america/new_york', 'AMERICA/NEW_YORK', 'utc', 'Europe/bucharest', '+05:30', '-03:00', 'UTC+5', 'UTC+05:30', 'GMT+0530', 'Z', 'EST+5', 'Mars/Olympus', 'local', 'system', '', ' Europe/Bucharest']) {
    expect([name, isIanaTimeZone(name)]).toEqual([name, false]);
    let error: unknown;
    try {
      checkTimeZone(name);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DomainError);
    expect((error as DomainError).code).toBe('BAD_USER_INPUT');
    expect((error as DomainError).message).toMatch(/IANA time zone name/);
  }
  expect(() => checkTimeZone('america/new_york')).toThrow(/Did you mean America\/New_York\?/);
  expect(isIanaTimeZone(42)).toBe(false);
});
