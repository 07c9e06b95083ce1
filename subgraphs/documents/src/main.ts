import { loadServiceConfig, runMain, startSubgraph, stopOnSignals } from '@clinic/service-kit';
import { DOCUMENTS_DEFAULT_PORT, createDocumentsSubgraph } from './service.ts';

void runMain(async () => {
  const running = await startSubgraph(createDocumentsSubgraph(), loadServiceConfig('documents', DOCUMENTS_DEFAULT_PORT));
  stopOnSignals(running.stop, running.logger);
});
