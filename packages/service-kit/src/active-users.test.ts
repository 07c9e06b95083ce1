// The client side of identity's active-users route: what a caller gets when identity answers, when it is
// down or confused (SERVICE_UNAVAILABLE, never a 500 or a guess), and how a long list is asked in parts.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ACTIVE_USERS_MAX, createActiveUsersLookup, requireActiveUsers } from './active-users.ts';
import { DomainError } from './errors.ts';

const asked: URL[] = [];
let reply: (url: URL) => [number, string] = (url) => [200, JSON.stringify({ ids: (url.searchParams.get('ids') ?? '').split(',').filter((id) => !id.startsWith('0')) })];
const identity = http.createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://x');
  asked.push(url);
  const [status, body] = req.headers['x-router-secret'] === 's3cret' ? reply(url) : [403, '{}'];
  res.writeHead(status, { 'content-type': 'application/json' }).end(body);
});
let base = '';
beforeAll(async () => {
  await new Promise<void>((resolve) => identity.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(identity.address() as AddressInfo).port}/graphql`;
});
afterAll(() => new Promise<void>((resolve) => identity.close(() => resolve())));
beforeEach(() => {
  asked.length = 0;
});

const codeOf = async (work: Promise<unknown>) => work.then(() => 'ok', (e: unknown) => (e instanceof DomainError ? e.code : `not a DomainError: ${String(e)}`));
const id = (n: number, first = 'a') => `${first}${String(n).padStart(7, '0')}-0000-4000-8000-000000000000`;

test('known ids pass, unknown ones are NOT_FOUND with their ids; the role and the router secret are sent', async () => {
  const accounts = createActiveUsersLookup({ identityUrl: () => base, routerSecret: 's3cret' });
  await requireActiveUsers(accounts, [id(1), id(2)], 'PATIENT');
  expect(asked[0]!.pathname).toBe('/internal/active-users');
  expect(asked[0]!.searchParams.get('role')).toBe('PATIENT');
  const refused = await requireActiveUsers(accounts, [id(1), id(3, '0')]).catch((e: DomainError) => e);
  expect(refused).toBeInstanceOf(DomainError);
  expect((refused as DomainError).extensions).toEqual({ code: 'NOT_FOUND', userIds: [id(3, '0')] });
});

test('a long list is asked in parts of at most ACTIVE_USERS_MAX', async () => {
  const accounts = createActiveUsersLookup({ identityUrl: () => base, routerSecret: 's3cret' });
  const ids = Array.from({ length: ACTIVE_USERS_MAX + 5 }, (_, i) => id(i));
  expect((await accounts.activeAmong(ids)).size).toBe(ids.length);
  expect(asked.map((u) => u.searchParams.get('ids')!.split(',').length)).toEqual([ACTIVE_USERS_MAX, 5]);
});

test('identity unset, down, refusing, failing or answering nonsense is SERVICE_UNAVAILABLE', async () => {
  const lookup = (url: string | undefined, secret = 's3cret') => createActiveUsersLookup({ identityUrl: () => url, routerSecret: secret, timeoutMs: 500 });
  expect(await codeOf(lookup(undefined).activeAmong([id(1)]))).toBe('SERVICE_UNAVAILABLE');
  expect(await codeOf(lookup('http://127.0.0.1:1/graphql').activeAmong([id(1)]))).toBe('SERVICE_UNAVAILABLE');
  expect(await codeOf(lookup(base, 'wrong').activeAmong([id(1)]))).toBe('SERVICE_UNAVAILABLE');
  for (const answer of [[500, '{}'], [200, 'not json'], [200, '{"ids":"x"}']] as [number, string][]) {
    reply = () => answer;
    expect(await codeOf(lookup(base).activeAmong([id(1)]))).toBe('SERVICE_UNAVAILABLE');
  }
  // Nothing to check asks nothing.
  asked.length = 0;
  expect(await lookup(undefined).activeAmong([])).toEqual(new Set());
  expect(asked).toEqual([]);
});
