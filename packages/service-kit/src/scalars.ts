// Scalars every subgraph shares, so a DateTime means the same thing in every part of the supergraph.
// DateTime input is RFC 3339 (`2027-03-28T09:30:00+03:00`, `…Z`): an instant needs its offset, so a string
// without one (which `new Date` would read in the server process's zone), a date alone, or an impossible
// date (`2027-02-30`, `24:00`, a leap second) is refused with BAD_USER_INPUT instead of being guessed.
import { GraphQLScalarType, Kind, type ValueNode } from 'graphql';
import { badUserInput } from './errors.ts';

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;
const EXPECTED = 'DateTime must be RFC 3339 with an offset, e.g. 2027-03-28T09:30:00Z or 2027-03-28T09:30:00+03:00';

const daysInMonth = (year: number, month: number) => new Date(Date.UTC(year, month, 0)).getUTCDate();

/** Parses an RFC 3339 date-time (offset or Z required) into a Date; throws BAD_USER_INPUT otherwise. */
export function parseRfc3339(value: unknown): Date {
  const m = typeof value === 'string' && value.length <= 40 ? RFC3339.exec(value) : null;
  if (!m) throw badUserInput(EXPECTED);
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) throw badUserInput(`DateTime has an impossible date: ${value}`);
  if (hour > 23 || minute > 59 || second > 59) throw badUserInput(`DateTime has an impossible time of day: ${value}`);
  const offsetHours = Number(m[10] ?? 0);
  const offsetMinutes = Number(m[11] ?? 0);
  if (offsetHours > 23 || offsetMinutes > 59) throw badUserInput(`DateTime has an impossible offset: ${value}`);
  const millis = Number((m[7] ?? '').padEnd(3, '0').slice(0, 3));
  const offset = (m[9] === '-' ? -1 : 1) * (offsetHours * 60 + offsetMinutes);
  const local = new Date(0);
  local.setUTCFullYear(year, month - 1, day);
  local.setUTCHours(hour, minute, second, millis);
  return new Date(local.getTime() - offset * 60_000);
}

/** An instant: RFC 3339 with an offset on input, ISO-8601 in UTC (`Z`) on output; a Date inside. */
export const DateTimeScalar = new GraphQLScalarType({
  name: 'DateTime',
  description: 'An instant: RFC 3339 with an offset or Z on input (2027-03-28T09:30:00+03:00), ISO-8601 UTC on output.',
  serialize: (value) => (value instanceof Date ? value.toISOString() : new Date(String(value)).toISOString()),
  parseValue: (value) => parseRfc3339(value),
  parseLiteral: (ast) => {
    if (ast.kind !== Kind.STRING) throw badUserInput(EXPECTED);
    return parseRfc3339(ast.value);
  },
});

function literal(ast: ValueNode): unknown {
  switch (ast.kind) {
    case Kind.STRING:
    case Kind.BOOLEAN:
      return ast.value;
    case Kind.INT:
    case Kind.FLOAT:
      return Number(ast.value);
    case Kind.OBJECT:
      return Object.fromEntries(ast.fields.map((f) => [f.name.value, literal(f.value)]));
    case Kind.LIST:
      return ast.values.map(literal);
    default:
      return null;
  }
}

/** Free-form JSON (custom profile fields, preferences), capped in size. */
export const JSONScalar = new GraphQLScalarType({
  name: 'JSON',
  serialize: (value) => value,
  parseValue: (value) => {
    if (JSON.stringify(value ?? null).length > 20_000) throw badUserInput('JSON value is too large');
    return value;
  },
  parseLiteral: (ast) => literal(ast),
});
