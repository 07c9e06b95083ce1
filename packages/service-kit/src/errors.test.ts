import { GraphQLError } from 'graphql';
import { createErrorFormatter, conflict, fromDatabaseError, notFound } from './errors.ts';

const format = createErrorFormatter();

test.each(['23P01', '40P01', '23505', '40001'])('SQLSTATE %s becomes CONFLICT', (code) => {
  expect(fromDatabaseError({ code })?.extensions.code).toBe('CONFLICT');
});

test('a wrapped driver error is found through its cause', () => {
  expect(fromDatabaseError({ message: 'x', cause: { code: '23P01' } })?.extensions.code).toBe('CONFLICT');
});

test('malformed values become BAD_USER_INPUT; unknown errors are not mapped', () => {
  expect(fromDatabaseError({ code: '22P02' })?.extensions.code).toBe('BAD_USER_INPUT');
  expect(fromDatabaseError(new Error('boom'))).toBeUndefined();
});

test('domain errors keep their code and message', () => {
  const error = notFound('Appointment');
  expect(format({ message: error.message }, error)).toEqual({ message: 'Appointment was not found', extensions: { code: 'NOT_FOUND' } });
  expect(format({ message: 'x' }, conflict('Slot taken'))).toMatchObject({ extensions: { code: 'CONFLICT' } });
});

test('an unexpected error becomes a generic INTERNAL_SERVER_ERROR without message or stack', () => {
  const formatted = format(
    { message: 'relation "users" does not exist', extensions: { code: 'INTERNAL_SERVER_ERROR', stacktrace: ['at x'] } },
    new Error('relation "users" does not exist'),
  );
  expect(formatted).toEqual({ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' }, path: undefined, locations: undefined });
});

test('GraphQL validation errors pass through without stack traces', () => {
  const formatted = format(
    { message: 'Cannot query field', extensions: { code: 'GRAPHQL_VALIDATION_FAILED', stacktrace: ['at y'] } },
    new GraphQLError('Cannot query field'),
  );
  expect(formatted).toEqual({ message: 'Cannot query field', extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } });
});
