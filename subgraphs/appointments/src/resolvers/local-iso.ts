// A slot's start and end in the viewer's zone, written as luxon writes them (`2027-03-28T09:30:00+03:00`),
// without asking Intl for every slot: a page of 50–200 slots spans a few days, and a zone's offset almost
// never changes within a UTC day. The offset of each (zone, UTC day) is asked once and kept; a day on which
// it changes (a DST switch), an odd instant (milliseconds, seconds in the offset, a year outside 1–9999)
// goes to luxon itself. local-iso.test.ts compares both over every zone and every DST switch of the years.
import { DateTime } from 'luxon';

const DAY = 86_400_000;
const MAX_KEPT = 20_000;

/** Offset in minutes for (zone, UTC day), or null when it changes during that day. */
const dayOffsets = new Map<string, number | null>();
/** Zones luxon reads as fixed UTC ("UTC", "GMT"): written with `Z`, not `+00:00`. */
const fixedUtc = new Map<string, boolean>();

const luxonIso = (ms: number, zone: string) => DateTime.fromMillis(ms, { zone }).toISO({ suppressMilliseconds: true })!;
const offsetMinutes = (ms: number, zone: string) => DateTime.fromMillis(ms, { zone }).offset;

function offsetOfDay(zone: string, day: number): number | null {
  const key = `${zone}|${day}`;
  let offset = dayOffsets.get(key);
  if (offset !== undefined) return offset;
  const start = day * DAY;
  const at = [start, start + DAY / 2, start + DAY - 1].map((ms) => offsetMinutes(ms, zone));
  offset = at[0] === at[1] && at[1] === at[2] && Number.isInteger(at[0]) ? at[0]! : null;
  if (dayOffsets.size >= MAX_KEPT) dayOffsets.clear();
  dayOffsets.set(key, offset);
  return offset;
}

const pad2 = (n: number) => (n < 10 ? `0${n}` : String(n));

export function localIso(ms: number, zone: string): string {
  const offset = ms % 1000 === 0 ? offsetOfDay(zone, Math.floor(ms / DAY)) : null;
  const local = offset === null ? NaN : ms + offset * 60_000;
  // Years 1–9999 only: toISOString writes others with six digits and a sign.
  if (!(local >= -62_135_596_800_000 && local < 253_402_300_800_000)) return luxonIso(ms, zone);
  let fixed = fixedUtc.get(zone);
  if (fixed === undefined) {
    fixed = DateTime.fromMillis(0, { zone }).zone.isUniversal;
    fixedUtc.set(zone, fixed);
  }
  const abs = Math.abs(offset!);
  const suffix = fixed && offset === 0 ? 'Z' : `${offset! < 0 ? '-' : '+'}${pad2(Math.floor(abs / 60))}:${pad2(abs % 60)}`;
  return new Date(local).toISOString().slice(0, 19) + suffix;
}
