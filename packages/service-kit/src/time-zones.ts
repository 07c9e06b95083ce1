// Time zone names every service accepts: IANA names spelled exactly as IANA spells them (case-sensitive).
// Intl and luxon each accept a different, case-blind set ("america/new_york", luxon's "UTC+5"), so a
// viewer's or a doctor's zone is checked here once: "+05:30", "UTC+5", "GMT+0530", "utc" are all refused with
// one message. Etc/GMT±N are IANA names and pass. The list is iana-zone-names.ts (generated from tzdata;
// regenerate: `node packages/service-kit/scripts/iana-zone-names.mjs > packages/service-kit/src/iana-zone-names.ts`), widened by
// the names this Node's ICU lists, and a name must also be one this process can compute with.
import { badUserInput } from './errors.ts';
import { IANA_ZONE_NAMES } from './iana-zone-names.ts';

const KNOWN = new Set<string>([...IANA_ZONE_NAMES, ...Intl.supportedValuesOf('timeZone')]);
const BY_LOWER = new Map([...KNOWN].map((name) => [name.toLowerCase(), name]));
const usable = new Map<string, boolean>();

/** True for an IANA zone name in its exact IANA spelling that this process knows. */
export function isIanaTimeZone(name: unknown): name is string {
  if (typeof name !== 'string' || !KNOWN.has(name)) return false;
  let ok = usable.get(name);
  if (ok === undefined) {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: name });
      ok = true;
    } catch {
      ok = false;
    }
    usable.set(name, ok);
  }
  return ok;
}

/** The name itself when it is an IANA zone; otherwise BAD_USER_INPUT saying what is expected (and the right spelling). */
export function checkTimeZone(name: unknown, field = 'timeZone'): string {
  if (isIanaTimeZone(name)) return name;
  const text = typeof name === 'string' ? name.slice(0, 64) : String(name);
  const spelled = typeof name === 'string' ? BY_LOWER.get(name.toLowerCase()) : undefined;
  const hint = spelled && spelled !== name ? ` Did you mean ${spelled}? Names are case-sensitive.` : '';
  throw badUserInput(
    `${field} must be an IANA time zone name such as Europe/Bucharest or UTC, not an offset (got ${JSON.stringify(text)}).${hint}`,
    { field },
  );
}
