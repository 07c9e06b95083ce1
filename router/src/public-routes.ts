// Browser-facing routes that live in a subgraph (identity's JWKS and sign-in redirects) are reached
// through the router's origin, so clients only ever know one URL. The proxy is NOT an open proxy:
// each prefix goes to one fixed subgraph's origin, and only the request's normalised path and query
// are taken from the request line (an absolute-form `GET http://other-host/auth/x`, a `//host/...`
// path or an encoded slash never chooses where the request goes).
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import { sendJson } from '@clinic/service-kit';

/** Path prefix → the subgraph (by its supergraph name) that answers it. One line per route. */
export const PUBLIC_ROUTES: readonly { prefix: string; subgraph: string }[] = [
  { prefix: '/.well-known/', subgraph: 'identity' },
  { prefix: '/auth/', subgraph: 'identity' },
  { prefix: '/webhooks/', subgraph: 'notifications' },
  // Document bytes: signed, single-use upload and download URLs (documents checks token and caller).
  { prefix: '/files/', subgraph: 'documents' },
];

const agent = new http.Agent({ keepAlive: true });

export interface PublicTarget {
  subgraph: string;
  prefix: string;
  /** Normalised path and query to send upstream (origin-form, always under `prefix`). */
  pathAndQuery: string;
}

function hasControlCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
}

/**
 * The origin-form path of a request target, or null when the target is not a plain path:
 * absolute-form (`http://host/...`), authority-form (`host:port`), `*`, `//host/...`, a backslash
 * or a control character. Dot segments (also `%2e%2e`) come back resolved.
 */
export function originFormPath(requestTarget: string | undefined): { pathname: string; search: string } | null {
  const target = requestTarget ?? '';
  if (!target.startsWith('/') || target.startsWith('//') || target.includes('\\') || hasControlCharacter(target)) return null;
  try {
    const url = new URL(target, 'http://origin.invalid');
    return url.host === 'origin.invalid' ? { pathname: url.pathname, search: url.search } : null;
  } catch {
    return null;
  }
}

/** A path a proxy must not forward: an encoded slash, backslash or NUL, or an empty segment (`//`). */
export function isAmbiguousPath(requestTarget: string, pathname: string): boolean {
  return /%2f|%5c|%00/i.test(requestTarget) || pathname.includes('//');
}

/** Which public route a request target belongs to; `invalid` when it names a prefix but is not a plain path. */
export function publicRouteFor(requestTarget: string | undefined): PublicTarget | 'invalid' | null {
  const path = originFormPath(requestTarget);
  const route = PUBLIC_ROUTES.find((r) => (path ? path.pathname.startsWith(r.prefix) : (requestTarget ?? '').includes(r.prefix)));
  if (!route) return null;
  if (!path || isAmbiguousPath(requestTarget ?? '', path.pathname)) return 'invalid';
  return { subgraph: route.subgraph, prefix: route.prefix, pathAndQuery: `${path.pathname}${path.search}` };
}

/** Forwards the request to the subgraph's origin (normalised path and query only), streaming both ways. */
export function proxyToSubgraph(req: IncomingMessage, res: ServerResponse, route: PublicTarget, subgraphGraphqlUrl: string, clientIp: string | null): void {
  const origin = new URL(subgraphGraphqlUrl);
  const headers: http.OutgoingHttpHeaders = { ...req.headers, host: origin.host, 'x-forwarded-for': clientIp ?? req.socket.remoteAddress ?? '' };
  // A client's trace context is believed only through a trusted proxy (router.ts): none passes here, so a
  // client can neither force these requests into traces nor keep them out (the subgraph decides).
  delete headers.traceparent;
  delete headers.tracestate;
  const upstream = http.request(
    { protocol: origin.protocol, hostname: origin.hostname, port: origin.port, path: route.pathAndQuery, method: req.method, headers, agent },
    (upstreamRes) => {
      res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
      upstreamRes.pipe(res);
    },
  );
  upstream.on('error', () => {
    if (!res.headersSent) sendJson(res, 502, { error: 'upstream unavailable' });
    else res.end();
  });
  req.on('aborted', () => upstream.destroy());
  req.pipe(upstream);
}
