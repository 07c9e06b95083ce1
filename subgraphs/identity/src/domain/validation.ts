// Input checks shared by every mutation: malformed or oversized input is refused with BAD_USER_INPUT
// before anything is saved. There is no "SQL-looking" blocklist: SQL is always parameterised, and such a
// list refuses real people ("O'Brien; Ward 3", "select@clinic.ro").
import { badUserInput, checkTimeZone } from '@clinic/service-kit';

const EMAIL = /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/;
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/;

export function email(value: string): string {
  const v = value.trim();
  if (v.length > 254 || !EMAIL.test(v)) throw badUserInput('E-mail address is malformed', { field: 'email' });
  return v.toLowerCase();
}

/** A short human text (names, clinic): bounded, no control characters. */
export function text(value: string, field: string, max: number, opts: { allowEmpty?: boolean } = {}): string {
  const v = value.trim();
  if (!opts.allowEmpty && v.length === 0) throw badUserInput(`${field} must not be empty`, { field });
  if (v.length > max) throw badUserInput(`${field} must be at most ${max} characters`, { field });
  if (CONTROL.test(v)) throw badUserInput(`${field} contains control characters`, { field });
  return v;
}

/** Long free text (a bio): bounded and without control characters; prose may contain anything else. */
export function longText(value: string, field: string, max: number): string {
  if (value.length > max) throw badUserInput(`${field} must be at most ${max} characters`, { field });
  if (CONTROL.test(value)) throw badUserInput(`${field} contains control characters`, { field });
  return value.trim();
}

export function list(values: readonly string[], field: string, maxItems: number, maxLength: number): string[] {
  if (values.length > maxItems) throw badUserInput(`${field} may have at most ${maxItems} entries`, { field });
  return [...new Set(values.map((v) => text(v, field, maxLength)))];
}

const COMMON = new Set(['password', 'password1', 'password123', '12345678', '123456789', 'qwertyuiop', 'letmein123', 'welcome123', 'iloveyou1']);

/** At least 10 characters from three character classes, not a well-known password, not the e-mail. */
export function newPassword(value: string, emailAddress?: string): string {
  const classes = [/[a-z]/, /[A-Z]/, /[0-9]/, /[^A-Za-z0-9]/].filter((r) => r.test(value)).length;
  if (value.length < 10 || value.length > 200 || classes < 3 || COMMON.has(value.toLowerCase()) || (emailAddress && value.toLowerCase().includes(emailAddress.split('@')[0]!.toLowerCase()))) {
    throw badUserInput('Password is too weak: use at least 10 characters mixing upper and lower case, digits or symbols', { field: 'password' });
  }
  return value;
}

export function uuid(value: string, field = 'id'): string {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value)) throw badUserInput(`${field} must be a UUID`, { field });
  return value.toLowerCase();
}

export function roleName(value: string): string {
  if (!/^[A-Z][A-Z0-9_]{1,39}$/.test(value)) throw badUserInput('Role names are 2-40 upper-case letters, digits or _', { field: 'role' });
  return value;
}

export function permissionName(value: string): string {
  if (!/^[a-z][a-z0-9_-]{1,30}:[a-z][a-z0-9_-]{1,30}$/.test(value)) throw badUserInput('Permissions look like "resource:action"', { field: 'permission' });
  return value;
}

/** A doctor's zone: an IANA name as IANA spells it (the kit's one rule for every zone; offsets refused). */
export const timeZone = (value: string): string => checkTimeZone(value, 'timeZone');

/** Small flat JSON objects (preferences, emergency contact, insurance): bounded keys, scalar values. */
export function flatObject(value: unknown, field: string, maxKeys = 30): Record<string, string | number | boolean | null> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw badUserInput(`${field} must be an object`, { field });
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length > maxKeys) throw badUserInput(`${field} has too many keys`, { field });
  const out: Record<string, string | number | boolean | null> = {};
  for (const [k, v] of entries) {
    if (!/^[A-Za-z][A-Za-z0-9_]{0,39}$/.test(k)) throw badUserInput(`${field}.${k} is not a valid key`, { field });
    if (typeof v === 'string') out[k] = text(v, `${field}.${k}`, 500, { allowEmpty: true });
    else if (typeof v === 'number' || typeof v === 'boolean' || v === null) out[k] = v;
    else throw badUserInput(`${field}.${k} must be a string, number, boolean or null`, { field });
  }
  return out;
}
