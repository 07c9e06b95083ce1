import type { IncomingMessage } from 'node:http';
import { createClientIpResolver } from './client-ip.ts';

const req = (remoteAddress: string, xff?: string) =>
  ({ socket: { remoteAddress }, headers: xff === undefined ? {} : { 'x-forwarded-for': xff } }) as unknown as IncomingMessage;

test('without trusted proxies the socket address is the client, whatever the header says', () => {
  const clientIp = createClientIpResolver([]);
  expect(clientIp(req('203.0.113.9', '1.2.3.4'))).toBe('203.0.113.9');
});

test('behind a trusted loopback proxy the forwarded client is used', () => {
  const clientIp = createClientIpResolver(['loopback']);
  expect(clientIp(req('::ffff:127.0.0.1', '198.51.100.7'))).toBe('198.51.100.7');
  expect(clientIp(req('127.0.0.1'))).toBe('127.0.0.1');
});

test('a client cannot spoof its address by prepending to the header', () => {
  const clientIp = createClientIpResolver(['loopback', '10.0.0.0/8']);
  // The client sent "X-Forwarded-For: 1.2.3.4"; the load balancer (10.0.0.5) appended the real address.
  expect(clientIp(req('127.0.0.1', '1.2.3.4, 198.51.100.7, 10.0.0.5'))).toBe('198.51.100.7');
});

test('a request that does not come from a trusted proxy ignores the header', () => {
  const clientIp = createClientIpResolver(['10.0.0.0/8']);
  expect(clientIp(req('198.51.100.7', '1.2.3.4'))).toBe('198.51.100.7');
});

test('malformed entries are refused at start', () => {
  expect(() => createClientIpResolver(['not-an-ip'])).toThrow(/TRUSTED_PROXIES/);
});

test('a remembered answer about one address does not leak to another', () => {
  const clientIp = createClientIpResolver(['10.0.0.0/8']);
  for (let i = 0; i < 3; i++) {
    expect(clientIp(req('10.0.0.5', '198.51.100.7'))).toBe('198.51.100.7');
    expect(clientIp(req('198.51.100.8', '1.2.3.4'))).toBe('198.51.100.8');
  }
});
