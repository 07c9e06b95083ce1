// Tokens do not outlive the session: after sign-out, revocation of a session, refresh-token reuse, a
// password change, deactivation or partner revocation, the access token stops at the router and at the
// subgraph itself within a second or two, and the session's open WebSocket is closed with 4401.
import { ROUTER_SECRET_HEADER } from '@clinic/service-kit';
import { connectWs } from '../../../router/src/testing/ws.ts';
import { startIdentityStack, seedUser, signIn, gql, type IdentityStack } from './testing/stack.ts';

let s: IdentityStack;
let admin: { accessToken: string; userId: string };
const PASSWORD = 'Correct-Horse-9';

beforeAll(async () => {
  s = await startIdentityStack();
  await seedUser(s, 'admin@revoke.test', PASSWORD, ['ADMIN']);
  admin = await signIn(s, 'admin@revoke.test', PASSWORD);
});

afterAll(async () => {
  await s?.stop();
});

const ME = '{ me { id } }';
const meStatus = async (token: string) => {
  const res = await gql(s.url, ME, { token });
  return { status: res.status, code: res.body.errors?.[0]?.extensions?.code ?? null };
};
/** Asked straight at the identity subgraph, as the router would (router secret), so the subgraph's own check is tested. */
const meAtSubgraph = async (token: string) => {
  const res = await gql(s.stack.subgraphs.identity!.url, ME, { token, headers: { [ROUTER_SECRET_HEADER]: 'test-router-secret' } });
  return res.body.errors?.[0]?.extensions?.code ?? null;
};

/** Polls for at most `ms`: revocation must take effect within seconds, not at token expiry (10–30 min). */
async function stopsWithin(token: string, ms = 2_000): Promise<number> {
  const started = Date.now();
  for (;;) {
    const { code } = await meStatus(token);
    if (code === 'UNAUTHENTICATED') return Date.now() - started;
    if (Date.now() - started > ms) throw new Error(`token still accepted after ${ms} ms (last answer: ${code})`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('sign-out: the access token stops at the router and at the subgraph', async () => {
  await seedUser(s, 'out@revoke.test', PASSWORD, ['PATIENT']);
  const user = await signIn(s, 'out@revoke.test', PASSWORD);
  expect(await meStatus(user.accessToken)).toEqual({ status: 200, code: null });
  expect((await gql(s.url, 'mutation { signOut }', { token: user.accessToken })).body.errors).toBeUndefined();
  await stopsWithin(user.accessToken);
  expect(await meStatus(user.accessToken)).toEqual({ status: 401, code: 'UNAUTHENTICATED' });
  expect(await meAtSubgraph(user.accessToken)).toBe('UNAUTHENTICATED');
});

test('revoking one session stops only that session', async () => {
  await seedUser(s, 'two@revoke.test', PASSWORD, ['PATIENT']);
  const laptop = await signIn(s, 'two@revoke.test', PASSWORD);
  const phone = await signIn(s, 'two@revoke.test', PASSWORD);
  const sessions = await gql<{ mySessions: { id: string; current: boolean }[] }>(s.url, '{ mySessions { id current } }', { token: laptop.accessToken });
  const phoneSession = sessions.body.data!.mySessions.find((x) => !x.current)!.id;
  await gql(s.url, 'mutation($id: ID!) { revokeSession(id: $id) }', { variables: { id: phoneSession }, token: laptop.accessToken });
  await stopsWithin(phone.accessToken);
  expect(await meStatus(laptop.accessToken)).toEqual({ status: 200, code: null });
});

test('refresh-token reuse ends the session and its access tokens', async () => {
  await seedUser(s, 'reuse@revoke.test', PASSWORD, ['PATIENT']);
  const user = await signIn(s, 'reuse@revoke.test', PASSWORD);
  const REFRESH = 'mutation($t: String!) { refreshSession(refreshToken: $t) { accessToken } }';
  const rotated = await gql<{ refreshSession: { accessToken: string } }>(s.url, REFRESH, { variables: { t: user.refreshToken } });
  const fresh = rotated.body.data!.refreshSession.accessToken;
  expect(await meStatus(fresh)).toEqual({ status: 200, code: null });
  const replay = await gql(s.url, REFRESH, { variables: { t: user.refreshToken } });
  expect(replay.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  await stopsWithin(fresh);
  await stopsWithin(user.accessToken);
});

test("a password change ends the user's other sessions, not the current one", async () => {
  await seedUser(s, 'pw@revoke.test', PASSWORD, ['PATIENT']);
  const here = await signIn(s, 'pw@revoke.test', PASSWORD);
  const elsewhere = await signIn(s, 'pw@revoke.test', PASSWORD);
  const changed = await gql(s.url, 'mutation { changePassword(currentPassword: "Correct-Horse-9", newPassword: "Another-Horse-10") }', { token: here.accessToken });
  expect(changed.body.errors).toBeUndefined();
  await stopsWithin(elsewhere.accessToken);
  expect(await meStatus(here.accessToken)).toEqual({ status: 200, code: null });
});

test('deactivation stops every token of the account', async () => {
  const id = await seedUser(s, 'gone@revoke.test', PASSWORD, ['PATIENT']);
  const user = await signIn(s, 'gone@revoke.test', PASSWORD);
  const res = await gql(s.url, 'mutation($id: ID!) { deactivateUser(userId: $id) { id } }', { variables: { id }, token: admin.accessToken });
  expect(res.body.errors).toBeUndefined();
  await stopsWithin(user.accessToken);
  expect(await meAtSubgraph(user.accessToken)).toBe('UNAUTHENTICATED');
});

test('a revoked partner client loses its tokens at once', async () => {
  const issued = await gql<{ issuePartnerClient: { client: { id: string }; clientSecret: string } }>(
    s.url,
    'mutation { issuePartnerClient(name: "Portal", scopes: ["availability:read"]) { client { id } clientSecret } }',
    { token: admin.accessToken },
  );
  const { client, clientSecret } = issued.body.data!.issuePartnerClient;
  const token = await gql<{ partnerToken: { accessToken: string } }>(s.url, 'mutation($id: String!, $s: String!) { partnerToken(clientId: $id, clientSecret: $s) { accessToken } }', {
    variables: { id: client.id, s: clientSecret },
  });
  const partner = token.body.data!.partnerToken.accessToken;
  // Accepted at the edge (FORBIDDEN: partners have no `me`), until revoked.
  expect(await meStatus(partner)).toEqual({ status: 200, code: 'FORBIDDEN' });
  await gql(s.url, 'mutation($id: ID!) { revokePartnerClient(id: $id) }', { variables: { id: client.id }, token: admin.accessToken });
  await stopsWithin(partner);
});

test("sign-out closes the session's open WebSocket with 4401; another user's stays open", async () => {
  await seedUser(s, 'ws@revoke.test', PASSWORD, ['PATIENT']);
  const user = await signIn(s, 'ws@revoke.test', PASSWORD);
  const before = s.stack.router.subscriptions.stats().connections;
  const mine = connectWs(s.url, user.accessToken, { lazy: false });
  const theirs = connectWs(s.url, admin.accessToken, { lazy: false });
  try {
    const deadline = Date.now() + 5_000;
    while (s.stack.router.subscriptions.stats().connections < before + 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(s.stack.router.subscriptions.stats().connections).toBe(before + 2);
    await gql(s.url, 'mutation { signOut }', { token: user.accessToken });
    let timer: NodeJS.Timeout | undefined;
    const closed = await Promise.race([mine.closed, new Promise<null>((r) => (timer = setTimeout(() => r(null), 3_000)))]);
    clearTimeout(timer);
    expect(closed?.code).toBe(4401);
    while (s.stack.router.subscriptions.stats().connections > before + 1 && Date.now() < deadline + 5_000) await new Promise((r) => setTimeout(r, 20));
    expect(s.stack.router.subscriptions.stats().connections).toBe(before + 1);
  } finally {
    await mine.dispose();
    await theirs.dispose();
  }
});
