// A scaled-out clinic on one machine, on the real PostgreSQL and Redis: two replicas of EVERY subgraph
// (each pair sharing its Postgres schema, Redis and queue prefix, started from the same environment) and two
// routers, each balancing over both replicas of each subgraph (SUBGRAPH_<NAME>_URL="r1,r2") over the
// committed supergraph. The second appointments replica runs as its own process (node running its
// `src/main.ts`, the production entry point) so a test can kill it with SIGKILL mid-load, as a crash would.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { createLogger, loadServiceConfig, startSubgraph, type RunningSubgraph } from '@clinic/service-kit';
import { dropSchema, TEST_DATABASE_URL, TEST_REDIS_URL, uniqueSchema, type TestKeys } from '@clinic/service-kit/testing';
import { SUBGRAPHS } from '@clinic/schema/subgraphs';
import { startTestRouter } from '../../router/src/testing/harness.ts';
import type { RunningRouter } from '../../router/src/router.ts';
import { definitionOf } from '../launcher/launch.ts';
import { freePort } from '../launcher/ports.ts';

const ROOT = path.join(__dirname, '..', '..');
export const SUPERGRAPH_PATH = path.join(ROOT, 'schema', 'supergraph.graphql');

export interface ExternalReplica {
  url: string;
  process: ChildProcess;
  /** SIGKILL: no drain, no goodbye; resolves once the process is gone. */
  kill(): Promise<void>;
}

export interface Cluster {
  routers: RunningRouter[];
  /** Subgraph name → its in-process replicas (two each; appointments: one, the other is `appointmentsProcess`). */
  replicas: Record<string, RunningSubgraph[]>;
  /** The appointments replica that runs as its own process. */
  appointmentsProcess: ExternalReplica;
  queuePrefix: string;
  /** Raw SQL in one service's schema. */
  sql<T = Record<string, unknown>>(service: string, sql: string, params?: unknown[]): Promise<T[]>;
  stop(): Promise<void>;
}

async function waitUntilReady(url: string, child: ChildProcess, output: () => string): Promise<void> {
  const ready = url.replace(/\/graphql$/, '/ready');
  for (;;) {
    if (child.exitCode !== null) throw new Error(`appointments replica exited (${child.exitCode}):\n${output()}`);
    const ok = await fetch(ready).then((r) => r.ok, () => false);
    if (ok) return;
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function startExternalReplica(name: string, env: Record<string, string | undefined>): Promise<ExternalReplica> {
  const port = await freePort();
  let output = '';
  // Node itself runs the service (tsx as a loader, not its wrapper process), so SIGKILL hits the server.
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'subgraphs', name, 'src', 'main.ts')], {
    env: { ...process.env, ...env, PORT: String(port) } as NodeJS.ProcessEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (c: Buffer) => (output = (output + c.toString()).slice(-4000)));
  child.stderr!.on('data', (c: Buffer) => (output = (output + c.toString()).slice(-4000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}/graphql`;
  try {
    await waitUntilReady(url, child, () => output);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  return {
    url,
    process: child,
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

export async function startCluster(keys: TestKeys): Promise<Cluster> {
  const queuePrefix = `scale${randomBytes(4).toString('hex')}-`;
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'clinic-scale-'));
  const shared: Record<string, string | undefined> = {
    NODE_ENV: 'test',
    DATABASE_URL: TEST_DATABASE_URL,
    REDIS_URL: TEST_REDIS_URL,
    ROUTER_SECRET: `scale-${randomBytes(8).toString('hex')}`,
    JWKS_JSON: keys.jwksJson,
    QUEUE_PREFIX: queuePrefix,
    DATA_DIR: dataDir,
    DB_POOL_MAX: '4',
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent',
  };
  const replicas: Record<string, RunningSubgraph[]> = {};
  const schemas: string[] = [];
  const routers: RunningRouter[] = [];
  let appointmentsProcess: ExternalReplica | null = null;
  const stop = async () => {
    for (const router of routers) await router.stop();
    await appointmentsProcess?.kill();
    for (const running of Object.values(replicas).flat().reverse()) await running.stop().catch(() => {});
    for (const schema of schemas) await dropSchema(schema);
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    let routerUrl = '';
    const urls: Record<string, string> = {};
    for (const { name } of SUBGRAPHS) {
      const env = { ...shared, DB_SCHEMA: uniqueSchema(name), ROUTER_URL: undefined as string | undefined };
      schemas.push(env.DB_SCHEMA);
      // One after the other: the first replica migrates the schema, the second finds it migrated.
      replicas[name] = [];
      // Appointments' second replica is the separate process below.
      for (let i = 0; i < (name === 'appointments' ? 1 : 2); i++) {
        const config = loadServiceConfig(name, 0, { ...env, PORT: '0' });
        replicas[name].push(await startSubgraph(await definitionOf(name, env, () => routerUrl), config, { logger: createLogger(`${name}-${i + 1}`, shared.LOG_LEVEL) }));
      }
      urls[`SUBGRAPH_${name.toUpperCase()}_URL`] = replicas[name].map((r) => r.url).join(',');
      if (name === 'appointments') {
        appointmentsProcess = await startExternalReplica(name, env);
        urls.SUBGRAPH_APPOINTMENTS_URL += `,${appointmentsProcess.url}`;
      }
    }
    const supergraph = readFileSync(SUPERGRAPH_PATH, 'utf8');
    for (let i = 0; i < 2; i++) routers.push(await startTestRouter(keys, supergraph, { ...urls, ROUTER_SECRET: shared.ROUTER_SECRET, REPLICA_EJECT_MS: '60000' }));
    routerUrl = routers[0]!.url;
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    routers,
    replicas,
    appointmentsProcess: appointmentsProcess!,
    queuePrefix,
    sql: (service, sql, params = []) => replicas[service]![0]!.orm.em.fork().getConnection().execute(sql, params),
    stop,
  };
}
