// Identity and appointments behind the router, wired to each other exactly as in production: identity's
// relay sends `doctor.*` to the queue the appointments directory consumes, appointments' relay sends
// `audit.*` to identity's audit worker. Queue names carry a per-run prefix so parallel runs never consume
// each other's jobs. Two ways to run the same suites:
// - `postgres`: in-process subgraphs on the machine's PostgreSQL (fresh schemas, pool of 10);
// - `embedded`: the `npm start` default with no DATABASE_URL — the launcher itself, every service on its
//   own PGlite over the wire protocol with a pool of ONE connection. A code path that asks for a second
//   connection while its transaction holds the only one hangs there, so these suites catch it.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { createTestKeys, TEST_REDIS_URL } from '@clinic/service-kit/testing';
import { AUDIT_QUEUE, CARE_EVENTS_QUEUE, createActiveUsersLookup, createLogger, type RunningSubgraph } from '@clinic/service-kit';
import { startStack } from '../../router/src/testing/harness.ts';
import { createIdentitySubgraph } from '../../subgraphs/identity/src/service.ts';
import { createAppointmentsSubgraph } from '../../subgraphs/appointments/src/service.ts';
import { DOCTORS_QUEUE } from '../../subgraphs/appointments/src/directory/doctor-directory.ts';
import { launch } from '../launcher/launch.ts';

export type ClinicMode = 'postgres' | 'embedded';
/** Every suite that starts a clinic runs once per mode (`describe.each(CLINIC_MODES)`). */
export const CLINIC_MODES: ClinicMode[] = ['postgres', 'embedded'];

export interface Clinic {
  mode: ClinicMode;
  /** The router's /graphql. */
  url: string;
  queuePrefix: string;
  subgraphs: Record<string, RunningSubgraph>;
  /** Raw SQL in one service's own database (set-up and checks the API does not offer). */
  sql<T = Record<string, unknown>>(service: string, sql: string, params?: unknown[]): Promise<T[]>;
  stop(): Promise<void>;
}

export async function startClinic(admin: { email: string; password: string }, mode: ClinicMode = 'postgres'): Promise<Clinic> {
  const queuePrefix = `e2e${randomBytes(4).toString('hex')}-`;
  const started = mode === 'embedded' ? await startEmbedded(admin, queuePrefix) : await startOnPostgres(admin, queuePrefix);
  return {
    mode,
    queuePrefix,
    ...started,
    sql: (service, sql, params = []) => started.subgraphs[service]!.orm.em.fork().getConnection().execute(sql, params),
  };
}

type Started = Pick<Clinic, 'url' | 'subgraphs' | 'stop'>;

async function startOnPostgres(admin: { email: string; password: string }, queuePrefix: string): Promise<Started> {
  const keys = await createTestKeys();
  const identity = createIdentitySubgraph({
    signingKey: { kid: keys.kid, privateKey: keys.privateKey },
    queues: {
      audit: queuePrefix + AUDIT_QUEUE,
      doctors: queuePrefix + DOCTORS_QUEUE,
      notifications: `${queuePrefix}notifications-identity`,
      care: queuePrefix + CARE_EVENTS_QUEUE,
    },
    env: { ...process.env, IDENTITY_ADMIN_EMAIL: admin.email, IDENTITY_ADMIN_PASSWORD: admin.password },
  });
  // As the launcher does: appointments asks identity (known once it runs) whether a patient staff book for exists.
  const running: { identityUrl?: string } = {};
  const accounts = createActiveUsersLookup({ identityUrl: () => running.identityUrl, routerSecret: 'test-router-secret' });
  const appointments = createAppointmentsSubgraph({ queuePrefix, relayPollMs: 50, sweepIntervalMs: 3_600_000, accounts });
  const stack = await startStack(keys, [identity, appointments]);
  running.identityUrl = stack.subgraphs.identity!.url;
  return { url: stack.router.url, subgraphs: stack.subgraphs, stop: () => stack.stop() };
}

/** `npm start` as a fresh clone runs it (no DATABASE_URL, no keys), on random ports and a throw-away data folder. */
async function startEmbedded(admin: { email: string; password: string }, queuePrefix: string): Promise<Started> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'clinic-e2e-'));
  try {
    const launched = await launch({
      env: {
        NODE_ENV: 'test',
        DATA_DIR: dataDir,
        REDIS_URL: TEST_REDIS_URL,
        QUEUE_PREFIX: queuePrefix,
        IDENTITY_ADMIN_EMAIL: admin.email,
        IDENTITY_ADMIN_PASSWORD: admin.password,
        // Every suite shares the anonymous key ip:127.0.0.1 in Redis; tests of the limit set their own.
        RATE_LIMIT_POINTS: '100000',
        AUTH_RATE_LIMIT_POINTS: '100000',
        AUTH_TOKEN_RATE_LIMIT_POINTS: '100000',
      WS_CONNECTIONS_PER_CLIENT: '100000',
      SUBSCRIPTIONS_PER_CLIENT: '100000',
        LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent',
      },
      logger: createLogger('e2e-launcher', process.env.LOG_LEVEL ?? 'silent'),
      randomPorts: true,
    });
    return {
      url: launched.routerUrl,
      subgraphs: Object.fromEntries(launched.subgraphs.map((s) => [s.name, s])),
      async stop() {
        await launched.stop();
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
}

/** Polls until the condition holds (events travel through outbox relays and BullMQ workers). */
/** Shared with every cross-service suite (the kit's testing helpers). */
export { eventually } from '@clinic/service-kit/testing';
