// Profiles and roles-as-data through the router: a doctor's reads of their patient's profile are allowed and audited,
// custom fields follow the role's schema, a new role works without code, and a user exports their data.
import { startIdentityStack, seedUser, signIn, gql, eventually, auditRows, bookedWith, type IdentityStack } from './testing/stack.ts';

let s: IdentityStack;
let admin: string;
const PASSWORD = 'Correct-Horse-9';

beforeAll(async () => {
  s = await startIdentityStack();
  await seedUser(s, 'admin@clinic.test', PASSWORD, ['ADMIN']);
  admin = (await signIn(s, 'admin@clinic.test', PASSWORD)).accessToken;
});

afterAll(async () => {
  await s?.stop();
});

test('a patient edits their profile; their doctor may read it (audited, in the compliance report); another patient may not', async () => {
  const patientId = await seedUser(s, 'pat@example.test', PASSWORD, ['PATIENT']);
  await seedUser(s, 'doc@clinic.test', PASSWORD, ['DOCTOR']);
  await seedUser(s, 'other@example.test', PASSWORD, ['PATIENT']);
  const patient = await signIn(s, 'pat@example.test', PASSWORD);
  const doctor = await signIn(s, 'doc@clinic.test', PASSWORD);
  const other = await signIn(s, 'other@example.test', PASSWORD);

  const UPDATE = 'mutation($id: ID!, $i: PatientProfileInput!) { updatePatientProfile(patientId: $id, input: $i) { dateOfBirth phone insurance } }';
  const saved = await gql<{ updatePatientProfile: { dateOfBirth: string } }>(s.url, UPDATE, {
    variables: { id: patientId, i: { dateOfBirth: '1990-04-01', phone: '+49 30 123456', insurance: { provider: 'AOK', number: 'X123' } } },
    token: patient.accessToken,
  });
  expect(saved.body.data?.updatePatientProfile.dateOfBirth).toBe('1990-04-01');
  const future = await gql(s.url, UPDATE, { variables: { id: patientId, i: { dateOfBirth: '2999-01-01' } }, token: patient.accessToken });
  expect(future.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  const byOther = await gql(s.url, UPDATE, { variables: { id: patientId, i: { phone: '+1 555 0100' } }, token: other.accessToken });
  expect(byOther.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');

  const READ = 'query($id: ID!) { user(id: $id) { displayName patientProfile { dateOfBirth } } }';
  // Not (yet) this doctor's patient: refused.
  const stranger = await gql(s.url, READ, { variables: { id: patientId }, token: doctor.accessToken });
  expect(stranger.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  await bookedWith(s, doctor.userId, patientId);
  const byDoctor = await gql<{ user: { patientProfile: { dateOfBirth: string } } }>(s.url, READ, { variables: { id: patientId }, token: doctor.accessToken });
  expect(byDoctor.body.data?.user.patientProfile.dateOfBirth).toBe('1990-04-01');
  const rows = await eventually(() => auditRows(s, `action = 'patient_profile.read' and subject_user_id = ? and actor_id = ?`, [patientId, doctor.userId]), (r) => r.length > 0);
  expect(rows[0]).toMatchObject({ outcome: 'SUCCESS' });

  await eventually(() => auditRows(s, `subject_user_id = ? and actor_id = ?`, [patientId, doctor.userId]), (r) => r.length >= 2);
  const report = await gql<{ complianceReport: { accessors: { actorId: string; actions: string[] }[] } }>(
    s.url,
    'query($p: ID!, $f: DateTime!, $t: DateTime!) { complianceReport(patientId: $p, from: $f, to: $t) { accessors { actorId actions } } }',
    { variables: { p: patientId, f: new Date(Date.now() - 60_000).toISOString(), t: new Date(Date.now() + 60_000).toISOString() }, token: admin },
  );
  const line = report.body.data?.complianceReport.accessors.find((a) => a.actorId === doctor.userId);
  expect(line?.actions).toEqual(expect.arrayContaining(['patient_profile.read', 'user.read']));
});

test('roles are data: an admin defines a role with custom fields; a user holding it gets its permissions and fields', async () => {
  const defined = await gql<{ defineRole: { name: string; permissions: string[] } }>(
    s.url,
    'mutation { defineRole(name: "PHYSIOTHERAPIST", description: "Physiotherapist", permissions: ["availability:read", "patients:read"]) { name permissions } }',
    { token: admin },
  );
  expect(defined.body.data?.defineRole).toEqual({ name: 'PHYSIOTHERAPIST', permissions: ['availability:read', 'patients:read'] });
  const schema = { fields: { licenceNumber: { type: 'string', required: true, maxLength: 20 }, yearsOfPractice: { type: 'integer', min: 0, max: 70 } } };
  const set = await gql(s.url, 'mutation($s: JSON!) { setRoleFieldSchema(role: "PHYSIOTHERAPIST", schema: $s) { name } }', { variables: { s: schema }, token: admin });
  expect(set.body.errors).toBeUndefined();

  const userId = await seedUser(s, 'physio@clinic.test', PASSWORD, ['PHYSIOTHERAPIST']);
  const physio = await signIn(s, 'physio@clinic.test', PASSWORD);
  const payload = JSON.parse(Buffer.from(physio.accessToken.split('.')[1]!, 'base64url').toString()) as { roles: string[]; permissions: string[] };
  expect(payload).toMatchObject({ roles: ['PHYSIOTHERAPIST'], permissions: ['availability:read', 'patients:read'] });

  const UPDATE = 'mutation($i: AccountInput!) { updateMyAccount(input: $i) { id customFields preferences } }';
  const missing = await gql(s.url, UPDATE, { variables: { i: { customFields: { yearsOfPractice: 3 } } }, token: physio.accessToken });
  expect(missing.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  const ok = await gql<{ updateMyAccount: { id: string; customFields: unknown; preferences: unknown } }>(s.url, UPDATE, {
    variables: { i: { customFields: { licenceNumber: 'PT-778', yearsOfPractice: 3 }, preferences: { language: 'de', reminders: true } } },
    token: physio.accessToken,
  });
  expect(ok.body.data?.updateMyAccount).toEqual({ id: userId, customFields: { licenceNumber: 'PT-778', yearsOfPractice: 3 }, preferences: { language: 'de', reminders: true } });
});

test('export own profile as JSON: the account, roles, profiles and sessions, never secrets', async () => {
  await seedUser(s, 'export@example.test', PASSWORD, ['PATIENT']);
  const me = await signIn(s, 'export@example.test', PASSWORD);
  const res = await gql<{ exportMyProfile: Record<string, unknown> }>(s.url, '{ exportMyProfile }', { token: me.accessToken });
  const doc = res.body.data!.exportMyProfile;
  expect(doc).toMatchObject({ user: { email: 'export@example.test' }, roles: ['PATIENT'] });
  expect((doc.sessions as unknown[]).length).toBe(1);
  expect(JSON.stringify(doc)).not.toMatch(/argon2|password_hash|mfa_secret/);
});
