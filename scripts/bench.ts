// `npm run bench`: runs every benchmark in scripts/bench/ (or the ones named) one after another,
// each in its own process so one's memory and sockets do not skew the next. Loopback only.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';

const dir = path.join(__dirname, 'bench');
// Names pick benchmarks; numbers after them are passed on (e.g. `notifications 2000 1000`).
const wanted = process.argv.slice(2).filter((a) => !/^\d+$/.test(a));
const numbers = process.argv.slice(2).filter((a) => /^\d+$/.test(a));
const benches = readdirSync(dir)
  .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && f !== 'children.ts')
  .filter((f) => wanted.length === 0 || wanted.some((w) => f.startsWith(w)));

let failed = 0;
for (const file of benches) {
  process.stdout.write(`\n### ${file}\n`);
  const result = spawnSync(process.execPath, ['--import', 'tsx', path.join(dir, file), ...numbers], { stdio: 'inherit', env: process.env });
  if (result.status !== 0) failed += 1;
}
process.exit(failed ? 1 : 0);
