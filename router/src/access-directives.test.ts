// The cases of Apollo Router's documented @authenticated / @requiresScopes semantics (its authorization
// tests: field AND type, scope lists, interfaces and their implementations, fragments on interfaces,
// unions, nested fields, the root type), against our edge check.
import { parse } from 'graphql';
import type { Viewer } from '@clinic/service-kit';
import { analyseAccess, buildAccessSchema, checkOperationAccess } from './access-directives.ts';

const schema = buildAccessSchema(`
  directive @authenticated on FIELD_DEFINITION | OBJECT | INTERFACE | SCALAR | ENUM
  directive @requiresScopes(scopes: [[String!]!]!) on FIELD_DEFINITION | OBJECT | INTERFACE | SCALAR | ENUM
  type Query {
    topProducts: [Product]
    me: User @requiresScopes(scopes: [["profile"]])
    itf: I
    search: [SearchResult]
  }
  type Mutation @requiresScopes(scopes: [["mut"]]) {
    ping: String
  }
  interface I { id: ID }
  type A implements I @requiresScopes(scopes: [["a", "b"]]) { id: ID a: String }
  type B implements I { id: ID @requiresScopes(scopes: [["b"]]) b: String }
  type User @requiresScopes(scopes: [["read:user"]]) {
    id: ID!
    name: String
    email: String @requiresScopes(scopes: [["read:email"]])
  }
  type Product {
    id: ID!
    name: String
    reviews: [Review] @authenticated
    internal: String @requiresScopes(scopes: [["admin"], ["staff", "read:internal"]])
    cost: Money
    tier: Tier
  }
  scalar Money @requiresScopes(scopes: [["finance"]])
  enum Tier @authenticated { GOLD SILVER }
  type Review @authenticated { body: String author: User }
  type Secret @requiresScopes(scopes: [["secret"]]) { code: String }
  union SearchResult = Product | Secret
`);

const anonymous: Viewer = { kind: 'anonymous' } as Viewer;
const partner = (...scopes: string[]): Viewer => ({ kind: 'partner', clientId: 'p1', scopes }) as unknown as Viewer;

/** The code of the first refusal, or 'ok'. */
function verdict(viewer: Viewer, query: string): string {
  return (checkOperationAccess(schema, parse(query), viewer)?.extensions.code as string | undefined) ?? 'ok';
}

/** What is removed for this viewer. */
function removed(viewer: Viewer, query: string): string[] {
  return analyseAccess(schema, parse(query), viewer).denied.map((d) => `${d.what}:${d.denial}`);
}

describe('a field and the type it returns', () => {
  test('both requirements must hold (AND), not either', () => {
    expect(verdict(partner('profile'), '{ me { id } }')).toBe('FORBIDDEN');
    expect(verdict(partner('read:user'), '{ me { id } }')).toBe('FORBIDDEN');
    expect(verdict(partner('profile', 'read:user'), '{ me { id } }')).toBe('ok');
  });

  test('nested fields add their own requirements', () => {
    expect(removed(partner('profile', 'read:user'), '{ me { id email } }')).toEqual(['User.email:FORBIDDEN']);
    expect(removed(partner('profile', 'read:user', 'read:email'), '{ me { id email } }')).toEqual([]);
  });

  test('anonymous callers are UNAUTHENTICATED, signed-in ones without scopes FORBIDDEN; __typename is always readable', () => {
    expect(verdict(anonymous, '{ me { id } }')).toBe('UNAUTHENTICATED');
    expect(verdict(partner(), '{ me { id } }')).toBe('FORBIDDEN');
    expect(verdict(anonymous, '{ __typename topProducts { __typename id name } }')).toBe('ok');
  });
});

describe('scope lists: the outer list is OR, each inner list AND', () => {
  test.each([
    [['admin'], 'ok'],
    [['staff'], 'FORBIDDEN'],
    [['read:internal'], 'FORBIDDEN'],
    [['staff', 'read:internal'], 'ok'],
  ])('holding %j → %s', (scopes, expected) => {
    expect(verdict(partner(...scopes), '{ topProducts { internal } }')).toBe(expected);
  });
});

describe('@authenticated on a type and on a field, nested in lists', () => {
  test('reviews (authenticated field returning an authenticated type) are removed for anonymous callers only', () => {
    expect(removed(anonymous, '{ topProducts { name reviews { body } } }')).toEqual(['Product.reviews:UNAUTHENTICATED']);
    expect(removed(partner(), '{ topProducts { name reviews { body } } }')).toEqual([]);
    // Reached through a type requirement further down.
    expect(removed(partner(), '{ topProducts { reviews { body author { name } } } }')).toEqual(['Review.author:FORBIDDEN']);
  });
});

describe('scalars and enums', () => {
  test('a requirement on a scalar or enum type applies to every field returning it', () => {
    expect(removed(partner(), '{ topProducts { name cost } }')).toEqual(['Product.cost:FORBIDDEN']);
    expect(removed(partner('finance'), '{ topProducts { name cost } }')).toEqual([]);
    expect(removed(anonymous, '{ topProducts { tier } }')).toEqual(['Product.tier:UNAUTHENTICATED']);
    expect(removed(partner(), '{ topProducts { tier } }')).toEqual([]);
  });
});

describe('interfaces and their implementations', () => {
  test('a field read through an interface must be readable on every implementation', () => {
    // B.id needs "b"; plain fields on I also need every implementation type (A needs a AND b).
    expect(verdict(partner('a', 'b'), '{ itf { id } }')).toBe('ok');
    expect(removed(partner('b'), '{ itf { id } }')).toEqual(['Query.itf:FORBIDDEN']);
    expect(removed(partner('a'), '{ itf { id } }')).toEqual(['Query.itf:FORBIDDEN']);
  });

  test('only __typename or fragments under an interface field: checked per fragment type', () => {
    expect(removed(partner(), '{ itf { __typename ... on B { b } } }')).toEqual([]);
    expect(removed(partner(), '{ itf { __typename ... on A { a } ... on B { b } } }')).toEqual(['... on A:FORBIDDEN']);
    expect(removed(partner(), '{ itf { ... on B { id b } } }')).toEqual(['B.id:FORBIDDEN']);
  });

  test('named fragments on an interface or an implementation are checked like inline ones', () => {
    const viaInterface = 'query { itf { ...F } } fragment F on I { id }';
    expect(removed(partner('b'), viaInterface)).toEqual(['I.id:FORBIDDEN']);
    expect(verdict(partner('a', 'b'), viaInterface)).toBe('ok');
    const viaType = 'query { itf { ...G } } fragment G on A { a }';
    expect(removed(partner('a'), viaType)).toEqual(['... on A:FORBIDDEN']);
    expect(verdict(partner('a', 'b'), viaType)).toBe('ok');
  });
});

describe('unions', () => {
  test('a fragment on a member type needs that type readable; the other members still answer', () => {
    const query = '{ search { __typename ... on Product { name } ... on Secret { code } } }';
    expect(removed(partner(), query)).toEqual(['... on Secret:FORBIDDEN']);
    expect(removed(partner('secret'), query)).toEqual([]);
  });
});

describe('the root type', () => {
  test('a requirement on Mutation refuses every mutation', () => {
    expect(verdict(partner(), 'mutation { ping }')).toBe('FORBIDDEN');
    expect(verdict(anonymous, 'mutation { ping }')).toBe('UNAUTHENTICATED');
    expect(verdict(partner('mut'), 'mutation { ping }')).toBe('ok');
  });

  test('the chosen operation of a multi-operation document is the one checked', () => {
    const doc = parse('query Open { topProducts { name } } query Closed { me { id } }');
    expect(checkOperationAccess(schema, doc, anonymous, 'Open')).toBeNull();
    expect(checkOperationAccess(schema, doc, anonymous, 'Closed')?.extensions.code).toBe('UNAUTHENTICATED');
  });
});
