// The request path without a URL object per request: the same path as `new URL(url).pathname` for every
// shape a client can send, plain or odd (dots, percent escapes, backslashes, doubled slashes, fragments).
import { pathOf } from './http.ts';

const urls = [
  '/graphql', '/graphql?', '/graphql?query=%7B__typename%7D', '/health', '/ready?x=1', '/', '', undefined, '/metrics',
  '/graphql/../health', '/./graphql', '/%67raphql', '//graphql', '/graphql//x', '/a\\b', '/graphql#frag', '/graphql?x=1#f',
  'graphql', '/graph ql', '/grä', '/graphql?next=/a/../b', '/x?y=%2F..%2F',
];

test.each(urls.map((url) => [url]))('pathOf(%p) is what new URL gives', (url) => {
  expect(pathOf(url)).toBe(new URL(url ?? '/', 'http://localhost').pathname);
});
