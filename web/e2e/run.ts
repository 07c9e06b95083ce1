// The end-to-end runner (`npm run test:e2e`, after `vite build`): checks the client is built and Chromium
// is installed, then runs every e2e/*.e2e.ts with node's test runner through tsx (the launcher is TypeScript).
import { existsSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { missingBuildMessage, WEB_DIST } from '../../scripts/launcher/web-server.ts';

const dir = __dirname;
if (!existsSync(path.join(WEB_DIST, 'index.html'))) {
  console.error(missingBuildMessage());
  process.exit(1);
}
if (!existsSync(process.env.CHROMIUM_PATH ?? '/usr/bin/chromium')) {
  console.error('Chromium is missing: apt-get install -y chromium (or set CHROMIUM_PATH)');
  process.exit(1);
}
// Failure screenshots (debug-*.png) of an earlier run would only mislead.
const artifacts = path.join(dir, '..', 'test-artifacts');
if (existsSync(artifacts)) for (const f of readdirSync(artifacts)) if (f.startsWith('debug-')) rmSync(path.join(artifacts, f));
const files = readdirSync(dir).filter((f) => f.endsWith('.e2e.ts')).map((f) => path.join(dir, f));
const result = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=1', ...files], { stdio: 'inherit' });
process.exit(result.status ?? 1);
