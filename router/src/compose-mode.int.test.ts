// Development mode: the router composes the supergraph from running subgraphs (introspection through
// the router secret) instead of reading the committed file.
import { startSubgraph, type RunningSubgraph } from '@clinic/service-kit';
import { createTestKeys, dropSchema, testServiceConfig } from '@clinic/service-kit/testing';
import { identitySubgraph } from '@clinic/identity';
import { greetingsSubgraph } from './testing/greetings-subgraph.ts';
import { loadRouterConfig } from './config.ts';
import { startRouter, type RunningRouter } from './router.ts';
import { gql } from './testing/harness.ts';

let subgraphs: RunningSubgraph[] = [];
let router: RunningRouter;

beforeAll(async () => {
  const keys = await createTestKeys();
  subgraphs = [
    await startSubgraph(identitySubgraph, testServiceConfig('identity', keys)),
    await startSubgraph(greetingsSubgraph, testServiceConfig('greetings', keys)),
  ];
  router = await startRouter(
    loadRouterConfig({
      NODE_ENV: 'test',
      PORT: '0',
      LOG_LEVEL: 'silent',
      ROUTER_SECRET: 'test-router-secret',
      JWKS_JSON: keys.jwksJson,
      SUPERGRAPH_MODE: 'compose',
      SUBGRAPH_IDENTITY_URL: subgraphs[0]!.url,
      SUBGRAPH_GREETINGS_URL: subgraphs[1]!.url,
    }),
  );
});

afterAll(async () => {
  await router?.stop();
  for (const s of subgraphs) {
    await s.stop();
    await dropSchema(s.config.dbSchema);
  }
});

test('serves fields of both running subgraphs without a committed supergraph', async () => {
  const res = await gql(router.url, '{ greetings(userIds: []) { text } __type(name: "User") { fields { name } } }');
  expect(res.body.errors).toBeUndefined();
  expect(res.body.data).toMatchObject({ greetings: [] });
  const fields = (res.body.data as { __type: { fields: { name: string }[] } }).__type.fields.map((f) => f.name);
  expect(fields).toEqual(expect.arrayContaining(['id', 'email']));
});
