// `npm run compose`: writes schema/supergraph.graphql, refusing unacknowledged breaking changes.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { breakingChanges, composeSupergraph, readSubgraphs, unacknowledged, type Acknowledgement } from './compose.ts';
import { ACKNOWLEDGED_PATH, SUBGRAPHS, SUPERGRAPH_PATH } from './subgraphs.ts';

async function main(): Promise<number> {
  const result = composeSupergraph(readSubgraphs(SUBGRAPHS));
  if (!result.ok) {
    for (const e of result.errors) console.error(`composition error: ${e}`);
    return 1;
  }
  const acknowledged = JSON.parse(readFileSync(ACKNOWLEDGED_PATH, 'utf8')) as Acknowledgement[];
  if (existsSync(SUPERGRAPH_PATH)) {
    const previous = readFileSync(SUPERGRAPH_PATH, 'utf8');
    const open = unacknowledged(await breakingChanges(previous, result.supergraphSdl), acknowledged);
    if (open.length && !process.argv.includes('--force')) {
      for (const c of open) console.error(`breaking change ${c.type} at ${c.path ?? '?'}: ${c.message}`);
      console.error('Acknowledge these in schema/acknowledged-breaking-changes.json (type, path, reason), then compose again.');
      return 1;
    }
  }
  writeFileSync(SUPERGRAPH_PATH, result.supergraphSdl);
  console.log(`wrote ${SUPERGRAPH_PATH}`);
  return 0;
}

main().then((code) => process.exit(code));
