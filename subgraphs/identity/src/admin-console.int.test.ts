// The admin console's identity APIs through the router, on the real Postgres: users found by any part of
// the name, case- and accent-insensitively, served by the trigram index; security alerts acknowledged and
// resolved (who and when, one audit row per change, repeats harmless, going back refused); the audit
// log naming people; and none of it for a patient or a doctor.
import { startIdentityStack, seedUser, signIn, gql, eventually, auditRows, identityEm, type IdentityStack } from './testing/stack.ts';
import { inTransaction, query } from './db.ts';
import { createUser } from './domain/auth.ts';
import { raiseAlert } from './domain/security.ts';

let s: IdentityStack;
let admin: { accessToken: string; userId: string };
let patient: { accessToken: string; userId: string };
let doctor: { accessToken: string; userId: string };
const PASSWORD = 'Correct-Horse-9';
const people: Record<string, string> = {};

beforeAll(async () => {
  s = await startIdentityStack();
  await seedUser(s, 'chief@clinic.test', PASSWORD, ['ADMIN']);
  await seedUser(s, 'pat@example.test', PASSWORD, ['PATIENT']);
  await seedUser(s, 'doc@clinic.test', PASSWORD, ['DOCTOR']);
  [admin, patient, doctor] = await Promise.all([signIn(s, 'chief@clinic.test', PASSWORD), signIn(s, 'pat@example.test', PASSWORD), signIn(s, 'doc@clinic.test', PASSWORD)]);
  for (const [email, displayName] of [
    ['ion@example.test', 'Ion Ionescu'],
    ['stefan@example.test', 'Ștefan Popescu'],
    ['maria@example.test', 'Maria Stan'],
    ['andrei@example.test', 'ANDREI ȚĂRANU'],
  ]) {
    people[displayName!] = await inTransaction(identityEm(s), (tx) => createUser(tx, { email: email!, displayName: displayName!, password: null, roles: ['PATIENT'] }));
  }
});

afterAll(async () => {
  await s?.stop();
});

const USERS = `query($search: String, $limit: Int, $offset: Int) { users(search: $search, limit: $limit, offset: $offset) { displayName } }`;
const names = async (search: string, limit = 50, offset = 0) => {
  const res = await gql<{ users: { displayName: string }[] }>(s.url, USERS, { token: admin.accessToken, variables: { search, limit, offset } });
  expect(res.body.errors).toBeUndefined();
  return res.body.data!.users.map((u) => u.displayName);
};

test('user search matches anywhere in the name or e-mail, ignoring case and accents, paged', async () => {
  expect(await names('escu')).toEqual(['Ion Ionescu', 'Ștefan Popescu']);
  expect(await names('stefan')).toEqual(['Ștefan Popescu']);
  expect(await names('ȘTEFAN')).toEqual(['Ștefan Popescu']);
  expect(await names('taranu')).toEqual(['ANDREI ȚĂRANU']);
  expect(await names('țăr')).toEqual(['ANDREI ȚĂRANU']);
  expect(await names('ia@example')).toEqual(['Maria Stan']);
  expect(await names('escu', 1, 0)).toEqual(['Ion Ionescu']);
  expect(await names('escu', 1, 1)).toEqual(['Ștefan Popescu']);
  // Wildcards are text: a lone % finds only names containing one.
  expect(await names('%')).toEqual([]);
});

test('the trigram index on the folded column serves a search anywhere in the name', async () => {
  const plan = await inTransaction(identityEm(s), async (tx) => {
    // With a handful of rows the planner rightly prefers a scan; forbid it to see what the index can serve.
    await query(tx, `set local enable_seqscan = off`);
    return query<{ 'QUERY PLAN': string }>(tx, `explain select id from users where search_text like '%' || fold_search('escu') || '%'`);
  });
  expect(plan.map((r) => r['QUERY PLAN']).join('\n')).toMatch(/users_search_trgm/);
});

const ALERT_FIELDS = `id state acknowledgedAt acknowledgedBy { displayName } resolvedAt resolvedBy { displayName } resolutionNote user { displayName }`;
const ACK = `mutation($id: ID!) { acknowledgeAlert(id: $id) { ${ALERT_FIELDS} } }`;
const RESOLVE = `mutation($id: ID!, $note: String!) { resolveAlert(id: $id, note: $note) { ${ALERT_FIELDS} } }`;
type Alert = { id: string; state: string; acknowledgedAt: string | null; acknowledgedBy: { displayName: string } | null; resolvedAt: string | null; resolvedBy: { displayName: string } | null; resolutionNote: string | null; user: { displayName: string } | null };

async function newAlert(userId: string | null): Promise<string> {
  await raiseAlert(identityEm(s), 'TOKEN_REUSE', userId, '203.0.113.9', { test: true });
  const [row] = await query<{ id: string }>(identityEm(s), `select id from security_alerts order by created_at desc limit 1`);
  return row!.id;
}

test('an admin acknowledges then resolves an alert: who and when recorded, repeats change nothing, going back is a CONFLICT', async () => {
  const id = await newAlert(people['Ion Ionescu']!);
  const ack = await gql<{ acknowledgeAlert: Alert }>(s.url, ACK, { token: admin.accessToken, variables: { id } });
  expect(ack.body.errors).toBeUndefined();
  const acked = ack.body.data!.acknowledgeAlert;
  expect(acked).toMatchObject({ state: 'ACKNOWLEDGED', acknowledgedBy: { displayName: 'chief' }, resolvedAt: null, user: { displayName: 'Ion Ionescu' } });
  expect(acked.acknowledgedAt).not.toBeNull();

  const again = await gql<{ acknowledgeAlert: Alert }>(s.url, ACK, { token: admin.accessToken, variables: { id } });
  expect(again.body.data!.acknowledgeAlert).toEqual(acked);

  const open = await gql<{ securityAlerts: { id: string }[] }>(s.url, `{ securityAlerts(state: ACKNOWLEDGED) { id } }`, { token: admin.accessToken });
  expect(open.body.data!.securityAlerts.map((a) => a.id)).toContain(id);

  const resolved = await gql<{ resolveAlert: Alert }>(s.url, RESOLVE, { token: admin.accessToken, variables: { id, note: 'Sessions revoked, patient called' } });
  expect(resolved.body.data!.resolveAlert).toMatchObject({ state: 'RESOLVED', resolvedBy: { displayName: 'chief' }, resolutionNote: 'Sessions revoked, patient called', acknowledgedAt: acked.acknowledgedAt });
  const retried = await gql<{ resolveAlert: Alert }>(s.url, RESOLVE, { token: admin.accessToken, variables: { id, note: 'Sessions revoked, patient called' } });
  expect(retried.body.data!.resolveAlert).toEqual(resolved.body.data!.resolveAlert);

  const rewrite = await gql(s.url, RESOLVE, { token: admin.accessToken, variables: { id, note: 'Something else' } });
  expect(rewrite.body.errors?.[0]?.extensions).toMatchObject({ code: 'CONFLICT', reason: 'ALERT_RESOLVED' });
  const back = await gql(s.url, ACK, { token: admin.accessToken, variables: { id } });
  expect(back.body.errors?.[0]?.extensions).toMatchObject({ code: 'CONFLICT', reason: 'ALERT_RESOLVED' });

  const stateOf = await query<{ state: string; resolution_note: string }>(identityEm(s), `select state, resolution_note from security_alerts where id = ?`, [id]);
  expect(stateOf).toEqual([{ state: 'RESOLVED', resolution_note: 'Sessions revoked, patient called' }]);
  const rows = await eventually(
    () => auditRows(s, `resource_id = ? order by occurred_at`, [id]),
    (r) => r.length >= 2,
  );
  expect(rows.map((r) => [r.action, r.actor_id, r.subject_user_id])).toEqual([
    ['security_alert.acknowledge', admin.userId, people['Ion Ionescu']],
    ['security_alert.resolve', admin.userId, people['Ion Ionescu']],
  ]);
});

test('an alert can be resolved straight from OPEN; unknown and malformed ids and an empty note are refused by code', async () => {
  const id = await newAlert(null);
  const resolved = await gql<{ resolveAlert: Alert }>(s.url, RESOLVE, { token: admin.accessToken, variables: { id, note: 'Office network, expected' } });
  expect(resolved.body.data!.resolveAlert).toMatchObject({ state: 'RESOLVED', acknowledgedAt: null, user: null });
  const missing = await gql(s.url, ACK, { token: admin.accessToken, variables: { id: '00000000-0000-4000-8000-000000000000' } });
  expect(missing.body.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  const malformed = await gql(s.url, ACK, { token: admin.accessToken, variables: { id: 'nope' } });
  expect(malformed.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  const other = await newAlert(null);
  const empty = await gql(s.url, RESOLVE, { token: admin.accessToken, variables: { id: other, note: '   ' } });
  expect(empty.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
});

const AUDIT = `query($filter: AuditFilter!) { auditLog(filter: $filter) { action actorId actor { displayName } subjectUserId subject { displayName } outcome } }`;
type Entry = { action: string; actorId: string | null; actor: { displayName: string } | null; subjectUserId: string | null; subject: { displayName: string } | null; outcome: string };

test('the audit log names actor and subject, filters by a person and by outcome, and survives an account that no longer exists', async () => {
  const id = await newAlert(people['Ștefan Popescu']!);
  await gql(s.url, ACK, { token: admin.accessToken, variables: { id } });
  const gone = '7a1f0c52-3d8e-4b6a-9f1e-2c4d5e6f7a8b';
  await inTransaction(identityEm(s), async (tx) => {
    await query(tx, `insert into audit_log (id, occurred_at, service, action, resource_type, resource_id, subject_user_id, outcome, actor_id, actor_kind, detail)
      values (gen_random_uuid(), now(), 'appointments', 'appointment.read', 'Appointment', 'a1', ?, 'DENIED', ?, 'user', '{}')`, [people['Ștefan Popescu'], gone]);
  });
  const window = { from: new Date(Date.now() - 3_600_000).toISOString(), to: new Date(Date.now() + 3_600_000).toISOString() };
  const read = async (filter: Record<string, unknown>) => {
    const res = await gql<{ auditLog: Entry[] }>(s.url, AUDIT, { token: admin.accessToken, variables: { filter: { ...window, ...filter } } });
    expect(res.body.errors).toBeUndefined();
    return res.body.data!.auditLog;
  };
  const aboutStefan = await eventually(() => read({ person: 'stefan' }), (r) => r.length >= 2);
  expect(aboutStefan).toContainEqual({ action: 'security_alert.acknowledge', actorId: admin.userId, actor: { displayName: 'chief' }, subjectUserId: people['Ștefan Popescu'], subject: { displayName: 'Ștefan Popescu' }, outcome: 'SUCCESS' });
  expect(aboutStefan).toContainEqual({ action: 'appointment.read', actorId: gone, actor: null, subjectUserId: people['Ștefan Popescu'], subject: { displayName: 'Ștefan Popescu' }, outcome: 'DENIED' });
  expect(aboutStefan.every((e) => e.subject?.displayName === 'Ștefan Popescu' || e.actor?.displayName === 'Ștefan Popescu')).toBe(true);
  expect((await read({ person: 'popESCU', outcome: 'DENIED' })).map((e) => e.action)).toEqual(['appointment.read']);
  const bad = await gql(s.url, AUDIT, { token: admin.accessToken, variables: { filter: { ...window, outcome: 'MAYBE' } } });
  expect(bad.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
});

test('the names of a whole audit page come from one batched users query (no query per entry)', async () => {
  const actors: string[] = [];
  for (let i = 0; i < 12; i++) {
    actors.push(await inTransaction(identityEm(s), (tx) => createUser(tx, { email: `batch${i}@example.test`, displayName: `Batch Person ${i}`, password: null, roles: ['PATIENT'] })));
  }
  await inTransaction(identityEm(s), async (tx) => {
    for (const [i, actor] of actors.entries()) {
      await query(tx, `insert into audit_log (id, occurred_at, service, action, resource_type, resource_id, subject_user_id, outcome, actor_id, actor_kind, detail)
        values (gen_random_uuid(), now(), 'chat', 'batch.read', 'Thing', ?, ?, 'SUCCESS', ?, 'user', '{}')`, [String(i), actors[(i + 1) % actors.length], actor]);
    }
  });
  // Every SQL statement identity sends while answering (knex reports each one).
  const sent: string[] = [];
  const knex = s.stack.subgraphs.identity!.orm.em.getConnection().getKnex();
  const record = (q: { sql: string }) => void sent.push(q.sql);
  knex.on('query', record);
  let res;
  try {
    res = await gql<{ auditLog: Entry[] }>(s.url, AUDIT, {
      token: admin.accessToken,
      variables: { filter: { action: 'batch.read', from: new Date(Date.now() - 3_600_000).toISOString(), to: new Date(Date.now() + 3_600_000).toISOString() } },
    });
  } finally {
    knex.off('query', record);
  }
  expect(res.body.data!.auditLog).toHaveLength(12);
  expect(res.body.data!.auditLog.every((e) => e.actor?.displayName.startsWith('Batch Person') && e.subject?.displayName.startsWith('Batch Person'))).toBe(true);
  expect(sent.filter((q) => /from users where id in/i.test(q))).toHaveLength(1);
});

test('a patient or a doctor calling any admin API of identity gets FORBIDDEN, and nothing changes', async () => {
  const id = await newAlert(null);
  const calls: [string, Record<string, unknown>][] = [
    [`{ users(search: "escu") { id } }`, {}],
    [`{ securityAlerts { id } }`, {}],
    [`query($f: AuditFilter!) { auditLog(filter: $f) { id } }`, { f: { from: new Date(0).toISOString(), to: new Date().toISOString() } }],
    [`{ identityDeadEvents { id } }`, {}],
    [ACK, { id }],
    [RESOLVE, { id, note: 'mine now' }],
  ];
  for (const who of [patient, doctor]) {
    for (const [q, variables] of calls) {
      const res = await gql(s.url, q, { token: who.accessToken, variables });
      expect({ q, code: res.body.errors?.[0]?.extensions?.code }).toEqual({ q, code: 'FORBIDDEN' });
    }
  }
  expect(await query(identityEm(s), `select state from security_alerts where id = ?`, [id])).toEqual([{ state: 'OPEN' }]);
});
