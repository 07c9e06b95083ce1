// A subgraph that refuses a request with a GraphQL error body (4xx + `errors`) is answering in GraphQL:
// the gateway gets it as a result (the client sees the subgraph's code), not as a transport failure.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createSubgraphFetcher } from './gateway.ts';

let server: http.Server;
let url: string;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const status = Number(req.url?.slice(1));
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(status === 418 ? '{"not":"graphql"}' : JSON.stringify({ errors: [{ message: 'bad date', extensions: { code: 'BAD_USER_INPUT' } }] }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

test('a 4xx with GraphQL errors is passed on as a GraphQL result; other answers keep their status', async () => {
  const fetcher = createSubgraphFetcher(2_000);
  const refused = await fetcher(`${url}/400`);
  expect(refused.status).toBe(200);
  expect(await refused.json()).toEqual({ errors: [{ message: 'bad date', extensions: { code: 'BAD_USER_INPUT' } }] });
  expect((await fetcher(`${url}/418`)).status).toBe(418);
  expect((await fetcher(`${url}/500`)).status).toBe(500);
});
