// A local stand-in for a browser vendor's push service (RFC 8030), over HTTPS with a throw-away self-signed
// certificate (web-push only speaks HTTPS): records each request's headers and encrypted body, answers 201, or
// the status a test queues up (404 / 410: the subscription is gone). `agent` trusts its certificate.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';

export interface PushRequest {
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export interface StubPushService {
  origin: string;
  agent: https.Agent;
  requests: PushRequest[];
  /** The next request to `path` gets this status. */
  answer(path: string, status: number): void;
  close(): Promise<void>;
}

export async function startStubPushService(): Promise<StubPushService> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'push-stub-'));
  const key = path.join(dir, 'key.pem');
  const cert = path.join(dir, 'cert.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
  const tls = { key: readFileSync(key), cert: readFileSync(cert) };
  rmSync(dir, { recursive: true, force: true });
  const requests: PushRequest[] = [];
  const answers = new Map<string, number>();
  const server = https.createServer(tls, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const at = req.url ?? '/';
      requests.push({ path: at, headers: req.headers, body: Buffer.concat(chunks) });
      const status = answers.get(at) ?? 201;
      answers.delete(at);
      res.writeHead(status, status === 201 ? { location: `${at}/m/${requests.length}` } : {});
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    origin: `https://127.0.0.1:${(server.address() as AddressInfo).port}`,
    agent: new https.Agent({ ca: tls.cert }),
    requests,
    answer: (p, status) => void answers.set(p, status),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
