import { loadServiceConfig, runMain, startSubgraph, stopOnSignals } from '@clinic/service-kit';
import { IDENTITY_DEFAULT_PORT, identitySubgraph } from './service.ts';

void runMain(async () => {
  const running = await startSubgraph(identitySubgraph, loadServiceConfig('identity', IDENTITY_DEFAULT_PORT));
  stopOnSignals(running.stop, running.logger);
});
