// One subgraph call over plain node:http on the router's keep-alive sockets: the answer is read once into a
// string and handed to the gateway as a small, immutable Response (status, headers, text(), json()). The
// router used node-fetch, whose Request/Headers/Body classes and streams cost more CPU per subgraph call
// than the router's own work around it; the gateway only ever reads the status, two headers and the body.
import http from 'node:http';
import https from 'node:https';
import zlib from 'node:zlib';
import type { TraceContext } from '@clinic/service-kit/telemetry';

export const httpAgent = new http.Agent({ keepAlive: true, maxSockets: 128, keepAliveMsecs: 30_000 });
export const httpsAgent = new https.Agent({ keepAlive: true, maxSockets: 128, keepAliveMsecs: 30_000 });

export interface SubgraphRequestInit {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  /** The request's trace context: the parent of the call's client span (the router has no async context). */
  traceContext?: TraceContext;
}

/** What the gateway reads from a header set (case-insensitive `get`), over Node's own parsed headers. */
export class SubgraphHeaders {
  constructor(private readonly raw: http.IncomingHttpHeaders) {}
  get(name: string): string | null {
    const value = this.raw[name.toLowerCase()];
    if (value === undefined) return null;
    return Array.isArray(value) ? value.join(', ') : value;
  }
  has(name: string): boolean {
    return this.raw[name.toLowerCase()] !== undefined;
  }
  *entries(): IterableIterator<[string, string]> {
    for (const name of Object.keys(this.raw)) yield [name, this.get(name)!];
  }
  *keys(): IterableIterator<string> {
    yield* Object.keys(this.raw);
  }
  *values(): IterableIterator<string> {
    for (const name of Object.keys(this.raw)) yield this.get(name)!;
  }
  append(): void {
    throw new Error('A subgraph answer is read-only');
  }
  set(): void {
    throw new Error('A subgraph answer is read-only');
  }
  delete(): void {
    throw new Error('A subgraph answer is read-only');
  }
  [Symbol.iterator]() {
    return this.entries();
  }
}

/** A subgraph's answer, fully read. Immutable, so merged identical fetches can share one. */
export class SubgraphResponse {
  readonly ok: boolean;
  readonly bodyUsed = false;
  readonly redirected = false;
  constructor(
    readonly url: string,
    readonly status: number,
    readonly statusText: string,
    readonly headers: SubgraphHeaders,
    private readonly body: string,
  ) {
    this.ok = status >= 200 && status < 300;
  }
  async text(): Promise<string> {
    return this.body;
  }
  async json(): Promise<unknown> {
    return JSON.parse(this.body);
  }
  async arrayBuffer(): Promise<ArrayBuffer> {
    const bytes = Buffer.from(this.body);
    return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  }
  clone(): SubgraphResponse {
    return this;
  }
  /** The same answer under another status (a 4xx that carries GraphQL errors is a result). */
  withStatus(status: number): SubgraphResponse {
    return new SubgraphResponse(this.url, status, this.statusText, this.headers, this.body);
  }
}

/** Thrown when the upstream timeout passes; named like fetch's so callers tell "slow" from "down". */
export class UpstreamTimeout extends Error {
  override readonly name = 'AbortError';
  readonly type = 'aborted';
}

const targets = new Map<string, { protocol: string; hostname: string; port: string; path: string }>();
/** Parsed once per subgraph URL (there are a handful), not per call. */
function targetOf(url: string) {
  let target = targets.get(url);
  if (!target) {
    const u = new URL(url);
    target = { protocol: u.protocol, hostname: u.hostname.replace(/^\[|\]$/g, ''), port: u.port, path: `${u.pathname}${u.search}` };
    if (targets.size > 1_000) targets.clear();
    targets.set(url, target);
  }
  return target;
}

function decoded(res: http.IncomingMessage): NodeJS.ReadableStream {
  const encoding = res.headers['content-encoding'];
  if (encoding === 'gzip' || encoding === 'x-gzip') return res.pipe(zlib.createGunzip());
  if (encoding === 'deflate') return res.pipe(zlib.createInflate());
  if (encoding === 'br') return res.pipe(zlib.createBrotliDecompress());
  return res;
}

/** Sends one request and reads the whole answer; rejects with UpstreamTimeout after `timeoutMs`. */
export function requestSubgraph(url: string, init: SubgraphRequestInit | undefined, timeoutMs: number): Promise<SubgraphResponse> {
  const target = targetOf(url);
  const secure = target.protocol === 'https:';
  const headers: Record<string, string> = { ...init?.headers };
  if (init?.body !== undefined) headers['content-length'] = String(Buffer.byteLength(init.body));
  return new Promise((resolve, reject) => {
    const req = (secure ? https : http).request({
      hostname: target.hostname,
      port: target.port || undefined,
      path: target.path,
      method: init?.method ?? 'GET',
      headers,
      agent: secure ? httpsAgent : httpAgent,
    });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      req.destroy(new UpstreamTimeout('The subgraph did not answer in time'));
    }, timeoutMs);
    // Whatever breaks after the timeout fired (the request, or an answer cut off mid-way) is the timeout.
    const fail = (error: Error) => {
      clearTimeout(timer);
      reject(timedOut ? new UpstreamTimeout('The subgraph did not answer in time') : error);
    };
    req.once('error', fail);
    req.once('response', (res) => {
      const stream = decoded(res);
      stream.setEncoding('utf8');
      let body = '';
      let ended = false;
      stream.on('data', (chunk: string) => (body += chunk));
      stream.once('error', fail);
      if (stream !== res) res.once('error', fail);
      else res.once('close', () => ended || fail(new Error('The subgraph closed the connection mid-answer')));
      stream.once('end', () => {
        ended = true;
        clearTimeout(timer);
        resolve(new SubgraphResponse(url, res.statusCode ?? 0, res.statusMessage ?? '', new SubgraphHeaders(res.headers), body));
      });
    });
    req.end(init?.body);
  });
}
