// The schema check CI relies on: composition errors, stale supergraph, unacknowledged breaking changes.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { checkSchema, composeSupergraph, readSubgraphs, type SubgraphSdl } from './compose.ts';
import { SUBGRAPHS, SUPERGRAPH_PATH } from './subgraphs.ts';

const current = readSubgraphs(SUBGRAPHS);
const committed = readFileSync(SUPERGRAPH_PATH, 'utf8');
const identity = current.find((s) => s.name === 'identity')!;

function withIdentitySdl(sdl: string): SubgraphSdl[] {
  return current.map((s) => (s.name === 'identity' ? { ...s, sdl } : s));
}

test('the committed supergraph is what the subgraph SDLs compose to', async () => {
  const report = await checkSchema({ subgraphs: current, committedSupergraph: committed, baseSupergraph: committed, acknowledged: [] });
  expect(report.problems).toEqual([]);
  expect(report.ok).toBe(true);
});

test('a broken SDL fixture fails composition with a readable error', async () => {
  const broken = readFileSync(path.join(__dirname, 'fixtures', 'broken.graphql'), 'utf8');
  const outcome = composeSupergraph([...current, { name: 'broken', url: 'http://localhost:4999/graphql', sdl: broken }]);
  expect(outcome.ok).toBe(false);
  if (!outcome.ok) expect(outcome.errors.join('\n')).toMatch(/User\.email/);

  const report = await checkSchema({
    subgraphs: [...current, { name: 'broken', url: 'http://localhost:4999/graphql', sdl: broken }],
    committedSupergraph: committed,
    baseSupergraph: null,
    acknowledged: [],
  });
  expect(report.ok).toBe(false);
  expect(report.problems[0]).toMatch(/^composition:/);
});

test('an SDL that does not parse fails composition, naming the subgraph', () => {
  const outcome = composeSupergraph(withIdentitySdl('type Query { oops: }'));
  expect(outcome.ok).toBe(false);
  if (!outcome.ok) expect(outcome.errors[0]).toMatch(/^identity:/);
});

test('a stale committed supergraph is reported', async () => {
  const added = identity.sdl.replace('type Query {', 'type Query {\n  clinicName: String');
  const report = await checkSchema({ subgraphs: withIdentitySdl(added), committedSupergraph: committed, baseSupergraph: null, acknowledged: [] });
  expect(report.ok).toBe(false);
  expect(report.problems).toContain('schema/supergraph.graphql is out of date: run `npm run compose` and commit the result');
  // Adding a field is not breaking: the only problem is staleness.
  expect(report.problems).toHaveLength(1);
});

test('a breaking change against the base fails unless acknowledged', async () => {
  const removed = identity.sdl.replace(/\n\s*createdAt: DateTime!/, '');
  expect(removed).not.toEqual(identity.sdl);
  const composed = composeSupergraph(withIdentitySdl(removed));
  if (!composed.ok) throw new Error(composed.errors.join('\n'));

  const refused = await checkSchema({ subgraphs: withIdentitySdl(removed), committedSupergraph: composed.supergraphSdl, baseSupergraph: committed, acknowledged: [] });
  expect(refused.ok).toBe(false);
  expect(refused.problems.join('\n')).toMatch(/breaking change FIELD_REMOVED at User\.createdAt/);

  const acknowledged = await checkSchema({
    subgraphs: withIdentitySdl(removed),
    committedSupergraph: composed.supergraphSdl,
    baseSupergraph: committed,
    acknowledged: [{ type: 'FIELD_REMOVED', path: 'User.createdAt', reason: 'test' }],
  });
  expect(acknowledged.problems).toEqual([]);
});
