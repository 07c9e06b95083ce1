// Subgraphs answer only the router: it sends a shared secret header that every subgraph checks.
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export const ROUTER_SECRET_HEADER = 'x-router-secret';

export function hasRouterSecret(req: IncomingMessage, secret: string): boolean {
  const given = req.headers[ROUTER_SECRET_HEADER];
  return typeof given === 'string' && sameSecret(given, secret);
}

/** Constant-time comparison (the same check for a header and for a subscription's per-operation credentials). */
export function sameSecret(given: string, secret: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(secret);
  return a.length === b.length && timingSafeEqual(a, b);
}
