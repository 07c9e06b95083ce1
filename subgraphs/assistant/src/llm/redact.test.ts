// What leaves for the model: e-mail addresses and phone numbers replaced, dates and times kept.
import { redact } from './redact.ts';

test('e-mail addresses and phone numbers are replaced; dates, times and short numbers stay', () => {
  expect(redact('write to Maria.Popescu+clinic@example.co.uk or call +40 722 123 456 / 0722-123-456 or (021) 555 0199'))
    .toBe('write to [email] or call [phone] / [phone] or [phone]');
  expect(redact('on 2027-03-10 at 10:00, room 12, slot 3')).toBe('on 2027-03-10 at 10:00, room 12, slot 3');
});
