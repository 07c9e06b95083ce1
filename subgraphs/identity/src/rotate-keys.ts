// `npm run keys:rotate -w @clinic/identity`: rotates identity's signing keys in its database (the key
// store). Same environment as the service (DATABASE_URL, DB_SCHEMA, JWT_KEYS_ENCRYPTION_KEY). Running
// replicas switch to the promoted key within their refresh interval; tokens signed before stay valid.
import { ConfigError, createLogger, createOrm, loadServiceConfig, runMain } from '@clinic/service-kit';
import { IDENTITY_DEFAULT_PORT } from './service.ts';
import { UserSchema } from './entities/user.ts';
import { migrations } from './migrations/index.ts';
import { keySettings } from './domain/keys.ts';
import { keyEncryptionKey, rotateSigningKeys } from './domain/key-store.ts';

void runMain(async () => {
  const config = loadServiceConfig('identity', IDENTITY_DEFAULT_PORT);
  const settings = keySettings({ ...process.env, NODE_ENV: config.nodeEnv });
  if ('pinned' in settings) throw new ConfigError('JWT_PRIVATE_JWK pins one key: rotation needs the key store (JWT_KEYS_ENCRYPTION_KEY without JWT_PRIVATE_JWK)');
  const orm = await createOrm({ config, entities: [UserSchema], migrations, logger: createLogger('identity-keys', config.logLevel) });
  try {
    const result = await rotateSigningKeys(orm.em.fork(), keyEncryptionKey(settings.encryptionSecret));
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    await orm.close(true);
  }
});
