// `npm start`: the whole product on one machine. With DATABASE_URL / REDIS_URL set it uses them;
// otherwise each service gets an embedded PostgreSQL (PGlite over the wire protocol, data under
// .data/pglite/<service>, one pool connection so transactions never interleave) and Redis is found,
// started (redis-server on PATH), or replaced by an in-process fallback with a loud warning.
// The web client is built on first start and served on WEB_PORT, in front of the router.
// `npm start` is the developer's command, so it asks for development mode (NODE_ENV=development unless
// NODE_ENV is set): a bare process (router, a subgraph) without NODE_ENV runs as production.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { runMain, stopOnSignals, createLogger } from '@clinic/service-kit';
import { launch } from './launcher/launch.ts';
import { startWebServerIfBuilt, WEB_DIST } from './launcher/web-server.ts';

void runMain(async () => {
  process.env.NODE_ENV ||= 'development';
  const logger = createLogger('launcher', process.env.LOG_LEVEL ?? 'info');
  const webPort = Number(process.env.WEB_PORT ?? 5173);
  if (!existsSync(path.join(WEB_DIST, 'index.html')) && process.env.SKIP_WEB_BUILD !== '1') {
    logger.info('building the web client (first start only; `npm run build -w @clinic/web` rebuilds it)');
    spawnSync('npm', ['run', 'build', '-w', '@clinic/web'], { stdio: 'inherit', cwd: path.join(__dirname, '..') });
  }
  // Identity's e-mailed links and the Microsoft sign-in land on the web app.
  const running = await launch({ env: { PUBLIC_URL: `http://localhost:${webPort}`, ...process.env }, logger });
  const web = await startWebServerIfBuilt({ routerUrl: running.routerUrl, port: webPort, logger });
  process.stdout.write(
    `\n  Clinic supergraph is up: ${running.routerUrl}\n` +
      `  (GraphQL over HTTP and WebSocket; open it in a browser for Apollo Sandbox)\n` +
      `  Web app: ${web ? web.url : 'not built (npm run build -w @clinic/web)'}\n\n`,
  );
  stopOnSignals(async () => {
    await web?.stop();
    await running.stop();
  }, logger);
});
