// identityEnv: identity trusts its own published keys unless keys are configured.
import { readFileSync } from 'node:fs';
import { outboxAdminSdl } from '@clinic/service-kit';
import { identityEnv, identitySdlPath } from './service.ts';

test('without configured keys identity verifies against its own JWKS', () => {
  expect(identityEnv({ NODE_ENV: 'development' }, 4101).JWKS_URL).toBe('http://127.0.0.1:4101/.well-known/jwks.json');
});

test('configured keys win', () => {
  expect(identityEnv({ JWKS_URL: 'http://identity:4001/.well-known/jwks.json' }, 4101).JWKS_URL).toBe('http://identity:4001/.well-known/jwks.json');
  expect(identityEnv({ JWKS_JSON: '{"keys":[]}' }, 4101).JWKS_URL).toBeUndefined();
});

test('the schema mounts the kit dead-event surface under identity field names', () => {
  expect(readFileSync(identitySdlPath, 'utf8')).toContain(outboxAdminSdl('identity'));
});
