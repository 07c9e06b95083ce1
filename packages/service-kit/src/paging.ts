// How many items a page may ask for, the same answer in every subgraph: out of range is the caller's mistake,
// said as BAD_USER_INPUT naming the argument, never quietly clamped to something they did not ask for.
import { badUserInput } from './errors.ts';

/** `first` (or another page-size argument) within 1..max; `fallback` when absent. */
export function pageSize(value: number | null | undefined, fallback: number, max: number, field = 'first'): number {
  const n = value ?? fallback;
  if (!Number.isInteger(n) || n < 1 || n > max) throw badUserInput(`${field} must be 1–${max}`, { field });
  return n;
}
