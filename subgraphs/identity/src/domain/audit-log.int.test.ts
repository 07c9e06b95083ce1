// Every audit row names the service that acted: the real payload of the kit's audit helper, relayed by the
// real outbox through the real queue into identity's audit_log (identity's own events and another service's).
import { randomUUID } from 'node:crypto';
import { createLogger, createOrm, OutboxEventSchema, outboxMigration, recordAuditNow, startOutboxRelay, type OutboxRelay } from '@clinic/service-kit';
import { createTestKeys, dropSchema, testServiceConfig, TEST_REDIS_URL } from '@clinic/service-kit/testing';
import type { MikroORM } from '@mikro-orm/postgresql';
import { auditRows, eventually, gql, seedUser, signIn, startIdentityStack, type IdentityStack } from '../testing/stack.ts';

let s: IdentityStack;
let billing: MikroORM;
let relay: OutboxRelay;
const logger = createLogger('audit-test', 'silent');

beforeAll(async () => {
  s = await startIdentityStack();
  // Another service: its own schema and ORM, the kit's outbox and relay, identity's audit queue.
  billing = await createOrm({ config: testServiceConfig('billing', await createTestKeys()), entities: [OutboxEventSchema], migrations: [outboxMigration], logger });
  relay = startOutboxRelay({ orm: billing, redisUrl: TEST_REDIS_URL, routes: [{ prefix: 'audit.', queues: [s.queues.audit] }], logger, pollIntervalMs: 50, maintenance: false });
});

afterAll(async () => {
  await relay?.stop();
  await billing?.close(true);
  if (billing) await dropSchema(String(billing.config.get('schema')));
  await s?.stop();
});

test("another service's audit event arrives in identity's log with that service's name", async () => {
  const requestId = `req-${randomUUID()}`;
  const subject = randomUUID();
  await recordAuditNow(billing.em.fork(), { actorId: randomUUID(), actorKind: 'user', requestId, ip: '203.0.113.9' }, {
    action: 'invoice.read',
    resourceType: 'Invoice',
    resourceId: 'inv-1',
    subjectUserId: subject,
    outcome: 'SUCCESS',
  });
  const rows = await eventually(() => auditRows(s, 'request_id = ?', [requestId]), (r) => r.length > 0);
  expect(rows).toHaveLength(1);
  expect(rows[0]).toMatchObject({ service: 'billing', action: 'invoice.read', subject_user_id: subject, outcome: 'SUCCESS' });
});

test("identity's own audit events name identity", async () => {
  const email = `admin-${randomUUID().slice(0, 8)}@clinic.test`;
  const admin = await seedUser(s, email, 'Correct-Horse-9!', ['ADMIN']);
  const { accessToken } = await signIn(s, email, 'Correct-Horse-9!');
  const res = await gql(s.url, 'query($f: AuditFilter!) { auditLog(filter: $f) { action } }', {
    token: accessToken,
    variables: { f: { from: new Date(Date.now() - 3_600_000).toISOString(), to: new Date(Date.now() + 60_000).toISOString(), limit: 5 } },
  });
  expect(res.body.errors).toBeUndefined();
  const rows = await eventually(() => auditRows(s, "action = 'audit.read' and actor_id = ?", [admin]), (r) => r.length > 0);
  expect(rows.map((r) => (r as unknown as { service: string }).service)).toEqual(['identity']);
});
