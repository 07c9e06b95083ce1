// Input rules: the malformed, the oversized and the suspicious are refused with BAD_USER_INPUT.
import { DomainError } from '@clinic/service-kit';
import * as v from './validation.ts';
import { validateCustomFields, checkSchema } from './custom-fields.ts';
import { ipRange, lockSecondsFor } from './security.ts';

const code = (fn: () => unknown) => {
  try {
    fn();
    return 'OK';
  } catch (error) {
    return error instanceof DomainError ? error.code : 'THROWN';
  }
};

test('e-mail addresses are checked and normalised', () => {
  expect(v.email(' Ada@Example.TEST ')).toBe('ada@example.test');
  for (const bad of ['no-at-sign', 'a@b', "x' or 1=1 --@a.test", `${'a'.repeat(250)}@a.test`, 'a@-bad-.test']) expect(code(() => v.email(bad))).toBe('BAD_USER_INPUT');
});

test('weak passwords are refused', () => {
  expect(v.newPassword('Correct-Horse-9')).toBe('Correct-Horse-9');
  for (const weak of ['short1A!', 'alllowercaseletters', 'password123', 'x'.repeat(201) + 'A1']) expect(code(() => v.newPassword(weak))).toBe('BAD_USER_INPUT');
  expect(code(() => v.newPassword('Ada-Lovelace-1', 'ada-lovelace@example.test'))).toBe('BAD_USER_INPUT');
});

test('short texts refuse oversize and control characters', () => {
  expect(v.text('Dr. O\'Brien-Smith', 'name', 50)).toBe("Dr. O'Brien-Smith");
  expect(code(() => v.text('x'.repeat(51), 'name', 50))).toBe('BAD_USER_INPUT');
  expect(code(() => v.text('a\u0000b', 'name', 50))).toBe('BAD_USER_INPUT');
});

test('real names and addresses that merely look like SQL are accepted (SQL is parameterised, not filtered)', () => {
  for (const real of ["Mary O'Brien; Ward 3", 'select@clinic.ro from 9 to 5', 'Jean--Luc Picard', "O'Neil or 'Brien'='Brien'", 'Update Street 4; Drop-off door']) {
    expect(v.text(real, 'name', 80)).toBe(real);
  }
  expect(v.email("o'brien@clinic.ro")).toBe("o'brien@clinic.ro");
  expect(v.email('select@clinic.ro')).toBe('select@clinic.ro');
  expect(v.flatObject({ contact: 'select@clinic.ro; from 9 to 5' }, 'emergencyContact')).toEqual({ contact: 'select@clinic.ro; from 9 to 5' });
});

test('time zones are IANA names', () => {
  expect(v.timeZone('Europe/Berlin')).toBe('Europe/Berlin');
  expect(code(() => v.timeZone('Mars/Olympus'))).toBe('BAD_USER_INPUT');
  expect(code(() => v.timeZone('europe/berlin'))).toBe('BAD_USER_INPUT');
  expect(code(() => v.timeZone('UTC+2'))).toBe('BAD_USER_INPUT');
});

test('custom fields follow the schema of the user\'s roles', () => {
  const schema = checkSchema({ fields: { barNumber: { type: 'string', required: true, maxLength: 20 }, years: { type: 'integer', min: 0, max: 80 }, level: { type: 'enum', values: ['JUNIOR', 'SENIOR'] } } });
  expect(validateCustomFields({ barNumber: 'B-1', years: 4, level: 'SENIOR' }, [schema])).toEqual({ barNumber: 'B-1', years: 4, level: 'SENIOR' });
  expect(code(() => validateCustomFields({ years: 4 }, [schema]))).toBe('BAD_USER_INPUT');
  expect(code(() => validateCustomFields({ barNumber: 'B-1', unknown: 1 }, [schema]))).toBe('BAD_USER_INPUT');
  expect(code(() => validateCustomFields({ barNumber: 'B-1', years: 200 }, [schema]))).toBe('BAD_USER_INPUT');
  expect(code(() => checkSchema({ fields: { x: { type: 'blob' } } }))).toBe('BAD_USER_INPUT');
});

test('lockout grows with failures and is capped; IP ranges group neighbours', () => {
  expect([4, 5, 6, 7, 20].map(lockSecondsFor)).toEqual([0, 60, 120, 240, 3600]);
  expect(ipRange('203.0.113.7')).toBe('203.0.0.0/16');
  expect(ipRange('::ffff:10.1.2.3')).toBe('10.1.0.0/16');
  expect(ipRange('2001:db8:abcd:12::1')).toBe('2001:db8:abcd::/48');
});
