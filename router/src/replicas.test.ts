// The replica pool's choices: round robin over healthy replicas, a failed one left out until its ejection
// ends (longer after repeated failures), then back in; and which subgraph requests may be sent again.
import { ReplicaPool, connectionNeverSent, isIdempotentBody } from './replicas.ts';

test('round robin over healthy replicas; an ejected one is tried last, and comes back after its time', () => {
  let now = 1_000;
  const pool = new ReplicaPool(['a', 'b', 'c'], { ejectMs: 100, now: () => now });
  expect([pool.order()[0], pool.order()[0], pool.order()[0], pool.order()[0]]).toEqual(['a', 'b', 'c', 'a']);
  pool.failed('b');
  expect(pool.ejected()).toEqual(['b']);
  for (let i = 0; i < 6; i++) expect(pool.order().at(-1)).toBe('b');
  now += 100;
  expect(pool.ejected()).toEqual([]);
  // A second failure in a row keeps it out twice as long; a success clears the record.
  pool.failed('b');
  now += 150;
  expect(pool.ejected()).toEqual(['b']);
  now += 50;
  pool.succeeded('b');
  pool.failed('b');
  now += 100;
  expect(pool.ejected()).toEqual([]);
});

test('queries may be sent again; mutations only when the connection was never made', () => {
  expect(isIdempotentBody(JSON.stringify({ query: 'query Q__identity__0 { me { id } }' }))).toBe(true);
  expect(isIdempotentBody(JSON.stringify({ query: '{ __typename }' }))).toBe(true);
  expect(isIdempotentBody(JSON.stringify({ query: 'mutation M { book(id: 1) { id } }' }))).toBe(false);
  expect(isIdempotentBody('not json')).toBe(false);
  // Read without parsing when the body starts with the query, as the gateway's do; same answers.
  expect(isIdempotentBody(JSON.stringify({ query: '\n  query Q { me { id } }', variables: { a: 'mutation' } }))).toBe(true);
  expect(isIdempotentBody(JSON.stringify({ query: '\n mutation M { book(id: 1) { id } }', variables: { q: 'query' } }))).toBe(false);
  expect(isIdempotentBody(JSON.stringify({ query: 'queryX { a }' }))).toBe(false);
  expect(isIdempotentBody(JSON.stringify({ variables: {}, query: 'query Q { a }' }))).toBe(true);
  expect(connectionNeverSent(Object.assign(new Error('x'), { code: 'ECONNREFUSED' }))).toBe(true);
  expect(connectionNeverSent(Object.assign(new Error('x'), { code: 'ECONNRESET' }))).toBe(false);
});
