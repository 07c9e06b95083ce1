// Wall-clock dates and times in a named IANA zone (the doctor's), independent of the browser's zone:
// a doctor in New York planning from Bucharest sees and edits New York hours. Dates are yyyy-MM-dd
// strings, times HH:mm; instants are Date/ISO strings.

const partsFormat = new Map<string, Intl.DateTimeFormat>();

function formatter(zone: string): Intl.DateTimeFormat {
  let f = partsFormat.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
    partsFormat.set(zone, f);
  }
  return f;
}

/** The wall clock of an instant in `zone`. */
export function zonedParts(instant: Date | string, zone: string): { date: string; time: string; minutes: number; weekday: number } {
  const parts = Object.fromEntries(formatter(zone).formatToParts(new Date(instant)).map((p) => [p.type, p.value]));
  const date = `${parts.year}-${parts.month}-${parts.day}`;
  const hour = Number(parts.hour) % 24;
  const minute = Number(parts.minute);
  return { date, time: `${String(hour).padStart(2, '0')}:${parts.minute}`, minutes: hour * 60 + minute, weekday: isoWeekday(date) };
}

/** Offset of `zone` from UTC at an instant, in milliseconds. */
function offsetAt(ms: number, zone: string): number {
  const p = Object.fromEntries(formatter(zone).formatToParts(new Date(ms)).map((x) => [x.type, x.value]));
  const asUtc = Date.UTC(Number(p.year), Number(p.month) - 1, Number(p.day), Number(p.hour) % 24, Number(p.minute), Number(p.second));
  return asUtc - Math.floor(ms / 1000) * 1000;
}

/** The instant a wall-clock date and time in `zone` names (a skipped time moves forward by the jump). */
export function zonedInstant(date: string, time: string, zone: string): Date {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const [hh, mm] = time.split(':').map(Number) as [number, number];
  const wall = Date.UTC(y, m - 1, d, hh, mm);
  let guess = wall - offsetAt(wall, zone);
  guess = wall - offsetAt(guess, zone);
  return new Date(guess);
}

/** ISO weekday of a yyyy-MM-dd date: 1 = Monday … 7 = Sunday. */
export function isoWeekday(date: string): number {
  const day = new Date(`${date}T00:00:00Z`).getUTCDay();
  return day === 0 ? 7 : day;
}

export function addLocalDays(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** The Monday of the week containing `date`. */
export function mondayOf(date: string): string {
  return addLocalDays(date, 1 - isoWeekday(date));
}

export const todayIn = (zone: string, now = new Date()) => zonedParts(now, zone).date;

/** HH:mm of minutes after midnight (1440 → 24:00). */
export function clock(minutes: number): string {
  return `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
}

export function minutesOf(time: string): number {
  const [h, m] = time.split(':').map(Number) as [number, number];
  return h * 60 + m;
}

/** "Tue 8 Dec" of a local date, in the UI language (the date is the zone's own; no zone shift applies). */
export function formatLocalDay(date: string, locale: string): string {
  return new Intl.DateTimeFormat(locale, { weekday: 'short', day: 'numeric', month: 'short', timeZone: 'UTC' }).format(new Date(`${date}T12:00:00Z`));
}

/** A wall-clock time as the UI language writes it: 24 h in Romanian, "9:30 AM" in English. */
export function formatClock(minutes: number, locale: string): string {
  const ro = locale.toLowerCase().startsWith('ro');
  const at = new Date(Date.UTC(2000, 0, 1, Math.floor(minutes / 60), minutes % 60));
  return new Intl.DateTimeFormat(locale, ro ? { hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone: 'UTC' } : { hour: 'numeric', minute: '2-digit', timeZone: 'UTC' }).format(at);
}
