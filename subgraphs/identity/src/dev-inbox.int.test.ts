// The developer inbox lists live password-reset links, so it answers only a signed-in ADMIN (through the
// router, as a browser reaches it), and it does not exist at all in production.
import { createLogger, loadServiceConfig, type SubgraphDeps } from '@clinic/service-kit';
import { startIdentityStack, seedUser, signIn, gql, readDevInbox, type IdentityStack } from './testing/stack.ts';
import { DEV_INBOX_PATH, identityRoutes } from './http/routes.ts';

let s: IdentityStack;
const PASSWORD = 'Correct-Horse-9';

beforeAll(async () => {
  s = await startIdentityStack();
});

afterAll(async () => {
  await s?.stop();
});

const inbox = (token?: string) => fetch(new URL(DEV_INBOX_PATH, s.url), { headers: token ? { authorization: `Bearer ${token}` } : {} });

test('anonymous callers, patients and doctors are refused; an admin reads the reset link', async () => {
  await seedUser(s, 'boss@inbox.test', PASSWORD, ['ADMIN']);
  await seedUser(s, 'victim@inbox.test', PASSWORD, ['PATIENT']);
  await seedUser(s, 'doc@inbox.test', PASSWORD, ['DOCTOR']);
  await gql(s.url, 'mutation { requestPasswordReset(email: "victim@inbox.test") }');

  const anonymous = await inbox();
  expect(anonymous.status).toBe(401);
  expect(await anonymous.text()).not.toContain('reset-password');
  expect((await inbox('not-a-token')).status).toBe(401);
  for (const email of ['victim@inbox.test', 'doc@inbox.test']) {
    const res = await inbox((await signIn(s, email, PASSWORD)).accessToken);
    expect(res.status).toBe(403);
    expect(await res.text()).not.toContain('reset-password');
  }
  const admin = await signIn(s, 'boss@inbox.test', PASSWORD);
  const messages = await readDevInbox(s, admin.accessToken);
  expect(messages.find((m) => m.to === 'victim@inbox.test')?.link).toMatch(/reset-password\?token=/);
});

test('production has no developer inbox', () => {
  const config = loadServiceConfig('identity', 0, { ROUTER_SECRET: 'x', DATABASE_URL: 'postgres://u@db/x' });
  expect(config.nodeEnv).toBe('production');
  const deps = { config, logger: createLogger('test', 'silent') } as unknown as SubgraphDeps;
  const routes = identityRoutes(deps, () => Promise.reject(new Error('unused')), () => { throw new Error('unused'); }, {});
  expect(routes[DEV_INBOX_PATH]).toBeUndefined();
});
