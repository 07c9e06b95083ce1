// Which answers may be cached, read from the committed supergraph: availability reads are private (they
// depend on the caller's role and need a caller), `__typename` alone is public, and anything that reads a
// field not listed — a user's name, appointments, a mutation — is not cacheable at all.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse, type OperationDefinitionNode } from 'graphql';
import { buildAccessSchema } from './access-directives.ts';
import { audienceOf, etagOf } from './http-cache.ts';

const supergraph = readFileSync(path.join(__dirname, '..', '..', 'schema', 'supergraph.graphql'), 'utf8');
const api = buildAccessSchema(supergraph);

const audience = (query: string) => {
  const document = parse(query);
  return audienceOf(api, document, document.definitions[0] as OperationDefinitionNode);
};

test('availability reads are private; only fields listed as shared count', () => {
  expect(audience(`query($s: SlotSearchInput!) { availableSlots(search: $s) { slots { startsAt localStartsAt consultationType emergency doctor { id __typename } } endCursor hasNextPage } }`)).toBe('private');
  expect(audience(`query { searchSuggestions(text: "heart") { kind value } }`)).toBe('private');
  expect(audience(`{ __typename }`)).toBe('public');
});

test('anything private or unlisted makes the answer uncacheable', () => {
  expect(audience(`query($s: SlotSearchInput!) { availableSlots(search: $s) { slots { doctor { id displayName } } } }`)).toBeNull();
  expect(audience(`query($s: SlotSearchInput!) { availableSlots(search: $s) { hasNextPage } myAppointments { id } }`)).toBeNull();
  expect(audience(`{ me { id } }`)).toBeNull();
  expect(audience(`mutation { __typename }`)).toBeNull();
  expect(audience(`query($s: SlotSearchInput!) { availableSlots(search: $s) { ... on SlotPage { slots { doctor { ... on User { email } } } } } }`)).toBeNull();
});

test('the ETag is strong and follows the bytes', () => {
  expect(etagOf('{"a":1}')).toBe(etagOf('{"a":1}'));
  expect(etagOf('{"a":1}')).not.toBe(etagOf('{"a":2}'));
  expect(etagOf('x')).toMatch(/^"[A-Za-z0-9_-]+"$/);
});
