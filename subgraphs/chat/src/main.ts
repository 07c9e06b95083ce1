import { loadServiceConfig, runMain, startSubgraph, stopOnSignals } from '@clinic/service-kit';
import { CHAT_DEFAULT_PORT, createChatSubgraph } from './service.ts';

void runMain(async () => {
  const running = await startSubgraph(createChatSubgraph(), loadServiceConfig('chat', CHAT_DEFAULT_PORT));
  stopOnSignals(running.stop, running.logger);
});
