// The public-route proxy forwards what the subgraph needs, but not a client's W3C trace context: that is
// believed only from a trusted proxy, and nothing here checks who sent it.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { proxyToSubgraph, publicRouteFor, type PublicTarget } from './public-routes.ts';

const listen = (server: http.Server) => new Promise<string>((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)));

test("a client's traceparent and tracestate do not reach the subgraph through a public route", async () => {
  const seen: http.IncomingHttpHeaders[] = [];
  const subgraph = http.createServer((req, res) => (seen.push(req.headers), req.resume(), res.end('{}')));
  const subgraphUrl = `${await listen(subgraph)}/graphql`;
  const route = publicRouteFor('/.well-known/jwks.json') as PublicTarget;
  const router = http.createServer((req, res) => proxyToSubgraph(req, res, route, subgraphUrl, '203.0.113.7'));
  const routerUrl = await listen(router);
  try {
    const res = await fetch(`${routerUrl}/.well-known/jwks.json`, {
      headers: { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01', tracestate: 'vendor=1', 'accept-language': 'ro' },
    });
    expect(res.status).toBe(200);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ 'accept-language': 'ro', 'x-forwarded-for': '203.0.113.7' });
    expect(seen[0]!.traceparent).toBeUndefined();
    expect(seen[0]!.tracestate).toBeUndefined();
  } finally {
    router.close();
    subgraph.close();
  }
});
