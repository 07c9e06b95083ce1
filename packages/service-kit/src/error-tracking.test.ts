import { Writable } from 'node:stream';
import pino from 'pino';
import { GraphQLError } from 'graphql';
import { createErrorTracker, scrubPii, unexpectedCause } from './error-tracking.ts';
import { notFound } from './errors.ts';

function collectingLogger() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level: 'info' }, stream), lines };
}

test('without SENTRY_DSN an unexpected error is logged once with its request id', () => {
  const { logger, lines } = collectingLogger();
  const tracker = createErrorTracker('test', logger, {});
  expect(tracker.capture(new Error('boom'), { requestId: 'req-1', path: ['a', 0] })).toBeUndefined();
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatchObject({ msg: 'unexpected error', requestId: 'req-1', path: ['a', 0], err: { message: 'boom' } });
});

test('only faults of ours are captured: not domain errors, coded errors or a subgraph error relayed by the router', () => {
  const located = (original: Error) => new GraphQLError(original.message, { originalError: original, path: ['field'] });
  expect(unexpectedCause(located(new Error('boom')))).toBeInstanceOf(Error);
  expect(unexpectedCause(located(notFound('Appointment')))).toBeUndefined();
  expect(unexpectedCause(located(Object.assign(new Error('duplicate'), { code: '23505' })))).toBeUndefined();
  expect(unexpectedCause(new GraphQLError('Cannot query field', { extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }))).toBeUndefined();
  const relayed = new GraphQLError('Internal server error', { extensions: { code: 'INTERNAL_SERVER_ERROR', serviceName: 'appointments' } });
  expect(unexpectedCause(relayed)).toBeUndefined();
});

test('e-mail addresses, bearer tokens and JWTs are scrubbed from messages', () => {
  expect(scrubPii('no user a.b+c@clinic.example.ro; Bearer abc.def-ghi; token eyJhbGciOi.eyJzdWIiOi.sig')).toBe(
    'no user [redacted-email]; Bearer [redacted]; token [redacted-jwt]',
  );
});
