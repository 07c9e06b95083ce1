// /metrics on the router and on a subgraph (through the kit), on the real Postgres and Redis: a request and
// an error are counted per operation and code, the router's subgraph fetches and the subgraph's DB pool and
// outbox lag are exported, and scrapes without the METRICS_TOKEN (or any scrape in production without one)
// are refused.
import { createTestKeys, signTestToken, type TestKeys } from '@clinic/service-kit/testing';
import { identitySubgraph } from '@clinic/identity';
import { UserSchema } from '@clinic/identity/src/entities/user.ts';
import { greetingsSubgraph } from './testing/greetings-subgraph.ts';
import { gql, startStack, startTestRouter, composeFor, type Stack } from './testing/harness.ts';

const METRICS_TOKEN = 'scrape-secret-for-tests';
let keys: TestKeys;
let stack: Stack;
let userId: string;

beforeAll(async () => {
  keys = await createTestKeys();
  // Subgraphs read METRICS_TOKEN from the environment (their config does not carry it).
  process.env.METRICS_TOKEN = METRICS_TOKEN;
  stack = await startStack(keys, [identitySubgraph, greetingsSubgraph], { METRICS_TOKEN });
  const em = stack.subgraphs.identity!.orm.em.fork();
  const user = em.create(UserSchema, { email: 'metrics@example.test', displayName: 'Metrics Person', createdAt: new Date() });
  await em.flush();
  userId = user.id;
});

afterAll(async () => {
  await stack?.stop();
  delete process.env.METRICS_TOKEN;
});

const metricsUrl = (graphqlUrl: string) => graphqlUrl.replace('/graphql', '/metrics');

async function scrape(graphqlUrl: string, token: string | null = METRICS_TOKEN): Promise<{ status: number; text: string }> {
  const res = await fetch(metricsUrl(graphqlUrl), { headers: token ? { authorization: `Bearer ${token}` } : {} });
  return { status: res.status, text: await res.text() };
}

/** The value of one series, or 0 when it is absent. */
function valueOf(text: string, name: string, labels: Record<string, string>): number {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    const labelPart = line.slice(name.length + 1, line.indexOf('}'));
    if (wanted.every((w) => labelPart.split(',').includes(w))) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return 0;
}

test('counts a request and an error per operation name and code, on the router and the subgraph', async () => {
  const token = await signTestToken(keys, { sub: userId, roles: ['ADMIN'] });
  const before = (await scrape(stack.router.url)).text;
  const beforeIdentity = (await scrape(stack.subgraphs.identity!.url)).text;

  const ok = await gql(stack.router.url, 'query MetricsGreeting($ids: [ID!]!) { greetings(userIds: $ids) { user { email } } }', {
    variables: { ids: [userId] },
    token,
  });
  expect(ok.body.errors).toBeUndefined();
  const failed = await gql(stack.router.url, 'query MetricsMe { me { email } }');
  expect(failed.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  const refused = await gql(stack.router.url, 'query MetricsBadToken { __typename }', { token: 'not.a.token' });
  expect(refused.status).toBe(401);

  const after = (await scrape(stack.router.url)).text;
  const delta = (name: string, labels: Record<string, string>) => valueOf(after, name, labels) - valueOf(before, name, labels);
  expect(delta('graphql_requests_total', { service: 'router', operation: 'MetricsGreeting' })).toBe(1);
  expect(delta('graphql_request_duration_seconds_count', { service: 'router', operation: 'MetricsGreeting' })).toBe(1);
  expect(delta('graphql_requests_total', { service: 'router', operation: 'MetricsMe' })).toBe(1);
  expect(delta('graphql_errors_total', { service: 'router', operation: 'MetricsMe', code: 'UNAUTHENTICATED' })).toBe(1);
  expect(delta('graphql_errors_total', { service: 'router', operation: 'MetricsGreeting', code: 'UNAUTHENTICATED' })).toBe(0);
  // Refused at the edge before Apollo runs: counted by code and by HTTP status.
  expect(delta('graphql_errors_total', { service: 'router', operation: '(anonymous)', code: 'UNAUTHENTICATED' })).toBe(1);
  // Both refusals answered 401 (an anonymous `me` is refused whole: nothing readable at the root).
  expect(delta('http_responses_total', { service: 'router', route: '/graphql', status: '401' })).toBe(2);
  expect(delta('http_responses_total', { service: 'router', route: '/graphql', status: '200' })).toBe(1);
  // The federated query fetched from both subgraphs.
  expect(delta('router_subgraph_fetch_duration_seconds_count', { subgraph: 'greetings', outcome: 'ok' })).toBeGreaterThanOrEqual(1);
  expect(delta('router_subgraph_fetch_duration_seconds_count', { subgraph: 'identity', outcome: 'ok' })).toBeGreaterThanOrEqual(1);
  expect(after).toMatch(/^websocket_connections\{service="router",side="client"\} 0$/m);

  // The subgraph counts the operation the router sent it, and reports its pool and outbox.
  const identity = (await scrape(stack.subgraphs.identity!.url)).text;
  const identityCount = (text: string) =>
    text
      .split('\n')
      .filter((l) => l.startsWith('graphql_requests_total{service="identity"'))
      .reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
  // The gateway names its subgraph operations after the client's: MetricsGreeting__identity__1.
  expect(identityCount(identity) - identityCount(beforeIdentity)).toBe(1);
  expect(identity).toMatch(/^graphql_requests_total\{service="identity",operation="MetricsGreeting__identity__\d+"\} 1$/m);
  expect(identity).toMatch(/^db_pool_connections\{service="identity",state="max"\} [1-9]/m);
  expect(identity).toMatch(/^outbox_oldest_pending_age_seconds\{service="identity"\} \d/m);
  expect(identity).toMatch(/^outbox_pending_events\{service="identity"\} \d/m);
});

test('refuses scrapes without the token, with a wrong one, and anything but GET', async () => {
  for (const url of [stack.router.url, stack.subgraphs.identity!.url]) {
    expect((await scrape(url, null)).status).toBe(404);
    expect((await scrape(url, 'wrong-token')).status).toBe(404);
    expect((await fetch(metricsUrl(url), { method: 'POST', headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).status).toBe(404);
    const allowed = await scrape(url);
    expect(allowed.status).toBe(200);
    expect(allowed.text).toContain('# TYPE graphql_requests_total counter');
  }
});

test('in production without METRICS_TOKEN nobody may scrape, not even from loopback', async () => {
  const sdl = composeFor([
    { definition: identitySubgraph, url: stack.subgraphs.identity!.url },
    { definition: greetingsSubgraph, url: stack.subgraphs.greetings!.url },
  ]);
  const production = await startTestRouter(keys, sdl, { NODE_ENV: 'production', METRICS_TOKEN: '', TRUSTED_PROXIES: 'loopback' });
  try {
    expect((await scrape(production.url, null)).status).toBe(404);
    expect((await scrape(production.url, 'anything')).status).toBe(404);
  } finally {
    await production.stop();
  }
});
