// The router's configuration: NODE_ENV unset means production (no Sandbox, no introspection, no trusted
// proxies, no known router secret); development conveniences only when asked for by name.
import { loadRouterConfig } from './config.ts';

test('without NODE_ENV the router refuses to start without ROUTER_SECRET', () => {
  expect(() => loadRouterConfig({})).toThrow(/ROUTER_SECRET is required in production/);
});

test('without NODE_ENV the router runs as production', () => {
  const config = loadRouterConfig({ ROUTER_SECRET: 's3cret' });
  expect(config.nodeEnv).toBe('production');
  expect(config.routerSecret).toBe('s3cret');
  expect(config.trustedProxies).toEqual([]);
});

test('development is asked for by name', () => {
  const config = loadRouterConfig({ NODE_ENV: 'development' });
  expect(config.nodeEnv).toBe('development');
  expect(config.trustedProxies).toEqual(['loopback']);
  expect(() => loadRouterConfig({ NODE_ENV: 'staging' })).toThrow(/NODE_ENV must be/);
});
