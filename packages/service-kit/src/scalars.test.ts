// DateTime input is strict RFC 3339: an instant needs its offset, and impossible dates are refused, whatever
// the server process's zone or clock.
import { Kind } from 'graphql';
import { DateTimeScalar, parseRfc3339 } from './scalars.ts';
import { DomainError } from './errors.ts';

const refusal = (value: unknown) => {
  try {
    DateTimeScalar.parseValue(value);
  } catch (error) {
    return error instanceof DomainError ? error.code : 'OTHER';
  }
  return 'ACCEPTED';
};

test('RFC 3339 with Z or an offset is the instant it names', () => {
  expect(parseRfc3339('2027-03-28T09:30:00Z').toISOString()).toBe('2027-03-28T09:30:00.000Z');
  expect(parseRfc3339('2027-03-28T09:30:00+03:00').toISOString()).toBe('2027-03-28T06:30:00.000Z');
  expect(parseRfc3339('2027-03-28T09:30:00+05:45').toISOString()).toBe('2027-03-28T03:45:00.000Z');
  expect(parseRfc3339('2027-03-28T09:30:00+12:45').toISOString()).toBe('2027-03-27T20:45:00.000Z');
  expect(parseRfc3339('2027-03-28T09:30:00-03:30').toISOString()).toBe('2027-03-28T13:00:00.000Z');
  expect(parseRfc3339('2027-03-28t09:30:00.123456789z').toISOString()).toBe('2027-03-28T09:30:00.123Z');
  expect(parseRfc3339('2028-02-29T23:59:59.5-00:00').toISOString()).toBe('2028-02-29T23:59:59.500Z');
  expect(DateTimeScalar.parseLiteral({ kind: Kind.STRING, value: '2027-01-01T00:00:00Z' })).toEqual(new Date('2027-01-01T00:00:00Z'));
});

test('strings without an offset, dates alone and impossible dates are BAD_USER_INPUT', () => {
  for (const value of [
    '2027-03-28T09:30:00', // no offset: would be read in the server's zone
    '2027-03-28T09:30', '2027-03-28', '2027-03-28 09:30:00Z', '2027-03-28T09:30Z', '20270328T093000Z',
    '2027-02-30T09:00:00Z', '2027-02-29T09:00:00Z', '2027-13-01T00:00:00Z', '2027-04-31T00:00:00Z', '2027-00-10T00:00:00Z',
    '2027-03-28T24:00:00Z', '2027-03-28T09:60:00Z', '2027-03-28T09:30:60Z', '2027-03-28T09:30:00+24:00', '2027-03-28T09:30:00+05:60',
    '2027-03-28T09:30:00+0530', 'Sun Mar 28 2027 09:30:00 GMT+0300', '1711612200000', '', 'x'.repeat(100), 1711612200000, null, {},
  ]) {
    expect([value, refusal(value)]).toEqual([value, 'BAD_USER_INPUT']);
  }
  expect(() => DateTimeScalar.parseLiteral({ kind: Kind.INT, value: '1711612200000' })).toThrow(DomainError);
});
