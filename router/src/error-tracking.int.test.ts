// Error tracking through the router and a subgraph (the kit's), with @sentry/node pointed at a stub ingest
// server this test starts: an unexpected error in a subgraph resolver, and one in the router's own handling
// (a subgraph answering garbage), are each sent ONCE as a Sentry envelope carrying the request id and the
// request's trace id, with no e-mail address or token in it; the client sees only INTERNAL_SERVER_ERROR.
// The stack runs in a child process (testing/error-probe.ts) so the HTTP instrumentation makes real spans.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { startSentryIngest, type SentryIngest } from '@clinic/service-kit/testing';
import { FAULT_EMAIL, FAULT_TOKEN } from './testing/faulty-subgraph.ts';

interface Probe {
  sent: { requestId: string; status: number; body: { errors?: { message: string; extensions?: Record<string, unknown> }[] }; traceId: string | null }[];
}

let ingest: SentryIngest;
let probe: Probe;

beforeAll(async () => {
  ingest = await startSentryIngest();
  const dsn = ingest.dsn;
  const tsx = path.join(__dirname, '..', '..', 'node_modules', '.bin', 'tsx');
  const stdout = await new Promise<string>((resolve, reject) => {
    execFile(tsx, [path.join(__dirname, 'testing', 'error-probe.ts')], { env: { ...process.env, SENTRY_DSN: dsn, LOG_LEVEL: 'silent' }, timeout: 240_000, maxBuffer: 20_000_000 }, (error, out, err) =>
      error ? reject(new Error(`${error.message}\n${err}`)) : resolve(out),
    );
  });
  const line = stdout.split('\n').find((l) => l.startsWith('ERROR-PROBE '));
  if (!line) throw new Error(`probe printed nothing:\n${stdout}`);
  probe = JSON.parse(line.slice('ERROR-PROBE '.length)) as Probe;
}, 300_000);

afterAll(() => ingest.close());

test('the client sees only the stable code', () => {
  expect(probe.sent.map((s) => s.status)).toEqual([200, 200]);
  for (const sent of probe.sent) {
    expect(sent.body.errors).toEqual([expect.objectContaining({ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } })]);
    expect(JSON.stringify(sent.body)).not.toContain(FAULT_EMAIL);
  }
});

test('each unexpected error is captured once, where it happened, with its request id and trace id', () => {
  const events = ingest.events();
  // Two failing requests, two events: the subgraph's masked error relayed by the router is not captured again.
  expect(events).toHaveLength(2);
  for (const [requestId, service] of [
    ['probe-subgraph-fault', 'faulty'],
    ['probe-router-fault', 'router'],
  ] as const) {
    const traceId = probe.sent.find((s) => s.requestId === requestId)!.traceId;
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);
    const captured = events.filter((e) => e.tags?.request_id === requestId);
    expect(captured).toHaveLength(1);
    expect(captured[0]!.tags).toMatchObject({ service, request_id: requestId, trace_id: traceId });
    expect(captured[0]!.contexts?.trace?.trace_id).toBe(traceId);
  }
});

test('no personal data or token leaves in an envelope', () => {
  expect(ingest.envelopes.length).toBeGreaterThan(0);
  for (const { raw } of ingest.envelopes) {
    expect(raw).not.toContain(FAULT_EMAIL);
    expect(raw).not.toContain(FAULT_TOKEN);
    // Nor the caller's own bearer token (any JWT), nor request headers.
    expect(raw).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}/);
    expect(raw).not.toMatch(/authorization/i);
  }
  const subgraphEvent = ingest.events().find((e) => e.tags?.service === 'faulty')!;
  expect(subgraphEvent.exception?.values?.[0]?.value).toBe('lookup failed for [redacted-email] with Bearer [redacted]');
});
