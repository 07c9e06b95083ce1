// Rate limits on the public routes (/auth/*, /.well-known/*): counted per client address in Redis, so
// every router replica shares one budget; POST /auth/token (where partner secrets are tried) has a
// stricter one. Over the limit: 429 with Retry-After, and identity is not called.
import { randomInt } from 'node:crypto';
import { createTestKeys, type TestKeys } from '@clinic/service-kit/testing';
import { identitySubgraph } from '@clinic/identity';
import { composeFor, startStack, startTestRouter, type Stack } from './testing/harness.ts';
import type { RunningRouter } from './router.ts';

const LIMITS = { AUTH_RATE_LIMIT_POINTS: '5', AUTH_TOKEN_RATE_LIMIT_POINTS: '2', AUTH_RATE_LIMIT_WINDOW_SECONDS: '60' };
let keys: TestKeys;
let stack: Stack;
let replica: RunningRouter;
let identityCalls = 0;

beforeAll(async () => {
  keys = await createTestKeys();
  stack = await startStack(keys, [identitySubgraph], LIMITS);
  stack.subgraphs.identity!.httpServer.on('request', () => (identityCalls += 1));
  replica = await startTestRouter(keys, composeFor([{ definition: identitySubgraph, url: stack.subgraphs.identity!.url }]), LIMITS);
});

afterAll(async () => {
  await replica?.stop();
  await stack?.stop();
});

/** A fresh client address per test (the routers trust loopback proxies), so runs never share a budget. */
const clientAddress = () => `10.${randomInt(256)}.${randomInt(256)}.${randomInt(1, 255)}`;
const origin = (router: RunningRouter) => router.url.replace('/graphql', '');

function jwks(router: RunningRouter, ip: string) {
  return fetch(`${origin(router)}/.well-known/jwks.json`, { headers: { 'x-forwarded-for': ip } });
}

function tokenCall(router: RunningRouter, ip: string) {
  return fetch(`${origin(router)}/auth/token`, {
    method: 'POST',
    headers: { 'x-forwarded-for': ip, 'content-type': 'application/x-www-form-urlencoded' },
    body: 'grant_type=client_credentials&client_id=nobody&client_secret=wrong',
  });
}

test('/.well-known/* and /auth/* share one budget per client across router replicas; over it: 429 with Retry-After', async () => {
  const ip = clientAddress();
  const statuses: number[] = [];
  for (let i = 0; i < 5; i++) statuses.push((await jwks(i % 2 ? replica : stack.router, ip)).status);
  expect(statuses).toEqual([200, 200, 200, 200, 200]);
  const before = identityCalls;
  const refused = await jwks(replica, ip);
  expect(refused.status).toBe(429);
  expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
  expect(await refused.json()).toEqual({ error: 'too_many_requests' });
  expect((await fetch(`${origin(stack.router)}/auth/microsoft/start`, { headers: { 'x-forwarded-for': ip }, redirect: 'manual' })).status).toBe(429);
  expect(identityCalls).toBe(before);
  // Another client is unaffected, and so is GraphQL.
  expect((await jwks(stack.router, clientAddress())).status).toBe(200);
  const graphql = await fetch(stack.router.url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-forwarded-for': ip }, body: '{"query":"{ __typename }"}' });
  expect(graphql.status).toBe(200);
});

test('POST /auth/token has its own, stricter budget', async () => {
  const ip = clientAddress();
  expect((await tokenCall(stack.router, ip)).status).toBe(401);
  expect((await tokenCall(replica, ip)).status).toBe(401);
  const before = identityCalls;
  const refused = await tokenCall(stack.router, ip);
  expect(refused.status).toBe(429);
  expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
  expect(identityCalls).toBe(before);
  // The key set stays readable for that client meanwhile.
  expect((await jwks(stack.router, ip)).status).toBe(200);
});
