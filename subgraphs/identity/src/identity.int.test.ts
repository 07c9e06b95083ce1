// Identity through the router, on the real Postgres and Redis: registration and sign-in, malformed input,
// refresh rotation and reuse detection, authorization (router directives and resolver checks with audit),
// brute-force lockout and alerts, MFA, password reset, partners, profiles and the doctor directory event.
import { authenticator } from 'otplib';
import { Queue } from 'bullmq';
import { TEST_REDIS_URL, registerVerifiedPatient } from '@clinic/service-kit/testing';
import { startIdentityStack, seedUser, signIn, gql, eventually, auditRows, identityEm, readDevInbox, SIGN_IN, type IdentityStack } from './testing/stack.ts';
import { query } from './db.ts';

let s: IdentityStack;
let admin: { accessToken: string; userId: string };
const PASSWORD = 'Correct-Horse-9';

beforeAll(async () => {
  s = await startIdentityStack();
  await seedUser(s, 'admin@clinic.test', PASSWORD, ['ADMIN']);
  admin = await signIn(s, 'admin@clinic.test', PASSWORD);
});

afterAll(async () => {
  await s?.stop();
});

const REGISTER = `mutation($input: RegisterPatientInput!) { registerPatient(input: $input) { email } }`;

/** A patient registered and verified through the router (the kit's shared helper). */
async function register(email: string) {
  const p = await registerVerifiedPatient(s.url, { email, password: PASSWORD, displayName: 'Pat Ient' }, admin.accessToken);
  return { accessToken: p.accessToken, refreshToken: p.refreshToken, user: { id: p.userId } };
}

test('registration → sign-in → me through the router, and the JWKS is served through the router', async () => {
  const reg = await register('ada@example.test');
  const signedIn = await signIn(s, 'ADA@example.test', PASSWORD);
  expect(signedIn.userId).toBe(reg.user.id);
  const me = await gql<{ me: { email: string; roles: string[] } }>(s.url, '{ me { email roles } }', { token: signedIn.accessToken });
  expect(me.body.data?.me).toEqual({ email: 'ada@example.test', roles: ['PATIENT'] });

  const jwks = (await (await fetch(new URL('/.well-known/jwks.json', s.url))).json()) as { keys: { kid: string; d?: string }[] };
  expect(jwks.keys[0]!.kid).toBe(s.keys.kid);
  expect(jwks.keys[0]!.d).toBeUndefined();
});

test('malformed inputs get BAD_USER_INPUT and save nothing', async () => {
  const cases = [
    { email: 'not-an-email', password: PASSWORD, displayName: 'X' },
    { email: 'weak@example.test', password: 'password', displayName: 'X' },
    { email: 'long@example.test', password: PASSWORD, displayName: 'x'.repeat(5000) },
    { email: "a' OR 1=1 --@example.test", password: PASSWORD, displayName: 'X' },
  ];
  for (const input of cases) {
    const res = await gql(s.url, REGISTER, { variables: { input } });
    expect(res.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  }
  const rows = await query(identityEm(s), `select 1 from users where email in ('weak@example.test', 'long@example.test')`);
  expect(rows).toHaveLength(0);
});

test('a name that looks like SQL is just a name: stored verbatim, nothing else happens', async () => {
  const name = "Robert'); DROP TABLE users;--";
  const res = await gql(s.url, REGISTER, { variables: { input: { email: 'sql@example.test', password: PASSWORD, displayName: name } } });
  expect(res.body.errors).toBeUndefined();
  const rows = await query<{ display_name: string }>(identityEm(s), `select display_name from users where email = 'sql@example.test'`);
  expect(rows).toEqual([{ display_name: name }]);
});

test('refresh rotates the token; reusing a retired one revokes the family and raises an alert', async () => {
  const reg = await register('rota@example.test');
  const REFRESH = `mutation($t: String!) { refreshSession(refreshToken: $t) { accessToken refreshToken sessionId } }`;
  const first = await gql<{ refreshSession: { refreshToken: string; accessToken: string } }>(s.url, REFRESH, { variables: { t: reg.refreshToken } });
  expect(first.body.errors).toBeUndefined();
  const rotated = first.body.data!.refreshSession.refreshToken;
  expect(rotated).not.toBe(reg.refreshToken);

  const reuse = await gql(s.url, REFRESH, { variables: { t: reg.refreshToken } });
  expect(reuse.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  // The whole family is gone: the newest token no longer works either.
  const after = await gql(s.url, REFRESH, { variables: { t: rotated } });
  expect(after.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');

  const alerts = await gql<{ securityAlerts: { kind: string; userId: string }[] }>(s.url, '{ securityAlerts(kind: TOKEN_REUSE) { kind userId } }', { token: admin.accessToken });
  expect(alerts.body.data?.securityAlerts).toContainEqual({ kind: 'TOKEN_REUSE', userId: reg.user.id });
});

test('the router refuses a field to the wrong role (@requiresScopes), the resolver re-checks', async () => {
  const reg = await register('nosy@example.test');
  const asPatient = await gql(s.url, '{ securityAlerts { id } }', { token: reg.accessToken });
  expect(asPatient.status).toBe(403);
  expect(asPatient.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  const asAdmin = await gql(s.url, '{ securityAlerts { id } }', { token: admin.accessToken });
  expect(asAdmin.body.errors).toBeUndefined();
});

test('a patient reading another patient gets FORBIDDEN and an audit row', async () => {
  const alice = await register('alice@example.test');
  const bob = await register('bob@example.test');
  const res = await gql(s.url, 'query($id: ID!) { user(id: $id) { email patientProfile { dateOfBirth } } }', { variables: { id: alice.user.id }, token: bob.accessToken });
  expect(res.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  const rows = await eventually(
    () => auditRows(s, `action = 'user.read' and subject_user_id = ? and actor_id = ?`, [alice.user.id, bob.user.id]),
    (r) => r.length > 0,
  );
  expect(rows[0]).toMatchObject({ outcome: 'DENIED' });

  // The compliance report for Alice names Bob.
  const report = await gql<{ complianceReport: { accessors: { actorId: string; denied: number }[] } }>(
    s.url,
    'query($p: ID!, $f: DateTime!, $t: DateTime!) { complianceReport(patientId: $p, from: $f, to: $t) { accessors { actorId denied } } }',
    { variables: { p: alice.user.id, f: new Date(Date.now() - 60_000).toISOString(), t: new Date(Date.now() + 60_000).toISOString() }, token: admin.accessToken },
  );
  expect(report.body.data?.complianceReport.accessors).toContainEqual({ actorId: bob.user.id, denied: 1 });
});

test('brute force locks the account (even the right password is refused) and raises an alert', async () => {
  const victim = await register('victim@example.test');
  for (let i = 0; i < 5; i++) {
    const res = await gql(s.url, SIGN_IN, { variables: { email: 'victim@example.test', password: `Wrong-guess-${i}` } });
    expect(res.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  }
  // Locked: answered exactly like a wrong password (lockout does not reveal that the address exists).
  const locked = await gql(s.url, SIGN_IN, { variables: { email: 'victim@example.test', password: PASSWORD } });
  expect(locked.body.errors?.[0]?.extensions).toEqual({ code: 'UNAUTHENTICATED', reason: 'WRONG_CREDENTIALS', serviceName: 'identity' });
  const alerts = await gql<{ securityAlerts: { kind: string; userId: string }[] }>(s.url, '{ securityAlerts(kind: BRUTE_FORCE) { kind userId } }', { token: admin.accessToken });
  expect(alerts.body.data?.securityAlerts).toContainEqual({ kind: 'BRUTE_FORCE', userId: victim.user.id });
  const failures = await eventually(() => auditRows(s, `action = 'auth.sign_in' and subject_user_id = ? and outcome <> 'SUCCESS'`, [victim.user.id]), (r) => r.length >= 6);
  expect(failures.length).toBeGreaterThanOrEqual(6);
});

test('MFA: enrol with a TOTP secret, confirm, then sign-in needs the second factor (or a recovery code)', async () => {
  const reg = await register('mfa@example.test');
  const enrol = await gql<{ beginMfaEnrolment: { secret: string; otpauthUri: string; qrCodeDataUrl: string } }>(
    s.url,
    'mutation { beginMfaEnrolment { secret otpauthUri qrCodeDataUrl } }',
    { token: reg.accessToken },
  );
  const { secret, otpauthUri, qrCodeDataUrl } = enrol.body.data!.beginMfaEnrolment;
  expect(otpauthUri).toMatch(/^otpauth:\/\/totp\//);
  expect(qrCodeDataUrl).toMatch(/^data:image\/png;base64,/);
  const confirm = await gql<{ confirmMfaEnrolment: string[] }>(s.url, 'mutation($c: String!) { confirmMfaEnrolment(code: $c) }', {
    variables: { c: authenticator.generate(secret) },
    token: reg.accessToken,
  });
  const recovery = confirm.body.data!.confirmMfaEnrolment;
  expect(recovery).toHaveLength(10);

  const first = await gql<{ signIn: { status: string; auth: unknown; mfaChallenge: string } }>(s.url, SIGN_IN, { variables: { email: 'mfa@example.test', password: PASSWORD } });
  expect(first.body.data?.signIn).toMatchObject({ status: 'MFA_REQUIRED', auth: null });
  const COMPLETE = 'mutation($ch: String!, $c: String!) { completeMfaSignIn(challenge: $ch, code: $c) { accessToken user { email } } }';
  const wrong = await gql(s.url, COMPLETE, { variables: { ch: first.body.data!.signIn.mfaChallenge, c: '000000' } });
  expect(wrong.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  // The enrolment spent this time-step's code; the next step's code is within the accepted window.
  const nextCode = authenticator.clone({ epoch: Date.now() + 30_000 }).generate(secret);
  const ok = await gql<{ completeMfaSignIn: { user: { email: string } } }>(s.url, COMPLETE, { variables: { ch: first.body.data!.signIn.mfaChallenge, c: nextCode } });
  expect(ok.body.data?.completeMfaSignIn.user.email).toBe('mfa@example.test');
  const challenge = async () => (await gql<{ signIn: { mfaChallenge: string } }>(s.url, SIGN_IN, { variables: { email: 'mfa@example.test', password: PASSWORD } })).body.data!.signIn.mfaChallenge;
  const withRecovery = await gql(s.url, COMPLETE, { variables: { ch: await challenge(), c: recovery[0] } });
  expect(withRecovery.body.errors).toBeUndefined();
  const spent = await gql(s.url, COMPLETE, { variables: { ch: await challenge(), c: recovery[0] } });
  expect(spent.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
});

test('sessions: list own, sign out ends the session', async () => {
  const reg = await register('sess@example.test');
  const other = await signIn(s, 'sess@example.test', PASSWORD);
  const list = await gql<{ mySessions: { id: string; current: boolean }[] }>(s.url, '{ mySessions { id current } }', { token: other.accessToken });
  expect(list.body.data?.mySessions).toHaveLength(2);
  expect(list.body.data?.mySessions.filter((x) => x.current)).toHaveLength(1);
  await gql(s.url, 'mutation { signOut }', { token: reg.accessToken });
  const refresh = await gql(s.url, 'mutation($t: String!) { refreshSession(refreshToken: $t) { accessToken } }', { variables: { t: reg.refreshToken } });
  expect(refresh.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
});

test('password reset: single-use link from the developer inbox; the stored event forgets the link once published', async () => {
  await register('forgot@example.test');
  const res = await gql(s.url, 'mutation { requestPasswordReset(email: "forgot@example.test") }');
  expect(res.body.data).toEqual({ requestPasswordReset: true });
  const inbox = await readDevInbox(s, admin.accessToken);
  const link = inbox.find((m) => m.to === 'forgot@example.test' && m.link.includes('reset-password'))!.link;
  const token = new URL(link).searchParams.get('token')!;
  const RESET = 'mutation($t: String!, $p: String!) { resetPassword(token: $t, newPassword: $p) }';
  expect((await gql(s.url, RESET, { variables: { t: token, p: 'weak' } })).body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  expect((await gql(s.url, RESET, { variables: { t: token, p: 'Brand-New-Secret-7' } })).body.errors).toBeUndefined();
  expect((await gql(s.url, RESET, { variables: { t: token, p: 'Another-Secret-8' } })).body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  await signIn(s, 'forgot@example.test', 'Brand-New-Secret-7');
  // The event carries the link to notifications (which sends the mail); once on the queue, the row forgets it.
  const [published] = await eventually(
    () =>
      query<{ payload: Record<string, unknown>; published: boolean }>(
        identityEm(s),
        `select payload, published_at is not null as published from outbox_events where topic = 'user.password_reset_requested'`,
      ),
    (rows) => rows[0]?.published === true,
    10_000,
  );
  expect(Object.keys(published!.payload).sort()).toEqual(['email', 'expiresInMinutes', 'userId']);
  expect(JSON.stringify(published!.payload)).not.toContain(token);
});

test('admin creates a doctor; the doctor updates the profile; doctor.profile_updated reaches the appointments queue', async () => {
  const created = await gql<{ createStaffUser: { id: string; roles: string[] } }>(
    s.url,
    'mutation($i: CreateStaffInput!) { createStaffUser(input: $i) { id roles } }',
    { variables: { i: { email: 'dr.who@clinic.test', displayName: 'Dr Who', roles: ['DOCTOR'], password: PASSWORD } }, token: admin.accessToken },
  );
  expect(created.body.data?.createStaffUser.roles).toEqual(['DOCTOR']);
  const doctor = await signIn(s, 'dr.who@clinic.test', PASSWORD);
  const update = await gql<{ updateDoctorProfile: { specialisations: string[]; timeZone: string } }>(
    s.url,
    'mutation($id: ID!, $i: DoctorProfileInput!) { updateDoctorProfile(doctorId: $id, input: $i) { specialisations timeZone consultationTypes } }',
    { variables: { id: doctor.userId, i: { specialisations: ['Cardiology'], languages: ['en', 'de'], timeZone: 'Europe/Berlin', consultationTypes: ['VIDEO'] } }, token: doctor.accessToken },
  );
  expect(update.body.errors).toBeUndefined();
  const badTz = await gql(s.url, 'mutation($id: ID!) { updateDoctorProfile(doctorId: $id, input: { timeZone: "Mars/Olympus" }) { timeZone } }', { variables: { id: doctor.userId }, token: doctor.accessToken });
  expect(badTz.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');

  const queue = new Queue(s.queues.doctors, { connection: { url: TEST_REDIS_URL } });
  try {
    const jobs = await eventually(() => queue.getJobs(['waiting', 'delayed', 'active', 'completed']), (j) => j.some((x) => (x.data.payload as { specialisations: string[] }).specialisations.includes('Cardiology')));
    const job = jobs.find((x) => (x.data.payload as { specialisations: string[] }).specialisations.includes('Cardiology'))!;
    expect(job.data.topic).toBe('doctor.profile_updated');
    expect(job.data.payload).toEqual({ doctorId: doctor.userId, specialisations: ['Cardiology'], languages: ['en', 'de'], timeZone: 'Europe/Berlin', consultationTypes: ['VIDEO'], active: true });
  } finally {
    await queue.obliterate({ force: true });
    await queue.close();
  }
});

test('admin bulk import reports per row; roles assigned and removed; deactivated users cannot sign in', async () => {
  const csv = 'email,displayName,roles\nnew1@example.test,New One,PATIENT\nbad-email,Broken,PATIENT\nnew2@example.test,New Two,JURIST;OPERATOR\nnew3@example.test,Nobody,WIZARD\n';
  const res = await gql<{ importUsers: { created: number; failed: number; rows: { row: number; status: string; error: string | null }[] } }>(
    s.url,
    'mutation($d: String!) { importUsers(format: CSV, data: $d) { created failed rows { row status error } } }',
    { variables: { d: csv }, token: admin.accessToken },
  );
  expect(res.body.data?.importUsers).toMatchObject({ created: 2, failed: 2 });
  expect(res.body.data?.importUsers.rows.map((r) => r.status)).toEqual(['CREATED', 'FAILED', 'CREATED', 'FAILED']);

  const reg = await register('temp@example.test');
  const assigned = await gql<{ assignRole: { roles: string[] } }>(s.url, 'mutation($u: ID!) { assignRole(userId: $u, role: "OPERATOR") { roles } }', { variables: { u: reg.user.id }, token: admin.accessToken });
  expect(assigned.body.data?.assignRole.roles).toEqual(['OPERATOR', 'PATIENT']);
  const removed = await gql<{ removeRole: { roles: string[] } }>(s.url, 'mutation($u: ID!) { removeRole(userId: $u, role: "OPERATOR") { roles } }', { variables: { u: reg.user.id }, token: admin.accessToken });
  expect(removed.body.data?.removeRole.roles).toEqual(['PATIENT']);
  await gql(s.url, 'mutation($u: ID!) { deactivateUser(userId: $u) { status } }', { variables: { u: reg.user.id }, token: admin.accessToken });
  const denied = await gql(s.url, SIGN_IN, { variables: { email: 'temp@example.test', password: PASSWORD } });
  expect(denied.body.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'DEACTIVATED' });
  const search = await gql<{ users: { email: string }[] }>(s.url, '{ users(search: "new") { email } }', { token: admin.accessToken });
  expect(search.body.data?.users.map((u) => u.email)).toEqual(['new1@example.test', 'new2@example.test']);
});

test('partners: admin issues a client; client credentials give a partner token with read-only scopes', async () => {
  const issued = await gql<{ issuePartnerClient: { client: { id: string }; clientSecret: string } }>(
    s.url,
    'mutation { issuePartnerClient(name: "Booking portal", scopes: ["availability:read"]) { client { id } clientSecret } }',
    { token: admin.accessToken },
  );
  const { client, clientSecret } = issued.body.data!.issuePartnerClient;
  const token = await gql<{ partnerToken: { accessToken: string; scope: string } }>(s.url, 'mutation($id: String!, $s: String!) { partnerToken(clientId: $id, clientSecret: $s) { accessToken scope } }', {
    variables: { id: client.id, s: clientSecret },
  });
  expect(token.body.data?.partnerToken.scope).toBe('availability:read');
  const bad = await gql(s.url, 'mutation($id: String!) { partnerToken(clientId: $id, clientSecret: "nope") { scope } }', { variables: { id: client.id } });
  expect(bad.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  // The same through the OAuth 2.0 token endpoint, via the router's /auth/* proxy.
  const basic = Buffer.from(`${client.id}:${clientSecret}`).toString('base64');
  const oauth = await fetch(new URL('/auth/token', s.url), { method: 'POST', headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=client_credentials' });
  expect(oauth.status).toBe(200);
  expect(await oauth.json()).toMatchObject({ token_type: 'Bearer', scope: 'availability:read' });
  const wrong = await fetch(new URL('/auth/token', s.url), { method: 'POST', body: `grant_type=client_credentials&client_id=${client.id}&client_secret=nope` });
  expect(wrong.status).toBe(401);
  // A partner token is accepted at the edge but refused where a user is needed.
  const me = await gql(s.url, '{ me { id } }', { token: token.body.data!.partnerToken.accessToken });
  expect(me.status).toBe(200);
  expect(me.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
});
