// The kept access analysis is per kind of viewer: the same document read by callers holding the same
// scopes reuses one analysis; a caller holding other scopes, or none, gets their own verdict.
import { parse } from 'graphql';
import type { Viewer } from '@clinic/service-kit';
import { buildAccessSchema } from './access-directives.ts';
import { analyseAccessMemo } from './access-memo.ts';

const schema = buildAccessSchema(`
  directive @authenticated on FIELD_DEFINITION | OBJECT
  directive @requiresScopes(scopes: [[String!]!]!) on FIELD_DEFINITION | OBJECT
  type Query { open: String, mine: String @authenticated, secret: String @requiresScopes(scopes: [["secret:read"]]) }
`);
const partner = (...scopes: string[]): Viewer => ({ kind: 'partner', clientId: `p-${Math.random()}`, scopes }) as unknown as Viewer;
const anonymous = { kind: 'anonymous' } as Viewer;
const deniedOf = (viewer: Viewer, document = parse('{ open mine secret }')) => analyseAccessMemo(schema, document, viewer).denied.map((d) => d.what);

test('one analysis per document and kind of viewer, never shared across different rights', () => {
  const document = parse('{ open mine secret }');
  const first = analyseAccessMemo(schema, document, partner('secret:read'));
  expect(analyseAccessMemo(schema, document, partner('secret:read'))).toBe(first);
  expect(first.denied).toEqual([]);
  expect(deniedOf(partner(), document)).toHaveLength(1);
  expect(deniedOf(anonymous, document)).toHaveLength(2);
  // The first verdict is still the one for its own kind of viewer.
  expect(analyseAccessMemo(schema, document, partner('secret:read')).denied).toEqual([]);
});
