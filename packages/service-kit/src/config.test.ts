import { ConfigError, loadServiceConfig, parseDatabaseUrl } from './config.ts';

const base = { DATABASE_URL: 'postgres://u:p@db:5432/clinic', NODE_ENV: 'test' };

test('reads a complete configuration with defaults', () => {
  const config = loadServiceConfig('identity', 4001, base);
  expect(config).toMatchObject({ service: 'identity', port: 4001, dbSchema: 'identity', dbPoolMax: 10, redisUrl: null, nodeEnv: 'test' });
  expect(config.auth).toMatchObject({ issuer: 'clinic-identity', audience: 'clinic-api', azure: null });
});

test.each([
  ['not a url', /not a valid URL/],
  ['mysql://root@localhost/db', /must start with postgres:\/\//],
  ['postgres://localhost', /no database name/],
])('refuses DATABASE_URL %s', (url, message) => {
  expect(() => parseDatabaseUrl(url)).toThrow(ConfigError);
  expect(() => parseDatabaseUrl(url)).toThrow(message);
});

test('the error never echoes the credentials of a malformed URL', () => {
  try {
    loadServiceConfig('x', 1, { DATABASE_URL: 'postgres//secret-password@host' });
    throw new Error('expected a ConfigError');
  } catch (error) {
    expect(String((error as Error).message)).not.toContain('secret-password');
  }
});

test.each([
  [{ PORT: '70000' }, /PORT must be a port number/],
  [{ REDIS_URL: 'http://x' }, /REDIS_URL must start with redis:\/\//],
  [{ NODE_ENV: 'staging' }, /NODE_ENV must be/],
  [{ DB_POOL_MAX: '0' }, /DB_POOL_MAX must be a positive integer/],
  [{ DB_SCHEMA: 'Robert"); drop' }, /DB_SCHEMA must be a lowercase identifier/],
  [{ NODE_ENV: 'production' }, /ROUTER_SECRET is required in production/],
  [{ AZURE_AD_TENANT_ID: 'tenant' }, /AZURE_AD_CLIENT_ID is required/],
])('refuses %j', (env, message) => {
  expect(() => loadServiceConfig('x', 1, { ...base, ...env })).toThrow(message);
});

test('Azure AD settings derive the issuer, audience and JWKS from the tenant unless given', () => {
  const config = loadServiceConfig('x', 1, { ...base, AZURE_AD_TENANT_ID: 't1', AZURE_AD_CLIENT_ID: 'c1', AZURE_AD_AUTHORITY_HOST: 'http://127.0.0.1:9999' });
  expect(config.auth.azure).toEqual({
    tenantId: 't1',
    clientId: 'c1',
    audience: 'api://c1',
    authority: 'http://127.0.0.1:9999/t1',
    issuer: 'http://127.0.0.1:9999/t1/v2.0',
    jwksUrl: 'http://127.0.0.1:9999/t1/discovery/v2.0/keys',
  });
});

test('several bad values still give one line: the first problem, no stack of issues', () => {
  try {
    loadServiceConfig('x', 1, { ...base, PORT: 'x', REDIS_URL: 'http://x', DB_POOL_MAX: '-1' });
    throw new Error('expected a ConfigError');
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).not.toContain('\n');
    expect((error as Error).message).toMatch(/must/);
  }
});
