// Federation: User.appointments is contributed to users another subgraph returns (here the router's
// greetings fixture), batched into one SQL query per request; Appointment references resolve only for
// those allowed to see them.
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { greetingsSubgraph } from '@clinic/router/src/testing/greetings-subgraph.ts';
import { addDoctor, addEverydayRule, daysAhead, gql, localToUtc, REQUEST, startAppointments, token, type AppointmentsHarness } from './testing/fixtures.ts';

let h: AppointmentsHarness;
let doctorId: string;
const patients = [randomUUID(), randomUUID(), randomUUID()];
const ids: string[] = [];

let appointmentSelects = 0;
const originalQuery = pg.Client.prototype.query;

beforeAll(async () => {
  h = await startAppointments({ extra: [greetingsSubgraph] });
  doctorId = (await addDoctor(h)).doctorId;
  await addEverydayRule(h, doctorId);
  for (const [i, patient] of patients.entries()) {
    const res = await gql<{ requestAppointment: { id: string } }>(h.url, REQUEST, {
      token: await token(h, patient, ['PATIENT']),
      variables: { input: { doctorId, startsAt: localToUtc(daysAhead(2), `1${i}:00`) } },
    });
    ids.push(res.body.data!.requestAppointment.id);
  }
  pg.Client.prototype.query = function counted(this: pg.Client, ...args: unknown[]) {
    const text = typeof args[0] === 'string' ? args[0] : (args[0] as { text?: string })?.text ?? '';
    // The expiry sweep (a background job, `for update skip locked`) may run meanwhile; it is not the request's.
    if (/^select/i.test(text) && /"appointments"/.test(text) && !/skip locked/i.test(text)) appointmentSelects += 1;
    return (originalQuery as (...a: unknown[]) => unknown).apply(this, args);
  } as typeof pg.Client.prototype.query;
});

afterAll(async () => {
  pg.Client.prototype.query = originalQuery;
  await h?.stop();
});

const QUERY = `query($ids: [ID!]!) { greetings(userIds: $ids) { user { id appointments { id status patient { id } } } } }`;
type Result = { greetings: { user: { id: string; appointments: { id: string; patient: { id: string } }[] } }[] };

test('staff see every user\'s appointments, fetched in one batched query', async () => {
  appointmentSelects = 0;
  const res = await gql<Result>(h.url, QUERY, { token: await token(h, randomUUID(), ['OPERATOR']), variables: { ids: patients } });
  expect(res.body.errors).toBeUndefined();
  expect(res.body.data!.greetings.map((g) => g.user.appointments.map((a) => a.id))).toEqual(ids.map((id) => [id]));
  expect(appointmentSelects).toBe(1);
});

test('a patient sees only their own appointments on other users', async () => {
  const res = await gql<Result>(h.url, QUERY, { token: await token(h, patients[0]!, ['PATIENT']), variables: { ids: patients } });
  expect(res.body.data!.greetings.map((g) => g.user.appointments.length)).toEqual([1, 0, 0]);
});

test('a doctor sees a patient\'s appointments with them only', async () => {
  const otherDoctor = await token(h, randomUUID(), ['DOCTOR']);
  const res = await gql<Result>(h.url, QUERY, { token: otherDoctor, variables: { ids: patients } });
  expect(res.body.data!.greetings.map((g) => g.user.appointments.length)).toEqual([0, 0, 0]);
  const mine = await gql<Result>(h.url, QUERY, { token: await token(h, doctorId, ['DOCTOR']), variables: { ids: [doctorId] } });
  expect(mine.body.data!.greetings[0]!.user.appointments).toHaveLength(3);
});

test('Appointment references resolve only for the patient, the doctor or staff', async () => {
  const entities = async (sub: string, roles: string[]) => {
    const res = await fetch(h.stack.subgraphs.appointments!.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-router-secret': 'test-router-secret', authorization: `Bearer ${await token(h, sub, roles)}` },
      body: JSON.stringify({
        query: `query($r: [_Any!]!) { _entities(representations: $r) { ... on Appointment { id status } } }`,
        variables: { r: ids.map((id) => ({ __typename: 'Appointment', id })) },
      }),
    });
    return ((await res.json()) as { data: { _entities: ({ id: string } | null)[] } }).data._entities.map((e) => e?.id ?? null);
  };
  expect(await entities(patients[1]!, ['PATIENT'])).toEqual([null, ids[1], null]);
  expect(await entities(doctorId, ['DOCTOR'])).toEqual(ids);
  expect(await entities(randomUUID(), ['ADMIN'])).toEqual(ids);
});
