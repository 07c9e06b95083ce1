// The web client on its own (docker-compose's `web` service): serves web/dist and forwards the API
// to ROUTER_URL, so the browser talks to one origin.
import { createLogger, runMain, stopOnSignals } from '@clinic/service-kit';
import { startWebServer } from './launcher/web-server.ts';

void runMain(async () => {
  const logger = createLogger('web', process.env.LOG_LEVEL ?? 'info');
  const web = await startWebServer({
    routerUrl: process.env.ROUTER_URL ?? 'http://localhost:4000/graphql',
    port: Number(process.env.WEB_PORT ?? 5173),
    host: process.env.WEB_HOST ?? '0.0.0.0',
  });
  logger.info({ url: web.url }, 'web client ready');
  stopOnSignals(web.stop, logger);
});
