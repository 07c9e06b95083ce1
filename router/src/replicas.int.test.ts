// Balancing over subgraph replicas through the real router: with a dead replica (accepts, then drops the
// connection) and a refused one listed beside live ones, every query is answered, the dead replica is
// ejected after its first failure and not tried again while ejected, and both live replicas share the load.
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { createTestKeys, signTestToken, type TestKeys } from '@clinic/service-kit/testing';
import { identitySubgraph } from '@clinic/identity';
import { UserSchema } from '@clinic/identity/src/entities/user.ts';
import { greetingsSubgraph } from './testing/greetings-subgraph.ts';
import { composeFor, gql, startStack, startTestRouter, type Stack } from './testing/harness.ts';
import type { RunningRouter } from './router.ts';
import { loadRouterConfig } from './config.ts';

let keys: TestKeys;
let stack: Stack;
let dead: net.Server;
let deadConnections = 0;
let refusedUrl: string;
let userId: string;

beforeAll(async () => {
  keys = await createTestKeys();
  stack = await startStack(keys, [identitySubgraph, greetingsSubgraph]);
  dead = net.createServer((socket) => {
    deadConnections += 1;
    socket.destroy();
  });
  await new Promise<void>((resolve) => dead.listen(0, '127.0.0.1', resolve));
  const closed = net.createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  refusedUrl = `http://127.0.0.1:${(closed.address() as AddressInfo).port}/graphql`;
  await new Promise((resolve) => closed.close(resolve));
  const em = stack.subgraphs.identity!.orm.em.fork();
  const user = em.create(UserSchema, { email: 'replica@example.test', displayName: 'Replica Person', createdAt: new Date() });
  await em.flush();
  userId = user.id;
});

afterAll(async () => {
  await stack?.stop();
  await new Promise((resolve) => dead?.close(resolve));
});

test('routes around a dead replica and a refused one; live replicas share the load', async () => {
  const deadUrl = `http://127.0.0.1:${(dead.address() as AddressInfo).port}/graphql`;
  const greetings = stack.subgraphs.greetings!;
  const identity = stack.subgraphs.identity!;
  // A second URL to the same live greetings process (another replica as far as the router can tell).
  const greetingsAlias = greetings.url.replace('127.0.0.1', 'localhost');
  const env = {
    SUBGRAPH_GREETINGS_URL: `${deadUrl},${greetings.url},${greetingsAlias}`,
    SUBGRAPH_IDENTITY_URL: `${refusedUrl},${identity.url}`,
    REPLICA_EJECT_MS: '60000',
  };
  const sdl = composeFor([
    { definition: identitySubgraph, url: identity.url },
    { definition: greetingsSubgraph, url: greetings.url },
  ]);
  const router: RunningRouter = await startTestRouter(keys, sdl, env);
  try {
    const token = await signTestToken(keys, { sub: userId, roles: ['ADMIN'] });
    const seenHosts = new Set<string>();
    greetings.httpServer.on('request', (req) => seenHosts.add(req.headers.host ?? ''));
    for (let i = 0; i < 8; i++) {
      const res = await gql<{ greetings: { user: { email: string } }[] }>(
        router.url,
        'query Balanced($ids: [ID!]!) { greetings(userIds: $ids) { user { email } } }',
        { variables: { ids: [userId] }, token },
      );
      expect(res.body.errors).toBeUndefined();
      expect(res.body.data?.greetings[0]?.user.email).toBe('replica@example.test');
    }
    expect(deadConnections).toBe(1);
    expect([...seenHosts].map((h) => h.split(':')[0]).sort()).toEqual(['127.0.0.1', 'localhost']);
    const config = loadRouterConfig({ ...env, ROUTER_SECRET: 'x' });
    expect(config.subgraphReplicas.greetings).toHaveLength(3);
  } finally {
    await router.stop();
  }
});
