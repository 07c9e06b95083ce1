// Microsoft Identity against a local OIDC issuer the test starts: the authorization-code + PKCE flow through
// the router's /auth/* (msal-node pointed at the local authority), linking by e-mail and provisioning, and
// direct acceptance of Azure AD access tokens at the router (tenant JWKS + identity's user lookup) and in identity.
import https from 'node:https';
import net from 'node:net';
import { createTestKeys, testServiceConfig, dropSchema, TEST_REDIS_URL, type TestKeys } from '@clinic/service-kit/testing';
import { createAzureUserLookup, startSubgraph, type RunningSubgraph } from '@clinic/service-kit';
import { composeFor, gql } from '../../../router/src/testing/harness.ts';
import { startRouter, type RunningRouter } from '../../../router/src/router.ts';
import { loadRouterConfig } from '../../../router/src/config.ts';
import { createIdentitySubgraph } from './service.ts';
import { startLocalIssuer, type LocalIssuer } from './testing/local-oidc-issuer.ts';
import { createUser } from './domain/auth.ts';
import { inTransaction } from './db.ts';

let keys: TestKeys;
let issuer: LocalIssuer;
let identity: RunningSubgraph;
let router: RunningRouter;
let routerUrl: string;

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });

beforeAll(async () => {
  keys = await createTestKeys();
  issuer = await startLocalIssuer();
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const env = { ...issuer.env(`${origin}/auth/microsoft/callback`), PUBLIC_URL: 'http://web.test' };
  const def = createIdentitySubgraph({ signingKey: { kid: keys.kid, privateKey: keys.privateKey }, queues: { audit: `test-audit-ms-${port}`, doctors: `test-doctors-ms-${port}`, notifications: `test-notify-ms-${port}` }, env });
  identity = await startSubgraph(def, testServiceConfig('identity', keys, env));
  const config = loadRouterConfig({ NODE_ENV: 'test', PORT: String(port), ROUTER_SECRET: 'test-router-secret', JWKS_JSON: keys.jwksJson, REDIS_URL: TEST_REDIS_URL, LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent', ...env });
  router = await startRouter(config, {
    supergraphSdl: composeFor([{ definition: def, url: identity.url }]),
    resolveAzureUser: createAzureUserLookup({ identityUrl: identity.url, routerSecret: 'test-router-secret' }),
  });
  routerUrl = router.url;
});

afterAll(async () => {
  await router?.stop();
  if (identity) {
    await identity.stop();
    await dropSchema(identity.config.dbSchema);
  }
  await issuer?.stop();
});

/** The browser: start at the router, let the "tenant" authorize, come back to the callback; returns our tokens. */
async function browserSignIn(): Promise<URLSearchParams> {
  const start = await fetch(new URL('/auth/microsoft/start', routerUrl), { redirect: 'manual' });
  expect(start.status).toBe(302);
  const authorize = new URL(start.headers.get('location')!);
  expect(authorize.origin).toBe(issuer.authorityHost);
  expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
  const back = await new Promise<string>((resolve, reject) =>
    https.get(authorize, { ca: issuer.caPem }, (res) => {
      res.resume();
      resolve(res.headers.location!);
    }).on('error', reject),
  );
  const callback = await fetch(back, { redirect: 'manual' });
  if (callback.status !== 302) throw new Error(`callback answered ${callback.status}: ${await callback.text()}`);
  const done = new URL(callback.headers.get('location')!);
  expect(`${done.origin}${done.pathname}`).toBe('http://web.test/auth/complete');
  return new URLSearchParams(done.hash.slice(1));
}

test('the sign-in page learns that Microsoft sign-in is configured', async () => {
  const res = await fetch(new URL('/graphql', routerUrl), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ signInOptions { password microsoft } }' }) });
  expect(((await res.json()) as { data: unknown }).data).toEqual({ signInOptions: { password: true, microsoft: true } });
});

test('authorization code + PKCE with msal-node provisions a new patient and signs them in', async () => {
  issuer.nextUser = { oid: 'a1b2c3d4-0000-4000-8000-000000000001', email: 'new.patient@contoso.test', name: 'New Patient' };
  const tokens = await browserSignIn();
  const me = await gql<{ me: { email: string; roles: string[] } }>(routerUrl, '{ me { email roles } }', { token: tokens.get('access_token')! });
  expect(me.body.data?.me).toEqual({ email: 'new.patient@contoso.test', roles: ['PATIENT'] });
  expect(tokens.get('refresh_token')).toBeTruthy();
});

test('an existing account with the same verified e-mail is linked, not duplicated', async () => {
  const userId = await inTransaction(identity.orm.em.fork(), (tx) => createUser(tx, { email: 'dr.linked@contoso.test', displayName: 'Dr Linked', password: null, roles: ['DOCTOR'] }));
  issuer.nextUser = { oid: 'a1b2c3d4-0000-4000-8000-000000000002', email: 'dr.linked@contoso.test', name: 'Dr Linked' };
  const tokens = await browserSignIn();
  const me = await gql<{ me: { id: string; roles: string[] } }>(routerUrl, '{ me { id roles } }', { token: tokens.get('access_token')! });
  expect(me.body.data?.me).toEqual({ id: userId, roles: ['DOCTOR'] });
});

test('a replayed or unknown state is refused', async () => {
  const res = await fetch(new URL('/auth/microsoft/callback?code=abc&state=forged', routerUrl), { redirect: 'manual' });
  expect(res.status).toBe(400);
});

test('Azure AD access tokens are accepted directly (router and identity check the tenant JWKS and the link)', async () => {
  const linked = { oid: 'a1b2c3d4-0000-4000-8000-000000000001', email: 'new.patient@contoso.test', name: 'New Patient' };
  const token = await issuer.signAccessToken(linked);
  const me = await gql<{ me: { email: string } }>(routerUrl, '{ me { email } }', { token });
  expect(me.body.errors).toBeUndefined();
  expect(me.body.data?.me.email).toBe('new.patient@contoso.test');

  const stranger = await issuer.signAccessToken({ oid: 'ffffffff-0000-4000-8000-000000000009', email: 'x@contoso.test', name: 'X' });
  const refused = await gql(routerUrl, '{ __typename }', { token: stranger });
  expect(refused.status).toBe(401);
  const wrongAudience = await issuer.signAccessToken(linked, { audience: 'api://someone-else' });
  expect((await gql(routerUrl, '{ __typename }', { token: wrongAudience })).status).toBe(401);
});

describe('Azure AD tokens carry no session id: a per-user cutoff stops those issued before it', () => {
  const PASSWORD = 'Correct-Horse-9';
  const ME = '{ me { id } }';
  const SIGN_IN = 'mutation($e: String!, $p: String!) { signIn(email: $e, password: $p) { auth { accessToken } } }';
  const codeOf = async (token: string, url = routerUrl) => {
    const res = await gql(url, ME, { token, headers: url === routerUrl ? {} : { 'x-router-secret': 'test-router-secret' } });
    return res.body.errors?.[0]?.extensions?.code ?? null;
  };
  /** Revocation takes effect within a second or two; polls on the answer, not on time. */
  const refusedSoon = async (token: string) => {
    for (let i = 0; i < 100; i++) {
      if ((await codeOf(token)) === 'UNAUTHENTICATED') return true;
      await new Promise((r) => setTimeout(r, 50));
    }
    return false;
  };
  /** A Microsoft-linked account that also has a password (linked by its verified e-mail). */
  async function linkedUser(n: number) {
    const email = `cutoff${n}@contoso.test`;
    const userId = await inTransaction(identity.orm.em.fork(), (tx) => createUser(tx, { email, displayName: `Cut Off ${n}`, password: PASSWORD, roles: ['PATIENT'] }));
    const azure = { oid: `c0ffee00-0000-4000-8000-00000000000${n}`, email, name: `Cut Off ${n}` };
    issuer.nextUser = azure;
    await browserSignIn();
    const local = await gql<{ signIn: { auth: { accessToken: string } } }>(routerUrl, SIGN_IN, { variables: { e: email, p: PASSWORD } });
    return { userId, azure, localToken: local.body.data!.signIn.auth.accessToken };
  }
  const later = () => Math.floor(Date.now() / 1000) + 2;

  test.each([
    ['sign-out everywhere', async (u: Awaited<ReturnType<typeof linkedUser>>) => gql(routerUrl, 'mutation { signOutEverywhere }', { token: u.localToken })],
    [
      'a password change',
      async (u: Awaited<ReturnType<typeof linkedUser>>) =>
        gql(routerUrl, 'mutation { changePassword(currentPassword: "Correct-Horse-9", newPassword: "Another-Horse-10") }', { token: u.localToken }),
    ],
    [
      "an admin's revoke-all",
      async (u: Awaited<ReturnType<typeof linkedUser>>) => {
        const adminEmail = `admin-${u.userId}@contoso.test`;
        await inTransaction(identity.orm.em.fork(), (tx) => createUser(tx, { email: adminEmail, displayName: 'Admin', password: PASSWORD, roles: ['ADMIN'] }));
        const admin = await gql<{ signIn: { auth: { accessToken: string } } }>(routerUrl, SIGN_IN, { variables: { e: adminEmail, p: PASSWORD } });
        return gql(routerUrl, 'mutation($u: ID!) { revokeAllSessions(userId: $u) }', { variables: { u: u.userId }, token: admin.body.data!.signIn.auth.accessToken });
      },
    ],
  ])('%s stops Azure AD tokens issued before it, at the router and in identity; later ones work', async (_name, revoke) => {
    const n = ++linkedCount;
    const u = await linkedUser(n);
    const before = await issuer.signAccessToken(u.azure);
    expect(await codeOf(before)).toBeNull();
    const done = await revoke(u);
    expect(done.body.errors).toBeUndefined();
    expect(await refusedSoon(before)).toBe(true);
    expect(await codeOf(before, identity.url)).toBe('UNAUTHENTICATED');
    // A token Azure AD issues after the cutoff (a later whole second: Azure AD stamps whole seconds) works.
    const after = await issuer.signAccessToken(u.azure, { issuedAt: later() });
    expect(await codeOf(after)).toBeNull();
  });
});
let linkedCount = 0;
