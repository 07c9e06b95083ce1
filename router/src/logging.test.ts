// An error logged with a request stays small whatever it carries: a 95 kB subgraph answer or value
// does not become a 95 kB log line.
import { GraphQLError } from 'graphql';
import { boundedError } from './logging.ts';

test('keeps type, code and the head of message and stack; drops extensions and response bodies', () => {
  const huge = 'x'.repeat(95_000);
  const error = new GraphQLError(`400: Bad Request ${huge}`, { extensions: { code: 'SOME_CODE', response: { body: { errors: [{ message: huge }] } } } });
  const logged = JSON.stringify(boundedError(error));
  expect(logged.length).toBeLessThan(4_096);
  expect(boundedError(error)).toMatchObject({ type: 'GraphQLError', code: 'SOME_CODE' });
  expect(String(boundedError(error).message)).toMatch(/^400: Bad Request x+… \(95017 chars\)$/);
  expect(logged).not.toContain('response');
  expect(boundedError('plain')).toEqual({ message: 'plain' });
});
