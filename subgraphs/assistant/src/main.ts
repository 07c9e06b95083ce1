// Runs the assistant subgraph on its own (PORT, default 4005; ROUTER_URL says where the router is).
import { loadServiceConfig, runMain, startSubgraph, stopOnSignals } from '@clinic/service-kit';
import { ASSISTANT_DEFAULT_PORT, createAssistantSubgraph } from './service.ts';

void runMain(async () => {
  const running = await startSubgraph(createAssistantSubgraph(), loadServiceConfig('assistant', ASSISTANT_DEFAULT_PORT));
  stopOnSignals(running.stop, running.logger);
});
