// Applies the migrations of the named subgraphs and exits (the Kubernetes migration Job runs it before a
// rollout): `node --import tsx scripts/migrate.ts identity appointments`. Services also migrate on start;
// running it first keeps replicas of a new version from racing to do it.
import { createLogger, createOrm, loadServiceConfig, runMain, type SubgraphDefinition } from '@clinic/service-kit';

function definitionOf(name: string): SubgraphDefinition {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const exported = require(`@clinic/${name}`) as Record<string, unknown>;
  const found = Object.values(exported).find(
    (v): v is SubgraphDefinition => typeof v === 'object' && v !== null && (v as SubgraphDefinition).name === name && Array.isArray((v as SubgraphDefinition).migrations),
  );
  if (!found) throw new Error(`@clinic/${name} exports no subgraph definition named ${name}`);
  return found;
}

void runMain(async () => {
  const names = process.argv.slice(2);
  if (!names.length) throw new Error('usage: migrate.ts <subgraph>...');
  for (const name of names) {
    const def = definitionOf(name);
    const logger = createLogger(`migrate-${name}`);
    const orm = await createOrm({ config: loadServiceConfig(name, 0), entities: def.entities, migrations: def.migrations, logger });
    await orm.close(true);
    logger.info('migrations are up to date');
  }
});
