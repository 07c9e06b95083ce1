// `npm start`: the whole product on one machine. With DATABASE_URL / REDIS_URL set it uses them;
// otherwise each service gets an embedded PostgreSQL (PGlite over the wire protocol, data under
// .data/pglite/<service>, one pool connection so transactions never interleave) and Redis is found,
// started (redis-server on PATH), or replaced by an in-process fallback with a loud warning.
import { runMain, stopOnSignals, createLogger } from '@clinic/service-kit';
import { launch } from './launcher/launch.ts';

void runMain(async () => {
  const logger = createLogger('launcher', process.env.LOG_LEVEL ?? 'info');
  const running = await launch({ env: process.env, logger });
  process.stdout.write(`\n  Clinic supergraph is up: ${running.routerUrl}\n  (GraphQL over HTTP and WebSocket; open it in a browser for Apollo Sandbox)\n\n`);
  stopOnSignals(running.stop, logger);
});
