// Security monitoring and the audit log on the real Postgres: new IP range alerts, per-IP blocking,
// the audit log's idempotent append and its refusal of updates and deletes.
import { createTestKeys, testServiceConfig, dropSchema } from '@clinic/service-kit/testing';
import { createOrm, type ServiceConfig } from '@clinic/service-kit';
import type { MikroORM } from '@mikro-orm/postgresql';
import { migrations } from '../migrations/index.ts';
import { UserSchema } from '../entities/user.ts';
import { OutboxEventSchema } from '@clinic/service-kit';
import { query, inTransaction } from '../db.ts';
import { createUser } from './auth.ts';
import { recordSuccess, recordFailure, ipIsBlocked, IP_FAILURES_BEFORE_BLOCK } from './security.ts';
import { appendAuditEvent } from './audit-log.ts';

let orm: MikroORM;
let config: ServiceConfig;

beforeAll(async () => {
  config = testServiceConfig('identity', await createTestKeys());
  orm = await createOrm({ config, entities: [UserSchema, OutboxEventSchema], migrations });
});

afterAll(async () => {
  await orm?.close(true);
  if (config) await dropSchema(config.dbSchema);
});

test('a sign-in from an IP range the account never used raises NEW_IP_RANGE (the first sign-in does not)', async () => {
  const em = orm.em.fork();
  const userId = await inTransaction(em, (tx) => createUser(tx, { email: 'travel@example.test', displayName: 'Trav', password: null, roles: ['PATIENT'] }));
  expect(await recordSuccess(em, userId, '203.0.113.7')).toEqual({ newIpRange: false });
  expect(await recordSuccess(em, userId, '203.0.99.1')).toEqual({ newIpRange: false });
  expect(await recordSuccess(em, userId, '198.51.100.4')).toEqual({ newIpRange: true });
  const alerts = await query(em, `select kind, ip from security_alerts where user_id = ?`, [userId]);
  expect(alerts).toEqual([{ kind: 'NEW_IP_RANGE', ip: '198.51.100.4' }]);
});

test('many failures from one IP across accounts block the IP and raise one BRUTE_FORCE alert', async () => {
  const em = orm.em.fork();
  for (let i = 0; i < IP_FAILURES_BEFORE_BLOCK; i++) await recordFailure(em, null, '192.0.2.66');
  expect(await ipIsBlocked(em, '192.0.2.66')).toBe(true);
  expect(await ipIsBlocked(em, '192.0.2.67')).toBe(false);
  expect(await query(em, `select kind from security_alerts where ip = '192.0.2.66'`)).toEqual([{ kind: 'BRUTE_FORCE' }]);
});

test('the audit log appends once per event id and refuses updates and deletes', async () => {
  const em = orm.em.fork();
  const job = {
    eventId: '0b6f6f0e-8f38-4c4e-9d57-1f2a4e1f0001',
    topic: 'audit.recorded',
    createdAt: new Date().toISOString(),
    payload: { action: 'appointment.read', resourceType: 'Appointment', resourceId: 'a1', subjectUserId: null, outcome: 'SUCCESS', actorId: 'u1', actorKind: 'user', requestId: 'r1', ip: null, service: 'appointments' },
  };
  expect(await appendAuditEvent(em, job)).toBe(true);
  expect(await appendAuditEvent(em, job)).toBe(false);
  await expect(query(em, `update audit_log set outcome = 'DENIED'`)).rejects.toThrow(/append-only/);
  await expect(query(em, `delete from audit_log`)).rejects.toThrow(/append-only/);
  expect(await query(em, `select service, action from audit_log`)).toEqual([{ service: 'appointments', action: 'appointment.read' }]);
});
