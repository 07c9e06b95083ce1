// Local stand-ins for SendGrid's and Twilio's HTTP APIs: the real SDKs are pointed at them. They record every
// request and answer like the providers do (202 + X-Message-Id; 201 + a message SID), or with the failures a
// test queues up (a status, optionally with a Twilio error code).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';

export interface StubRequest {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  at: number;
}

export interface StubProvider {
  url: string;
  requests: StubRequest[];
  /** The next `times` requests get this status (times Infinity: until `heal()`). */
  fail(status: number, times?: number, twilioCode?: number): void;
  heal(): void;
  close(): Promise<void>;
}

export async function startStubProvider(kind: 'sendgrid' | 'twilio'): Promise<StubProvider> {
  const requests: StubRequest[] = [];
  let failures: { status: number; left: number; code?: number } | null = null;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      requests.push({ path: req.url ?? '/', headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), at: Date.now() });
      if (failures && failures.left > 0) {
        failures.left -= 1;
        res.writeHead(failures.status, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify(kind === 'twilio' ? { code: failures.code ?? 20500, message: 'stub failure', status: failures.status } : { errors: [{ message: 'stub failure' }] }),
        );
        return;
      }
      if (kind === 'sendgrid') {
        res.writeHead(202, { 'x-message-id': `sg${randomBytes(8).toString('hex')}` });
        res.end();
        return;
      }
      const sid = `SM${randomBytes(16).toString('hex')}`;
      const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
      res.writeHead(201, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ sid, status: 'queued', to: form.get('To'), from: form.get('From'), body: form.get('Body') }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    fail(status, times = Infinity, code) {
      failures = { status, left: times, code };
    },
    heal() {
      failures = null;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
