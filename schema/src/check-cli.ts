// `npm run schema:check` (CI): composition, freshness of the committed supergraph, and breaking changes
// against the base revision (SCHEMA_BASE_REF, default HEAD~1) unless acknowledged.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { checkSchema, readSubgraphs, type Acknowledgement } from './compose.ts';
import { ACKNOWLEDGED_PATH, SUBGRAPHS, SUPERGRAPH_PATH } from './subgraphs.ts';

function supergraphAt(ref: string): string | null {
  try {
    return execFileSync('git', ['show', `${ref}:schema/supergraph.graphql`], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return null;
  }
}

async function main(): Promise<number> {
  const baseRef = process.env.SCHEMA_BASE_REF ?? 'HEAD~1';
  const baseSupergraph = supergraphAt(baseRef);
  if (!baseSupergraph) console.log(`schema check: no supergraph at ${baseRef}; comparing with the committed file only`);
  const report = await checkSchema({
    subgraphs: readSubgraphs(SUBGRAPHS),
    committedSupergraph: existsSync(SUPERGRAPH_PATH) ? readFileSync(SUPERGRAPH_PATH, 'utf8') : null,
    baseSupergraph,
    acknowledged: JSON.parse(readFileSync(ACKNOWLEDGED_PATH, 'utf8')) as Acknowledgement[],
  });
  for (const p of report.problems) console.error(`schema check: ${p}`);
  if (report.ok) console.log(`schema check: ok (${SUBGRAPHS.length} subgraphs compose; supergraph current; no unacknowledged breaking change)`);
  return report.ok ? 0 : 1;
}

main().then((code) => process.exit(code));
