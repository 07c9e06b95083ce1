// One trace per client request, from the router through its subgraph calls to SQL and Redis, with the
// real OpenTelemetry instrumentations and an in-memory exporter. They patch modules as Node loads them,
// which jest's module system bypasses, so the stack runs in a child process (testing/trace-probe.ts).
import { execFile } from 'node:child_process';
import path from 'node:path';

interface ProbeSpan {
  name: string;
  kind: number;
  traceId: string;
  spanId: string;
  parentSpanId: string | null;
  attributes: Record<string, unknown>;
}
interface ProbeOutput {
  givenTraceId: string;
  unsampledTraceId: string;
  /** Sampling decisions (= spans started, recorded or not) per trace id. */
  decisions: Record<string, number>;
  trustingRouterPort: number;
  untrustingRouterPort: number;
  subgraphPorts: { identity: number; greetings: number };
  sent: { routerPort: number; status: number; errors: unknown }[];
  spans: ProbeSpan[];
}

const SERVER = 1;
const CLIENT = 2;
let probe: ProbeOutput;

beforeAll(async () => {
  const script = path.join(__dirname, 'testing', 'trace-probe.ts');
  const tsx = path.join(__dirname, '..', '..', 'node_modules', '.bin', 'tsx');
  const stdout = await new Promise<string>((resolve, reject) => {
    execFile(tsx, [script], { env: { ...process.env, LOG_LEVEL: 'silent' }, timeout: 240_000, maxBuffer: 20_000_000 }, (error, out, err) =>
      error ? reject(new Error(`${error.message}\n${err}`)) : resolve(out),
    );
  });
  const line = stdout.split('\n').find((l) => l.startsWith('TRACE-PROBE '));
  if (!line) throw new Error(`probe printed no spans:\n${stdout}`);
  probe = JSON.parse(line.slice('TRACE-PROBE '.length)) as ProbeOutput;
}, 300_000);

const isRouterSpan = (s: ProbeSpan) => s.kind === SERVER && s.name === 'POST /graphql';
const ancestors = (span: ProbeSpan, spans: ProbeSpan[]): ProbeSpan[] => {
  const chain: ProbeSpan[] = [];
  for (let p = spans.find((s) => s.spanId === span.parentSpanId); p; p = spans.find((s) => s.spanId === p!.parentSpanId)) chain.push(p);
  return chain;
};

test('router, subgraph and SQL spans of one federated query form one trace', () => {
  expect(probe.sent.map((s) => [s.status, s.errors])).toEqual([
    [200, null],
    [200, null],
    [200, null],
  ]);
  const trace = probe.spans.filter((s) => s.traceId === probe.givenTraceId);
  const routerSpan = trace.find(isRouterSpan)!;
  expect(routerSpan).toBeDefined();
  for (const [name, port] of Object.entries(probe.subgraphPorts)) {
    // The router's call to the subgraph (client span) and the subgraph's own server span beneath it.
    const client = trace.find((s) => s.kind === CLIENT && s.attributes['url.full'] === `http://127.0.0.1:${port}/graphql`);
    const server = trace.find((s) => s.kind === SERVER && s.attributes['server.port'] === port);
    expect({ name, client: !!client, server: !!server }).toEqual({ name, client: true, server: true });
    expect(server!.parentSpanId).toBe(client!.spanId);
    expect(ancestors(client!, trace)).toContain(routerSpan);
  }
  // identity answered User.email with SQL, inside its server span of this trace.
  const identityServer = trace.find((s) => s.kind === SERVER && s.attributes['server.port'] === probe.subgraphPorts.identity)!;
  const sql = trace.filter((s) => s.attributes['db.system.name'] === 'postgresql');
  expect(sql.length).toBeGreaterThanOrEqual(1);
  for (const s of sql) expect(ancestors(s, trace)).toContain(identityServer);
  // String literals in statements are masked (an ORM may inline values).
  for (const s of sql) expect(String(s.attributes['db.query.text']).replaceAll("'?'", '')).not.toContain("'");
  expect(sql.some((s) => String(s.attributes['db.query.text']).includes("where id in ('?')"))).toBe(true);
  // Redis is in the trace too (a subgraph's calls; the router's own make no spans: it has no async context).
  const redis = trace.find((s) => s.attributes['db.system.name'] === 'redis');
  expect(redis && ancestors(redis, trace)).toContain(routerSpan);
});

test('an unsampled request is decided once, at the router, and makes no span anywhere after that', () => {
  // The same federated query (two subgraph calls, SQL, Redis) whose trusted traceparent says "not sampled".
  expect(probe.sent[2]).toMatchObject({ status: 200, errors: null });
  expect(probe.spans.filter((s) => s.traceId === probe.unsampledTraceId)).toEqual([]);
  // Not even unrecorded ones: no client span, no subgraph server span, no SQL or Redis span was started.
  expect(probe.decisions[probe.unsampledTraceId]).toBe(1);
  // A sampled request still starts (and records) every span of its trace.
  const sampled = probe.spans.filter((s) => s.traceId === probe.givenTraceId);
  expect(probe.decisions[probe.givenTraceId]).toBe(sampled.length);
});

test("a client's traceparent is continued only when it comes through a trusted proxy", () => {
  const routerSpans = probe.spans.filter(isRouterSpan);
  expect(routerSpans).toHaveLength(2);
  const trusted = routerSpans.find((s) => s.traceId === probe.givenTraceId);
  const untrusted = routerSpans.find((s) => s.traceId !== probe.givenTraceId);
  // Trusting loopback: continues the caller's trace under its span. Not trusting: a fresh root trace.
  expect(trusted?.parentSpanId).toBe('00f067aa0ba902b7');
  expect(untrusted?.parentSpanId).toBeNull();
  expect(probe.spans.filter((s) => s.traceId === untrusted!.traceId).some((s) => s.kind === CLIENT)).toBe(true);
});

test('tracing stays lean: no childless gateway bookkeeping spans, no SQL, Redis or HTTP client span outside a request', () => {
  expect(probe.spans.filter((s) => ['gateway.validate', 'gateway.plan', 'gateway.postprocessing'].includes(s.name))).toEqual([]);
  // Pool connects are not spans of their own; background polling (queues, relays, key refresh) makes no root spans.
  expect(probe.spans.filter((s) => /connect/i.test(s.name) && s.attributes['db.system.name'] === 'postgresql')).toEqual([]);
  const roots = probe.spans.filter((s) => s.parentSpanId === null);
  expect(roots.filter((s) => s.kind === CLIENT || s.attributes['db.system.name'])).toEqual([]);
});
