// Reading a request body: whole across chunks (multi-byte characters split between them included), refused
// past the limit (declared or actual), and failed when the client goes away before the end. The request
// path without a URL object per request: the same path as `new URL(url).pathname` for every shape a client
// can send, plain or odd (dots, percent escapes, backslashes, doubled slashes, fragments).
import { PassThrough } from 'node:stream';
import type { IncomingMessage } from 'node:http';
import { pathOf, readBody } from './http.ts';

const request = (headers: Record<string, string> = {}) => Object.assign(new PassThrough(), { headers }) as unknown as IncomingMessage & PassThrough;

test('a body in several chunks is read whole', async () => {
  const req = request();
  const text = readBody(req, 100);
  const bytes = Buffer.from('{"body":"Bună ziua"}', 'utf8');
  req.write(bytes.subarray(0, 12)); // inside the two bytes of "ă"
  req.end(bytes.subarray(12));
  await expect(text).resolves.toBe('{"body":"Bună ziua"}');
});

test('a body over the limit is refused, whether declared or sent', async () => {
  await expect(readBody(request({ 'content-length': '101' }), 100)).rejects.toThrow();
  const req = request();
  const text = readBody(req, 10);
  req.end('x'.repeat(11));
  await expect(text).rejects.toThrow();
});

test('a client that goes away before the end of its body fails the read', async () => {
  const req = request();
  const text = readBody(req, 100);
  req.write('{"bo');
  req.destroy();
  await expect(text).rejects.toThrow();
});

const urls = [
  '/graphql', '/graphql?', '/graphql?query=%7B__typename%7D', '/health', '/ready?x=1', '/', '', undefined, '/metrics',
  '/graphql/../health', '/./graphql', '/%67raphql', '//graphql', '/graphql//x', '/a\\b', '/graphql#frag', '/graphql?x=1#f',
  'graphql', '/graph ql', '/grä', '/graphql?next=/a/../b', '/x?y=%2F..%2F',
];

test.each(urls.map((url) => [url]))('pathOf(%p) is what new URL gives', (url) => {
  expect(pathOf(url)).toBe(new URL(url ?? '/', 'http://localhost').pathname);
});

test.each([['//[/x'], ['http://[/files/x'], ['http://a:99999/graphql']])('pathOf(%p) is null where new URL throws, never a throw', (url) => {
  expect(() => new URL(url, 'http://localhost')).toThrow();
  expect(pathOf(url)).toBeNull();
});
