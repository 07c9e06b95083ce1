// A stub of a Sentry-compatible ingest for error-tracking tests: @sentry/node posts its envelopes here (the
// DSN points at it), and the test reads what was sent, raw and as events.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';

export interface SentEvent {
  tags?: Record<string, string>;
  contexts?: { trace?: { trace_id?: string } };
  exception?: { values?: { value?: string }[] };
}

export interface SentryIngest {
  /** A DSN that sends to this stub. */
  dsn: string;
  /** Every envelope received: its text, its header and the events in it. */
  envelopes: { raw: string; header: Record<string, unknown>; events: SentEvent[] }[];
  /** Every event received, in order. */
  events(): SentEvent[];
  close(): Promise<void>;
}

export async function startSentryIngest(): Promise<SentryIngest> {
  const envelopes: SentryIngest['envelopes'] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let body = Buffer.concat(chunks);
      if (req.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
      if (req.method === 'POST' && /^\/api\/7\/envelope\//.test(req.url ?? '')) {
        const raw = body.toString('utf8');
        const lines = raw.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
        const events: SentEvent[] = [];
        for (let i = 1; i < lines.length; i += 2) if (lines[i]!.type === 'event') events.push(lines[i + 1] as SentEvent);
        envelopes.push({ raw, header: lines[0]!, events });
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    dsn: `http://publickey@127.0.0.1:${(server.address() as AddressInfo).port}/7`,
    envelopes,
    events: () => envelopes.flatMap((e) => e.events),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
