// Identity as its own process. Identity verifies the tokens it issues like every other service does;
// without JWKS_URL / JWKS_JSON it trusts its own published keys (otherwise every signed-in call to it
// would fail with "Token verification is not configured").
import { loadServiceConfig, runMain, startSubgraph, stopOnSignals } from '@clinic/service-kit';
import { IDENTITY_DEFAULT_PORT, identityEnv, identitySubgraph } from './service.ts';
import { keySettings } from './domain/keys.ts';

void runMain(async () => {
  const port = Number(process.env.PORT ?? IDENTITY_DEFAULT_PORT);
  const config = loadServiceConfig('identity', IDENTITY_DEFAULT_PORT, identityEnv(process.env, port));
  keySettings(process.env); // production without signing keys stops here, before touching the database
  const running = await startSubgraph(identitySubgraph, config);
  stopOnSignals(running.stop, running.logger);
});
