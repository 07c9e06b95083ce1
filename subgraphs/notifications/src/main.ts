import { loadServiceConfig, runMain, startSubgraph, stopOnSignals } from '@clinic/service-kit';
import { NOTIFICATIONS_DEFAULT_PORT, notificationsSubgraph } from './service.ts';

void runMain(async () => {
  const running = await startSubgraph(notificationsSubgraph, loadServiceConfig('notifications', NOTIFICATIONS_DEFAULT_PORT));
  stopOnSignals(running.stop, running.logger);
});
