// Who the end client is. Behind a proxy we run (the web server, a load balancer) every socket comes
// from the proxy, so X-Forwarded-For is honoured — but only the hops added by proxies we trust, or a
// client could pick its own address and dodge rate limits and sign-in lockouts.
import { BlockList, isIP } from 'node:net';
import type { IncomingMessage } from 'node:http';

export type ClientIpOf = (req: IncomingMessage) => string | null;

const LOOPBACK = ['127.0.0.0/8', '::1/128'];
const TRUST_ANSWERS_MAX = 10_000;

function normalise(address: string): string {
  return address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
}

/** Whether the direct peer of a request is one of the trusted proxies (it may then vouch for the client, e.g. its traceparent). */
export function createPeerTrust(trusted: string[]): (req: IncomingMessage) => boolean {
  const { any, isTrusted } = trustList(trusted);
  return (req) => {
    const socketIp = req.socket.remoteAddress ? normalise(req.socket.remoteAddress) : null;
    return any && socketIp !== null && isTrusted(socketIp);
  };
}

function trustList(trusted: string[]): { any: boolean; isTrusted: (ip: string) => boolean } {
  const list = new BlockList();
  let any = false;
  for (const entry of trusted.flatMap((t) => (t === 'loopback' ? LOOPBACK : [t]))) {
    const [address, prefix] = entry.split('/');
    const family = isIP(address ?? '');
    if (!address || !family) throw new Error(`TRUSTED_PROXIES: "${entry}" is not an IP, a CIDR or "loopback"`);
    const type = family === 6 ? 'ipv6' : 'ipv4';
    if (prefix === undefined) list.addAddress(address, type);
    else list.addSubnet(address, Number(prefix), type);
    any = true;
  }
  // BlockList.check builds a SocketAddress per call (a measurable share of a request's CPU); the few peers a
  // router sees (its proxies, loopback) are answered from memory. Bounded, since forwarded hops are many.
  const answers = new Map<string, boolean>();
  const isTrusted = (ip: string) => {
    let trustedIp = answers.get(ip);
    if (trustedIp === undefined) {
      const family = isIP(ip);
      trustedIp = family !== 0 && list.check(ip, family === 6 ? 'ipv6' : 'ipv4');
      if (answers.size >= TRUST_ANSWERS_MAX) answers.clear();
      answers.set(ip, trustedIp);
    }
    return trustedIp;
  };
  return { any, isTrusted };
}

/** `trusted`: IPs, CIDRs, or `loopback`. */
export function createClientIpResolver(trusted: string[]): ClientIpOf {
  const { any, isTrusted } = trustList(trusted);
  return (req) => {
    const socketIp = req.socket.remoteAddress ? normalise(req.socket.remoteAddress) : null;
    if (!any || !socketIp || !isTrusted(socketIp)) return socketIp;
    const header = req.headers['x-forwarded-for'];
    const hops = (Array.isArray(header) ? header.join(',') : (header ?? ''))
      .split(',')
      .map((h) => normalise(h.trim()))
      .filter((h) => isIP(h));
    // Walk back from the nearest hop: the first one not added by a trusted proxy is the client.
    for (let i = hops.length - 1; i >= 0; i--) {
      if (!isTrusted(hops[i]!)) return hops[i]!;
    }
    return hops[0] ?? socketIp;
  };
}
