// Every operation the web app ships (its persisted-documents manifest) passes the router's edge limits as
// configured by default: a limit that refuses the clinic's own screens is a broken screen (the chat thread
// once cost 7 793 against 5 000 because armor weighed its fragment a level deeper). The router runs on the
// committed supergraph with no subgraph behind it: limits are checked before anything is fetched.
import { readFileSync } from 'node:fs';
import { createTestKeys } from '@clinic/service-kit/testing';
import { DEFAULT_PERSISTED_OPERATIONS_MANIFEST, DEFAULT_SUPERGRAPH_PATH } from './config.ts';
import { gql, startTestRouter } from './testing/harness.ts';
import type { RunningRouter } from './router.ts';

let router: RunningRouter;

beforeAll(async () => {
  router = await startTestRouter(await createTestKeys(), readFileSync(DEFAULT_SUPERGRAPH_PATH, 'utf8'));
});

afterAll(async () => {
  await router?.stop();
});

test('every web operation passes depth, alias, directive, token and cost limits', async () => {
  const manifest = JSON.parse(readFileSync(DEFAULT_PERSISTED_OPERATIONS_MANIFEST, 'utf8')) as Record<string, string>;
  const documents = Object.values(manifest);
  expect(documents.length).toBeGreaterThan(20);
  const refused: { operation: string; messages: string[] }[] = [];
  for (const document of documents) {
    const res = await gql(router.url, document);
    const validation = (res.body.errors ?? []).filter((e) => e.extensions?.code === 'GRAPHQL_VALIDATION_FAILED' || e.extensions?.code === 'GRAPHQL_PARSE_FAILED');
    if (validation.length) refused.push({ operation: /\b(?:query|mutation|subscription) (\w+)/.exec(document)?.[1] ?? document.slice(0, 40), messages: validation.map((e) => e.message) });
  }
  expect(refused).toEqual([]);
});
