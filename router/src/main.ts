import { createAzureUserLookup, runMain, stopOnSignals } from '@clinic/service-kit';
import { loadRouterConfig } from './config.ts';
import { startRouter } from './router.ts';

void runMain(async () => {
  const config = loadRouterConfig();
  // Azure AD access tokens are mapped to local users by identity (asked over HTTP, cached briefly).
  const resolveAzureUser = config.auth.azure
    ? createAzureUserLookup({ identityUrl: config.identityUrl ?? 'http://localhost:4001/graphql', routerSecret: config.routerSecret })
    : undefined;
  const router = await startRouter(config, { resolveAzureUser });
  stopOnSignals(router.stop, router.logger);
});
