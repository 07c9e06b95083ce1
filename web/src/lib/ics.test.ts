// The calendar file is valid iCalendar: UTC times, escaped text, CRLF and folded long lines.
import { expect, test } from 'vitest';
import { icsFor } from './ics.ts';

test('an appointment becomes one VEVENT with UTC times and escaped text', () => {
  const ics = icsFor(
    { id: 'a1', startsAt: '2026-12-01T08:00:00.000Z', endsAt: '2026-12-01T08:30:00.000Z', title: 'Dr Ana Pop, Cardiology; follow-up', location: 'Clinica Centrală\nFloor 2', description: 'x'.repeat(200) },
    new Date('2026-11-30T10:00:00.000Z'),
  );
  expect(ics).toMatch(/^BEGIN:VCALENDAR\r\n/);
  expect(ics).toContain('\r\nDTSTART:20261201T080000Z\r\n');
  expect(ics).toContain('\r\nDTEND:20261201T083000Z\r\n');
  expect(ics).toContain('SUMMARY:Dr Ana Pop\\, Cardiology\\; follow-up');
  expect(ics).toContain('LOCATION:Clinica Centrală\\nFloor 2');
  expect(ics).toContain('UID:a1@clinic');
  for (const line of ics.split('\r\n')) expect(new TextEncoder().encode(line).length).toBeLessThanOrEqual(75);
  expect(ics).toContain('\r\n x'); // the long description continues on folded lines
});
