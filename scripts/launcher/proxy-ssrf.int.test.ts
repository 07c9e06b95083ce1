// The public-route proxy is not an open proxy: whatever the request line says (absolute-form,
// authority-form, CONNECT, `//host/...`, encoded slashes, a foreign Host header), the router and the
// web server in front of it only ever reach identity. A canary listener proves no other host is
// reached, and the ordinary paths keep working. Requests are written raw over TCP, since fetch would
// never send these forms.
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createTestKeys } from '@clinic/service-kit/testing';
import { identitySubgraph } from '@clinic/identity';
import { startStack, type Stack } from '@clinic/router/src/testing/harness.ts';
import { startWebServer, type RunningWebServer } from './web-server.ts';

let stack: Stack;
let web: RunningWebServer;
let canary: http.Server;
let canaryPort: number;
let dist: string;
const canaryHits: string[] = [];

beforeAll(async () => {
  canary = http.createServer((req, res) => {
    canaryHits.push(`${req.method} ${req.url}`);
    res.end('canary secret');
  });
  canary.on('connection', () => canaryHits.push('tcp connection'));
  await new Promise<void>((resolve) => canary.listen(0, '127.0.0.1', resolve));
  canaryPort = (canary.address() as AddressInfo).port;
  stack = await startStack(await createTestKeys(), [identitySubgraph]);
  dist = mkdtempSync(path.join(os.tmpdir(), 'clinic-web-dist-'));
  writeFileSync(path.join(dist, 'index.html'), '<!doctype html><div id="root"></div>');
  web = await startWebServer({ routerUrl: stack.router.url, port: 0, host: '127.0.0.1', distDir: dist });
});

afterAll(async () => {
  await web?.stop();
  await stack?.stop();
  await new Promise<void>((resolve) => canary?.close(() => resolve()));
  if (dist) rmSync(dist, { recursive: true, force: true });
});

/** Writes one raw HTTP/1.1 request and reads until the server closes (bounded by a timeout). */
function raw(port: number, requestLine: string, host = `127.0.0.1:${port}`): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let answer = '';
    const timer = setTimeout(() => socket.destroy(), 5_000);
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString('latin1')));
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(answer);
    });
    socket.on('error', reject);
    socket.write(`${requestLine}\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
  });
}

const statusOf = (answer: string) => Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1] ?? 0);

function attacks(): string[] {
  const other = `127.0.0.1:${canaryPort}`;
  return [
    `GET http://${other}/auth/x HTTP/1.1`,
    `GET http://${other}/.well-known/jwks.json HTTP/1.1`,
    `POST http://${other}/auth/token HTTP/1.1`,
    `GET http://evil.invalid/auth/x HTTP/1.1`,
    `GET https://${other}/auth/x HTTP/1.1`,
    `GET //${other}/auth/x HTTP/1.1`,
    `GET ${other}/auth/x HTTP/1.1`,
    `GET ${other} HTTP/1.1`,
    `CONNECT ${other} HTTP/1.1`,
    `OPTIONS * HTTP/1.1`,
    `GET /auth/..%2f..%2fgraphql HTTP/1.1`,
    `GET /auth/%2e%2e/%2e%2e/x HTTP/1.1`,
    `GET /auth//${other}/x HTTP/1.1`,
    `GET /auth/..\\..\\x HTTP/1.1`,
  ];
}

describe.each([
  ['router', () => stack.router.port],
  ['web server', () => web.port],
])('the %s', (_name, portOf) => {
  test('sends no request line form to any listener but identity', async () => {
    for (const line of attacks()) {
      const answer = await raw(portOf(), line);
      expect({ line, leaked: answer.includes('canary secret') }).toEqual({ line, leaked: false });
      // A refused target is a client error, never a 2xx from somewhere else. (Dot segments that
      // resolve outside /auth/ are simply another path of this server: the web app, or a 404.)
      if (line.includes('%2e%2e')) continue;
      expect({ line, ok: statusOf(answer) >= 200 && statusOf(answer) < 300 }).toEqual({ line, ok: false });
    }
    // A foreign Host header does not choose the upstream either.
    const viaHost = await raw(portOf(), 'GET /.well-known/jwks.json HTTP/1.1', `127.0.0.1:${canaryPort}`);
    expect(statusOf(viaHost)).toBe(200);
    expect(viaHost).toContain('"keys"');
    expect(canaryHits).toEqual([]);
  });

  test('still forwards the ordinary public paths to identity, and stays healthy', async () => {
    const jwks = await raw(portOf(), 'GET /.well-known/jwks.json HTTP/1.1');
    expect(statusOf(jwks)).toBe(200);
    expect(jwks).toContain('"keys"');
    const base = `http://127.0.0.1:${portOf()}`;
    const token = await fetch(`${base}/auth/token`, { method: 'POST', body: 'grant_type=client_credentials&client_id=x&client_secret=y', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(token.status).toBe(401);
    const health = await fetch(`${stack.router.url.replace('/graphql', '')}/health`);
    expect(health.status).toBe(200);
    expect(canaryHits).toEqual([]);
  });
});
