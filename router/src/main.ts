import './tracing.ts';
import { runMain, stopOnSignals } from '@clinic/service-kit';
import { loadRouterConfig } from './config.ts';
import { startRouter } from './router.ts';

void runMain(async () => {
  const router = await startRouter(loadRouterConfig());
  stopOnSignals(router.stop, router.logger);
});
