// CSV cells are quoted where needed and never run as spreadsheet formulas; times read in both languages.
import { expect, test } from 'vitest';
import { toCsv } from './csv.ts';
import { formatTime } from './dates.ts';

test('quoting and formula guard', () => {
  expect(toCsv(['a', 'b'], [['x,y', 'say "hi"'], ['=HYPERLINK("x")', null], ['Ștefan', 3]])).toBe('a,b\r\n"x,y","say ""hi"""\r\n"\'=HYPERLINK(""x"")",\r\nȘtefan,3\r\n');
});

test('24-hour times in Romanian, no leading zero in 12-hour English', () => {
  const nine = '2026-12-01T07:05:00.000Z'; // 09:05 in Bucharest
  expect(formatTime(nine, 'ro', 'Europe/Bucharest')).toBe('09:05');
  expect(formatTime('2026-12-01T13:05:00.000Z', 'ro', 'Europe/Bucharest')).toBe('15:05');
  expect(formatTime(nine, 'en-US', 'Europe/Bucharest')).toMatch(/^9:05\s?AM$/);
});
