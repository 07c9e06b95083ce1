// The Azure-user lookup other services use: asks identity with the router secret, caches briefly.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAzureUserLookup } from './azure-users.ts';

let server: http.Server;
let calls = 0;
let url: string;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    calls++;
    const u = new URL(req.url ?? '/', 'http://x');
    if (req.headers['x-router-secret'] !== 's3cret') return res.writeHead(403).end();
    if (u.searchParams.get('oid') === 'known') {
      res.writeHead(200, { 'content-type': 'application/json' });
      return res.end(JSON.stringify({ userId: 'u1', roles: ['PATIENT'], permissions: ['availability:read'] }));
    }
    res.writeHead(404).end('{}');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
});

afterAll(() => new Promise((r) => server.close(r)));

test('maps (tid, oid) through identity and caches the answer', async () => {
  const lookup = createAzureUserLookup({ identityUrl: url, routerSecret: 's3cret' });
  calls = 0;
  expect(await lookup('t', 'known')).toEqual({ userId: 'u1', roles: ['PATIENT'], permissions: ['availability:read'] });
  await lookup('t', 'known');
  expect(calls).toBe(1);
  expect(await lookup('t', 'unknown')).toBeNull();
});

test('a wrong secret is an error, and errors are not cached', async () => {
  const lookup = createAzureUserLookup({ identityUrl: url, routerSecret: 'wrong' });
  calls = 0;
  await expect(lookup('t', 'known')).rejects.toThrow(/403/);
  await expect(lookup('t', 'known')).rejects.toThrow(/403/);
  expect(calls).toBe(2);
});
