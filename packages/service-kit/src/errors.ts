// Typed domain errors, mapped in one place to GraphQL errors with a stable `extensions.code`.
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { unwrapResolverError } from '@apollo/server/errors';

export type ErrorCode =
  | 'BAD_USER_INPUT'
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'RATE_LIMITED'
  /** A service this one depends on cannot answer now: try again. */
  | 'SERVICE_UNAVAILABLE'
  | 'INTERNAL_SERVER_ERROR';

export class DomainError extends GraphQLError {
  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>) {
    super(message, { extensions: { code, ...details } });
  }
  get code(): ErrorCode {
    return this.extensions.code as ErrorCode;
  }
}

export const badUserInput = (message: string, details?: Record<string, unknown>) => new DomainError('BAD_USER_INPUT', message, details);
export const unauthenticated = (message = 'You must be signed in') => new DomainError('UNAUTHENTICATED', message);
export const forbidden = (message = 'You are not allowed to do this') => new DomainError('FORBIDDEN', message);
export const notFound = (what: string) => new DomainError('NOT_FOUND', `${what} was not found`);
export const conflict = (message: string, details?: Record<string, unknown>) => new DomainError('CONFLICT', message, details);

/** Postgres SQLSTATEs that mean "someone else got there first" or "the data does not fit". */
const PG_CONFLICT = new Set(['23P01', '23505', '40P01', '40001']);
const PG_BAD_INPUT = new Set(['22001', '22003', '22007', '22008', '22P02', '23502', '23514']);

export function pgErrorCode(error: unknown): string | undefined {
  const e = error as { code?: unknown; cause?: unknown } | null;
  if (e && typeof e.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code)) return e.code;
  if (e && e.cause) return pgErrorCode(e.cause);
  return undefined;
}

/** Turns a database error into the domain error a client can act on, or undefined when it is a real fault. */
export function fromDatabaseError(error: unknown): DomainError | undefined {
  const code = pgErrorCode(error);
  if (!code) return undefined;
  if (PG_CONFLICT.has(code)) return conflict('This conflicts with a change made at the same time; reload and try again', { sqlState: code });
  if (PG_BAD_INPUT.has(code)) return badUserInput('A value is malformed or out of range');
  return undefined;
}

/**
 * Apollo `formatError`: domain errors and GraphQL validation errors pass through; database errors are
 * mapped; anything else becomes a generic INTERNAL_SERVER_ERROR, never echoed (the error-tracking plugin
 * captures it once, with the request id: see error-tracking.ts).
 */
export function createErrorFormatter() {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const original = unwrapResolverError(error);
    if (original instanceof DomainError) return { ...formatted, message: original.message, extensions: { ...original.extensions } };
    const mapped = fromDatabaseError(original);
    if (mapped) return { ...formatted, message: mapped.message, extensions: { ...mapped.extensions } };
    const code = formatted.extensions?.code;
    if (typeof code === 'string' && code !== 'INTERNAL_SERVER_ERROR') {
      const { stacktrace: _omit, ...extensions } = formatted.extensions ?? {};
      return { ...formatted, extensions };
    }
    return {
      message: 'Internal server error',
      path: formatted.path,
      locations: formatted.locations,
      extensions: { code: 'INTERNAL_SERVER_ERROR' },
    };
  };
}
