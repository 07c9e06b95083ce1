// Browser-facing routes that live in a subgraph (identity's JWKS and sign-in redirects) are reached
// through the router's origin, so clients only ever know one URL.
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import { sendJson } from '@clinic/service-kit';

/** Path prefix → subgraph name. */
export const PUBLIC_ROUTES: { prefix: string; subgraph: string }[] = [
  { prefix: '/.well-known/', subgraph: 'identity' },
  { prefix: '/auth/', subgraph: 'identity' },
  // Document bytes: signed, single-use upload and download URLs (documents checks token and caller).
  { prefix: '/files/', subgraph: 'documents' },
];

const agent = new http.Agent({ keepAlive: true });

export function publicRouteFor(path: string): string | null {
  return PUBLIC_ROUTES.find((r) => path.startsWith(r.prefix))?.subgraph ?? null;
}

/** Forwards the request to the subgraph's origin (same path and query), streaming both ways. */
export function proxyToSubgraph(req: IncomingMessage, res: ServerResponse, subgraphGraphqlUrl: string): void {
  const target = new URL(req.url ?? '/', new URL(subgraphGraphqlUrl).origin);
  const headers = { ...req.headers, host: target.host, 'x-forwarded-for': req.socket.remoteAddress ?? '' };
  const upstream = http.request(target, { method: req.method, headers, agent }, (upstreamRes) => {
    res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
    upstreamRes.pipe(res);
  });
  upstream.on('error', () => {
    if (!res.headersSent) sendJson(res, 502, { error: 'upstream unavailable' });
    else res.end();
  });
  req.pipe(upstream);
}
