// The router's subgraph calls over node:http: sequential calls reuse one keep-alive connection, a compressed
// answer is read, an answer that stalls past the timeout is a timeout (even mid-body), and one cut off
// mid-way is an error rather than half a result.
import http from 'node:http';
import zlib from 'node:zlib';
import type { AddressInfo } from 'node:net';
import { requestSubgraph } from './subgraph-http.ts';

let server: http.Server;
let base: string;
let connections = 0;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    if (req.url === '/gzip') {
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
      res.end(zlib.gzipSync(JSON.stringify({ data: { ok: true } })));
    } else if (req.url === '/stall') {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
      res.write('{"data":'); // and never the rest
    } else if (req.url === '/cut') {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
      res.write('{"data":', () => res.socket?.destroy());
    } else {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/json', 'x-seen': req.headers['x-test'] ?? '' });
        res.end(JSON.stringify({ echo: body, length: req.headers['content-length'] }));
      });
    }
  });
  server.on('connection', () => (connections += 1));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => {
  server.closeAllConnections();
  return new Promise<void>((resolve) => server.close(() => resolve()));
});

test('sequential calls share one keep-alive connection and send body and headers as given', async () => {
  const before = connections;
  for (let i = 0; i < 5; i++) {
    const body = JSON.stringify({ query: `{ n${i} }`, note: 'é' });
    const res = await requestSubgraph(`${base}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-test': 'yes' }, body }, 2_000);
    expect(res.ok).toBe(true);
    expect(res.headers.get('X-Seen')).toBe('yes');
    expect(await res.json()).toEqual({ echo: body, length: String(Buffer.byteLength(body)) });
  }
  expect(connections - before).toBe(1);
});

test('a compressed answer is read', async () => {
  expect(await (await requestSubgraph(`${base}/gzip`, undefined, 2_000)).json()).toEqual({ data: { ok: true } });
});

test('an answer that stalls mid-body past the timeout is a timeout', async () => {
  await expect(requestSubgraph(`${base}/stall`, undefined, 200)).rejects.toMatchObject({ name: 'AbortError' });
});

test('an answer cut off mid-way is an error, not half a result', async () => {
  await expect(requestSubgraph(`${base}/cut`, undefined, 2_000)).rejects.toMatchObject({ message: expect.any(String) });
});
