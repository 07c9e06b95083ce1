// The kit's dead-event surface as mounted by appointments, through the router: an admin lists the events
// that gave up and sends one again; anyone else is refused; the SDL is the kit's, under this service's names.
import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { enqueueEvent, outboxAdminSdl } from '@clinic/service-kit';
import { gql, startAppointments, token, type AppointmentsHarness } from '../testing/fixtures.ts';
import { appointmentsSdlPath } from '../service.ts';

let h: AppointmentsHarness;

beforeAll(async () => {
  h = await startAppointments();
});

afterAll(async () => {
  await h?.stop();
});

const LIST = '{ appointmentsDeadEvents(limit: 10) { id topic aggregateKey attempts lastError createdAt deadAt } }';
const RETRY = 'mutation($id: ID!) { appointmentsRetryDeadEvent(id: $id) }';

test('the schema mounts the kit SDL under appointments field names', () => {
  expect(readFileSync(appointmentsSdlPath, 'utf8')).toContain(outboxAdminSdl('appointments'));
});

test('an admin sees a dead event and retries it; a doctor and an anonymous caller are refused', async () => {
  const orm = h.stack.subgraphs.appointments!.orm;
  const appointmentId = randomUUID();
  const em = orm.em.fork();
  const event = enqueueEvent(em, 'appointment.test_dead', { appointmentId });
  event.deadAt = new Date();
  event.attempts = 12;
  event.lastError = 'cannot route this event';
  await em.flush();

  const admin = await token(h, randomUUID(), ['ADMIN']);
  const listed = await gql<{ appointmentsDeadEvents: { id: string; aggregateKey: string; attempts: number; lastError: string }[] }>(h.url, LIST, { token: admin });
  expect(listed.body.errors).toBeUndefined();
  expect(listed.body.data!.appointmentsDeadEvents).toContainEqual(
    expect.objectContaining({ id: event.id, aggregateKey: `appointment:${appointmentId}`, attempts: 12, lastError: 'cannot route this event' }),
  );

  const doctor = await token(h, randomUUID(), ['DOCTOR']);
  const refused = await gql(h.url, LIST, { token: doctor });
  expect(refused.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  const refusedRetry = await gql(h.url, RETRY, { token: doctor, variables: { id: event.id } });
  expect(refusedRetry.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  const anonymous = await gql(h.url, LIST);
  expect(anonymous.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');

  const retried = await gql<{ appointmentsRetryDeadEvent: boolean }>(h.url, RETRY, { token: admin, variables: { id: event.id } });
  expect(retried.body).toEqual({ data: { appointmentsRetryDeadEvent: true } });
  const row = await orm.em.fork().getConnection().execute<{ dead_at: Date | null; attempts: number }[]>('select dead_at, attempts from outbox_events where id = ?', [event.id]);
  expect(row[0]!.dead_at).toBeNull();
  const again = await gql(h.url, RETRY, { token: admin, variables: { id: event.id } });
  expect(again.body.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  const bad = await gql(h.url, RETRY, { token: admin, variables: { id: 'not-a-uuid' } });
  expect(bad.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
});
