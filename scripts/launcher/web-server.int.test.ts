// The web server in front of the router: static client with SPA fallback and safe paths, and the API
// paths (HTTP and the graphql-ws WebSocket upgrade) forwarded to a stand-in router.
import http from 'node:http';
import zlib from 'node:zlib';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { WebSocket, WebSocketServer } from 'ws';
import { missingBuildMessage, startWebServer, startWebServerIfBuilt, type RunningWebServer } from './web-server.ts';

let dist: string;
let router: http.Server;
let wss: WebSocketServer;
let web: RunningWebServer;
const seen: { url: string; forwardedFor: string | undefined }[] = [];

beforeAll(async () => {
  dist = mkdtempSync(path.join(os.tmpdir(), 'clinic-web-dist-'));
  mkdirSync(path.join(dist, 'assets'));
  writeFileSync(path.join(dist, 'index.html'), '<!doctype html><div id="root"></div>');
  writeFileSync(path.join(dist, 'assets', 'app.js'), 'console.log(1)');
  writeFileSync(path.join(dist, 'assets', 'big-abc123.js'), `export const text = ${JSON.stringify('clinic '.repeat(5000))};`);
  writeFileSync(path.join(dist, 'assets', 'big-abc123.js.map'), '{"version":3}');
  router = http.createServer((req, res) => {
    seen.push({ url: req.url ?? '', forwardedFor: req.headers['x-forwarded-for'] as string | undefined });
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json', 'x-from': 'router' });
      res.end(JSON.stringify({ path: req.url, method: req.method, body }));
    });
  });
  wss = new WebSocketServer({ server: router, path: '/graphql' });
  wss.on('connection', (socket, req) => {
    socket.send(`hello ${req.headers['sec-websocket-protocol'] ?? ''}`);
    socket.on('message', (data: Buffer) => socket.send(`echo ${data.toString()}`));
  });
  await new Promise<void>((resolve) => router.listen(0, '127.0.0.1', resolve));
  const port = (router.address() as AddressInfo).port;
  web = await startWebServer({ routerUrl: `http://127.0.0.1:${port}/graphql`, port: 0, host: '127.0.0.1', distDir: dist });
});

afterAll(async () => {
  await web?.stop();
  wss?.close();
  await new Promise<void>((resolve) => router.close(() => resolve()));
  rmSync(dist, { recursive: true, force: true });
});

test('serves the client, falls back to index.html for client routes, never leaves the build folder', async () => {
  const page = await fetch(`${web.url}/doctor/requests`);
  expect(page.status).toBe(200);
  expect(page.headers.get('content-type')).toMatch(/text\/html/);
  expect(page.headers.get('content-security-policy')).toMatch(/default-src 'self'/);
  expect(await page.text()).toContain('<div id="root">');
  const asset = await fetch(`${web.url}/assets/app.js`);
  expect(asset.headers.get('cache-control')).toMatch(/immutable/);
  expect((await fetch(`${web.url}/assets/missing.js`)).status).toBe(404);
  // identity's Microsoft sign-in lands on /auth/complete#tokens: that one /auth path is the client's.
  expect(await (await fetch(`${web.url}/auth/complete`)).text()).toContain('<div id="root">');
  const traversal = await fetch(`${web.url}/..%2f..%2fetc%2fpasswd`);
  expect(await traversal.text()).toContain('<div id="root">');
});

test('forwards /graphql, /auth/* and /.well-known/* to the router with method, query and body', async () => {
  const res = await fetch(`${web.url}/graphql?x=1`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"{ __typename }"}' });
  expect(res.headers.get('x-from')).toBe('router');
  expect(await res.json()).toEqual({ path: '/graphql?x=1', method: 'POST', body: '{"query":"{ __typename }"}' });
  expect(((await (await fetch(`${web.url}/auth/microsoft/start`)).json()) as { path: string }).path).toBe('/auth/microsoft/start');
  expect(((await (await fetch(`${web.url}/.well-known/jwks.json`)).json()) as { path: string }).path).toBe('/.well-known/jwks.json');
  expect(seen.at(-1)?.forwardedFor).toBe('127.0.0.1');
});

test('upgrades /graphql WebSockets through to the router, subprotocol included', async () => {
  const ws = new WebSocket(`${web.url.replace('http', 'ws')}/graphql`, 'graphql-transport-ws');
  const messages: string[] = [];
  await new Promise<void>((resolve, reject) => {
    ws.on('message', (data: Buffer) => {
      messages.push(data.toString());
      if (messages.length === 1) ws.send('ping');
      if (messages.length === 2) resolve();
    });
    ws.on('error', reject);
  });
  expect(ws.protocol).toBe('graphql-transport-ws');
  expect(messages).toEqual(['hello graphql-transport-ws', 'echo ping']);
  ws.close();
});

test('says how to build the client when web/dist is missing', async () => {
  await expect(startWebServer({ routerUrl: 'http://127.0.0.1:1/graphql', port: 0, distDir: path.join(dist, 'nope') })).rejects.toThrow(/npm run build -w @clinic\/web/);
  expect(missingBuildMessage()).toMatch(/web\/dist/);
  const warnings: string[] = [];
  const logger = { warn: (msg: string) => void warnings.push(msg), info: () => undefined };
  expect(await startWebServerIfBuilt({ routerUrl: 'http://127.0.0.1:1/graphql', port: 0, distDir: path.join(dist, 'nope'), logger: logger as never })).toBeNull();
  expect(warnings[0]).toMatch(/npm run build -w @clinic\/web/);
});

/** A raw GET (no automatic decompression): status, headers and the bytes as sent. */
function rawGet(url: string, headers: Record<string, string>): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    http.get(url, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    }).on('error', reject);
  });
}

test('text assets go out brotli- or gzip-compressed as the browser accepts, hashed ones cached forever; no source maps', async () => {
  const original = `export const text = ${JSON.stringify('clinic '.repeat(5000))};`;
  const br = await rawGet(`${web.url}/assets/big-abc123.js`, { 'accept-encoding': 'gzip, deflate, br' });
  expect(br.headers['content-encoding']).toBe('br');
  expect(br.headers['cache-control']).toBe('public, max-age=31536000, immutable');
  expect(br.headers.vary).toMatch(/accept-encoding/i);
  expect(br.body.length).toBeLessThan(original.length / 10);
  expect(zlib.brotliDecompressSync(br.body).toString()).toBe(original);
  const gz = await rawGet(`${web.url}/assets/big-abc123.js`, { 'accept-encoding': 'gzip' });
  expect(gz.headers['content-encoding']).toBe('gzip');
  expect(zlib.gunzipSync(gz.body).toString()).toBe(original);
  const plain = await rawGet(`${web.url}/assets/big-abc123.js`, { 'accept-encoding': 'identity' });
  expect(plain.headers['content-encoding']).toBeUndefined();
  expect(plain.body.toString()).toBe(original);
  const html = await rawGet(`${web.url}/find`, { 'accept-encoding': 'br' });
  expect(html.headers['content-encoding']).toBe('br');
  expect(html.headers['cache-control']).toBe('no-cache');
  expect((await rawGet(`${web.url}/assets/big-abc123.js.map`, {})).status).toBe(404);
});
