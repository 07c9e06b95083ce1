import { loadServiceConfig, runMain, startSubgraph, stopOnSignals } from '@clinic/service-kit';
import { APPOINTMENTS_DEFAULT_PORT, appointmentsSubgraph } from './service.ts';

void runMain(async () => {
  const running = await startSubgraph(appointmentsSubgraph, loadServiceConfig('appointments', APPOINTMENTS_DEFAULT_PORT));
  stopOnSignals(running.stop, running.logger);
});
