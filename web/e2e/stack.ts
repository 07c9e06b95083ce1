// The real product for end-to-end tests: a fresh PostgreSQL database (dropped afterwards), the real
// Redis, every subgraph and the router started by the same launch() as `npm start`, the web server
// in front of the built client, and headless Debian Chromium driven by playwright-core.
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { exportJWK, generateKeyPair } from 'jose';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { createLogger } from '@clinic/service-kit';
import { launch, type Launched } from '../../scripts/launcher/launch.ts';
import { startWebServer, type RunningWebServer } from '../../scripts/launcher/web-server.ts';

export const ARTIFACTS = path.resolve(__dirname, '../test-artifacts');
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface Stack {
  launched: Launched;
  web: RunningWebServer;
  browser: Browser;
  databaseUrl: string;
  /** The bootstrap administrator identity creates at start (IDENTITY_ADMIN_EMAIL / _PASSWORD). */
  admin: { email: string; password: string };
  newPage(opts?: { timezoneId?: string; locale?: string; viewport?: { width: number; height: number }; isMobile?: boolean }): Promise<{ context: BrowserContext; page: Page }>;
  screenshot(page: Page, name: string): Promise<void>;
  /** Screenshots of every page still open (after a failure, to see what the browser saw). */
  debugShots(prefix: string): Promise<void>;
  stop(): Promise<void>;
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

export async function startStack(extraEnv: Record<string, string> = {}): Promise<Stack> {
  const baseUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/clinic_test';
  const database = `clinic_web_e2e_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: withDatabase(baseUrl, 'postgres') });
  await admin.connect();
  await admin.query(`create database ${database}`);
  await admin.end();
  const databaseUrl = withDatabase(baseUrl, database);
  const dropDatabase = async () => {
    const c = new pg.Client({ connectionString: withDatabase(baseUrl, 'postgres') });
    await c.connect();
    await c.query(`drop database if exists ${database} with (force)`);
    await c.end();
  };

  // One signing key for the run: identity signs with it, every service and the router verify with it.
  const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
  const kid = `e2e-${randomBytes(4).toString('hex')}`;
  const privateJwk = { ...(await exportJWK(privateKey)), kid, alg: 'ES256' };
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' };

  const bootstrapAdmin = { email: `admin-${randomBytes(4).toString('hex')}@example.test`, password: 'Admin-password-for-e2e-1' };

  const stops: (() => Promise<void>)[] = [dropDatabase];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch((e: unknown) => console.error('e2e stop failed', e));
  };
  try {
    const launched = await launch({
      env: {
        ...process.env,
        DATABASE_URL: databaseUrl,
        REDIS_URL: process.env.REDIS_URL || 'redis://127.0.0.1:6379',
        LOG_LEVEL: process.env.E2E_LOG_LEVEL ?? 'warn',
        NODE_ENV: 'test',
        JWT_PRIVATE_JWK: JSON.stringify(privateJwk),
        JWKS_JSON: JSON.stringify({ keys: [publicJwk] }),
        IDENTITY_ADMIN_EMAIL: bootstrapAdmin.email,
        IDENTITY_ADMIN_PASSWORD: bootstrapAdmin.password,
        DATA_DIR: path.join(ARTIFACTS, '.data'),
        // Other stacks on the same Redis (npm start, other test runs) must not take this run's jobs.
        QUEUE_PREFIX: `e2e-${randomBytes(4).toString('hex')}-`,
        // Every browser reaches the router through the web server (one client IP), and Redis is shared
        // with other test runs: the per-client limit is not what these tests are about.
        RATE_LIMIT_POINTS: '1000000',
        ...extraEnv,
      },
      logger: createLogger('web-e2e', process.env.E2E_LOG_LEVEL ?? 'warn'),
      randomPorts: true,
    });
    stops.push(launched.stop);
    const web = await startWebServer({ routerUrl: launched.routerUrl, port: 0, host: '127.0.0.1' });
    stops.push(web.stop);
    const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: CHROMIUM_ARGS });
    stops.push(() => browser.close());
    mkdirSync(ARTIFACTS, { recursive: true });
    const open = new Set<Page>();
    return {
      launched,
      web,
      browser,
      databaseUrl,
      admin: bootstrapAdmin,
      async newPage({ timezoneId = 'Europe/Bucharest', locale = 'en-GB', viewport = { width: 1280, height: 900 }, isMobile = false } = {}) {
        // Reduced motion: no transitions, so screenshots and the contrast check never catch a half-faded colour.
        const context = await browser.newContext({ baseURL: web.url, timezoneId, locale, viewport, isMobile, hasTouch: isMobile, reducedMotion: 'reduce' });
        const page = await context.newPage();
        page.setDefaultTimeout(15_000);
        open.add(page);
        page.on('close', () => open.delete(page));
        return { context, page };
      },
      async screenshot(page, name) {
        await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
      },
      async debugShots(prefix) {
        let i = 0;
        for (const page of open) await page.screenshot({ path: path.join(ARTIFACTS, `debug-${prefix}-${i++}.png`), fullPage: true }).catch(() => undefined);
      },
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
