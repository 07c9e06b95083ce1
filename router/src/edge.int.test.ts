// Edge protection, tested the way Apollo's router tests are: a rejected operation never reaches a
// subgraph, the error code is exact, an operation just under the limit passes, the server stays healthy.
import { randomUUID } from 'node:crypto';
import { createTestKeys, eventually, signTestToken, type TestKeys } from '@clinic/service-kit/testing';
import { identitySubgraph } from '@clinic/identity';
import { greetingsSubgraph } from './testing/greetings-subgraph.ts';
import { composeFor, gql, startStack, startTestRouter, type Stack } from './testing/harness.ts';

let keys: TestKeys;
let stack: Stack;
let subgraphCalls = 0;
let subgraphConnections = 0;

const LIMITS = {
  MAX_DEPTH: '6',
  MAX_ALIASES: '3',
  MAX_TOKENS: '200',
  MAX_DIRECTIVES: '4',
  MAX_COST: '60',
  MAX_BODY_BYTES: '4000',
  RATE_LIMIT_POINTS: '1000',
};

beforeAll(async () => {
  keys = await createTestKeys();
  stack = await startStack(keys, [identitySubgraph, greetingsSubgraph], LIMITS);
  for (const s of Object.values(stack.subgraphs)) {
    s.httpServer.on('request', (req) => {
      if (req.url?.startsWith('/graphql')) subgraphCalls += 1;
    });
    s.httpServer.on('connection', () => {
      subgraphConnections += 1;
    });
  }
});

afterAll(async () => {
  await stack?.stop();
});

async function expectRejectedBeforeSubgraphs(query: string, code: string) {
  const before = subgraphCalls;
  const res = await gql(stack.router.url, query);
  expect(res.body.errors?.[0]?.extensions?.code).toBe(code);
  expect(res.body.data ?? null).toBeNull();
  expect(subgraphCalls).toBe(before);
  return res;
}

/** greetings { reply { reply { ... text } } } at the given depth (greetings itself is depth 1). */
function greetingsAtDepth(depth: number): string {
  let selection = 'text';
  for (let i = 1; i < depth - 1; i++) selection = `reply { ${selection} }`;
  return `{ greetings(userIds: []) { ${selection} } }`;
}

test('depth over the limit is refused with GRAPHQL_VALIDATION_FAILED and never reaches a subgraph', async () => {
  await expectRejectedBeforeSubgraphs(greetingsAtDepth(8), 'GRAPHQL_VALIDATION_FAILED');
});

test('an operation at the depth limit passes', async () => {
  const ok = await gql(stack.router.url, greetingsAtDepth(6));
  expect(ok.body.errors).toBeUndefined();
  expect(ok.body.data).toEqual({ greetings: [] });
});

test('too many aliases are refused; exactly the limit passes', async () => {
  const aliased = (n: number) => `{ ${Array.from({ length: n }, (_, i) => `a${i}: greetings(userIds: []) { text }`).join(' ')} }`;
  await expectRejectedBeforeSubgraphs(aliased(4), 'GRAPHQL_VALIDATION_FAILED');
  const ok = await gql(stack.router.url, aliased(3));
  expect(ok.body.data).toEqual({ a0: [], a1: [], a2: [] });
});

test('too many directives are refused; exactly the limit passes', async () => {
  const withDirectives = (n: number) => `{ greetings(userIds: []) { ${Array.from({ length: n }, () => 'text @include(if: true)').join(' ')} } }`;
  await expectRejectedBeforeSubgraphs(withDirectives(5), 'GRAPHQL_VALIDATION_FAILED');
  const ok = await gql(stack.router.url, withDirectives(4));
  expect(ok.body.errors).toBeUndefined();
});

test('an operation over the cost limit is refused before any subgraph runs it', async () => {
  // armor's cost model weighs objects above scalars and deeper fields more: one more level of the same
  // shape crosses 60.
  const wide = (levels: number) => {
    let selection = 'text user { id }';
    for (let i = 0; i < levels; i++) selection = `text user { id } reply { ${selection} }`;
    return `{ greetings(userIds: []) { ${selection} } }`;
  };
  // wide(3) is within the depth limit (6) but costs ~71; wide(2) costs under 60.
  const refused = await expectRejectedBeforeSubgraphs(wide(3), 'GRAPHQL_VALIDATION_FAILED');
  expect(refused.body.errors?.[0]?.message).toMatch(/Cost limit of 60 exceeded/);
  const ok = await gql(stack.router.url, wide(2));
  expect(ok.body.errors).toBeUndefined();
});

test('a named fragment is weighed about as its fields inline: a client that writes one is not refused for it, and cannot hide cost in one', async () => {
  // wide(2) and wide(3) of the test above, each level's fields written once as a fragment (as the web app's
  // documents do). Weighed one level deeper per spread, wide(2) so written cost 110 instead of 72.
  const withFragments = (levels: number) => {
    let selection = '...Leaf';
    for (let i = 0; i < levels; i++) selection = `...Leaf reply { ${selection} }`;
    return `{ greetings(userIds: []) { ${selection} } } fragment Leaf on Greeting { text user { id } }`;
  };
  const roomier = await startStack(keys, [identitySubgraph, greetingsSubgraph], { ...LIMITS, MAX_COST: '80' });
  try {
    const ok = await gql(roomier.router.url, withFragments(2));
    expect(ok.body.errors).toBeUndefined();
    const refused = await gql(roomier.router.url, withFragments(3));
    expect(refused.body.errors?.[0]?.message).toMatch(/Cost limit of 80 exceeded/);
  } finally {
    await roomier.stop();
  }
});

test('too many tokens are refused before parsing reaches a subgraph', async () => {
  const fields = Array.from({ length: 250 }, () => '__typename').join(' ');
  const res = await expectRejectedBeforeSubgraphs(`{ ${fields} }`, 'GRAPHQL_PARSE_FAILED');
  expect(res.body.errors?.[0]?.message).toMatch(/more tha[nt] 200 tokens/);
  expect(res.status).toBe(400);
});

test('a body over the cap gets 413 and the router stays healthy', async () => {
  const before = subgraphCalls;
  const res = await fetch(stack.router.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: `{ __typename } # ${'x'.repeat(5000)}` }),
  });
  expect(res.status).toBe(413);
  expect(subgraphCalls).toBe(before);
  const health = await fetch(stack.router.url.replace('/graphql', '/health'));
  expect(health.status).toBe(200);
});

test('batched requests are refused', async () => {
  const res = await fetch(stack.router.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify([{ query: '{ __typename }' }, { query: '{ __typename }' }]),
  });
  expect(res.status).toBe(400);
});

test('CSRF prevention: a simple GET without a preflight header is refused', async () => {
  const res = await fetch(`${stack.router.url}?query=${encodeURIComponent('{ __typename }')}`);
  expect(res.status).toBe(400);
  const allowed = await fetch(`${stack.router.url}?query=${encodeURIComponent('{ __typename }')}`, {
    headers: { 'apollo-require-preflight': 'true' },
  });
  expect(allowed.status).toBe(200);
});

test('subgraph calls reuse keep-alive connections', async () => {
  const token = await signTestToken(keys, { sub: randomUUID(), roles: ['ADMIN'] });
  const before = subgraphConnections;
  for (let i = 0; i < 20; i++) {
    const res = await gql(stack.router.url, 'query($ids: [ID!]!) { greetings(userIds: $ids) { text user { id } } }', {
      variables: { ids: [randomUUID()] },
      token,
    });
    expect(res.body.errors).toBeUndefined();
  }
  // 20 requests × 2 subgraph fetches each; with keep-alive, a handful of sockets at most.
  expect(subgraphConnections - before).toBeLessThanOrEqual(4);
});

describe('upstream timeout', () => {
  let impatient: Stack;
  beforeAll(async () => {
    impatient = await startStack(keys, [identitySubgraph, greetingsSubgraph], { UPSTREAM_TIMEOUT_MS: '200' });
  });
  afterAll(async () => {
    await impatient?.stop();
  });

  test('a subgraph slower than the timeout yields UPSTREAM_TIMEOUT, and the router keeps serving', async () => {
    const slow = await gql(impatient.router.url, '{ slowGreeting(ms: 1000) }');
    expect(slow.status).toBe(200);
    expect(slow.body.errors?.[0]?.extensions?.code).toBe('UPSTREAM_TIMEOUT');
    const quick = await gql(impatient.router.url, '{ slowGreeting(ms: 10) }');
    expect(quick.body.data).toEqual({ slowGreeting: 'late hello' });
  });
});

describe('rate limiting (shared through Redis)', () => {
  let limited: Stack;
  beforeAll(async () => {
    limited = await startStack(keys, [identitySubgraph], { RATE_LIMIT_POINTS: '5', RATE_LIMIT_WINDOW_SECONDS: '60' });
  });
  afterAll(async () => {
    await limited?.stop();
  });

  test('a client over its budget gets 429 RATE_LIMITED with Retry-After; another client is unaffected', async () => {
    const noisy = await signTestToken(keys, { sub: randomUUID(), roles: ['PATIENT'] });
    const quiet = await signTestToken(keys, { sub: randomUUID(), roles: ['PATIENT'] });
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) statuses.push((await gql(limited.router.url, '{ __typename }', { token: noisy })).status);
    expect(statuses.slice(0, 5)).toEqual([200, 200, 200, 200, 200]);
    const refused = await gql(limited.router.url, '{ __typename }', { token: noisy });
    expect(refused.status).toBe(429);
    expect(refused.body.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await gql(limited.router.url, '{ __typename }', { token: quiet })).status).toBe(200);
  });

  test("another deployment on the same Redis (its own RATE_LIMIT_KEY_PREFIX) keeps its own budgets; the same deployment's routers share one", async () => {
    const sdl = composeFor([{ definition: identitySubgraph, url: limited.subgraphs.identity!.url }]);
    const limits = { RATE_LIMIT_POINTS: '5', RATE_LIMIT_WINDOW_SECONDS: '60' };
    const sibling = await startTestRouter(keys, sdl, limits);
    const elsewhere = await startTestRouter(keys, sdl, { ...limits, RATE_LIMIT_KEY_PREFIX: `router:rl:elsewhere:${randomUUID()}` });
    try {
      const caller = await signTestToken(keys, { sub: randomUUID(), roles: ['PATIENT'] });
      for (let i = 0; i < 6; i++) await gql(limited.router.url, '{ __typename }', { token: caller });
      // Once the spent budget is synchronised through Redis, the sibling router refuses the caller too...
      const refusedBySibling = await eventually(async () => (await gql(sibling.url, '{ __typename }', { token: caller })).status, (status) => status === 429, 5_000);
      expect(refusedBySibling).toBe(429);
      // ...while the other deployment's router never saw it spent.
      const elsewhereStatuses: number[] = [];
      for (let i = 0; i < 5; i++) elsewhereStatuses.push((await gql(elsewhere.url, '{ __typename }', { token: caller })).status);
      expect(elsewhereStatuses).toEqual([200, 200, 200, 200, 200]);
    } finally {
      await sibling.stop();
      await elsewhere.stop();
    }
  });
});

describe('production mode', () => {
  let prod: Stack;
  beforeAll(async () => {
    prod = await startStack(keys, [identitySubgraph], { NODE_ENV: 'production', ...LIMITS });
  });
  afterAll(async () => {
    await prod?.stop();
  });

  test('no landing page, no introspection, no field suggestions, limits not echoed', async () => {
    const page = await fetch(prod.router.url, { headers: { accept: 'text/html' } });
    expect(await page.text()).not.toMatch(/sandbox/i);

    const introspection = await gql(prod.router.url, '{ __schema { queryType { name } } }');
    expect(introspection.body.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');

    const typo = await gql(prod.router.url, '{ mee { id } }');
    expect(typo.body.errors?.[0]?.message).not.toMatch(/Did you mean/);

    const aliases = await gql(prod.router.url, '{ a: me { id } b: me { id } c: me { id } d: me { id } }');
    expect(aliases.body.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(aliases.body.errors?.[0]?.message).not.toMatch(/\d/);

    const large = await gql(prod.router.url, `{ ${Array.from({ length: 250 }, () => '__typename').join(' ')} }`);
    expect(large.status).toBe(400);
    expect(large.body.errors?.[0]?.extensions?.code).toBe('GRAPHQL_PARSE_FAILED');
    expect(large.body.errors?.[0]?.message).not.toMatch(/\d/);
  });
});

test('development mode serves the Apollo Sandbox landing page on GET', async () => {
  const page = await fetch(stack.router.url, { headers: { accept: 'text/html' } });
  expect(page.status).toBe(200);
  expect(await page.text()).toMatch(/sandbox/i);
});
