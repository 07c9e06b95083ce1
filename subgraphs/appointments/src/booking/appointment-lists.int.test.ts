// Per-user appointment lists through the router: every user of a batch gets their own page (a patient
// batched with a busy doctor is not starved by a shared LIMIT), in one SQL query per batch; cursor pages
// return every row exactly once, newest first or next upcoming first; bad cursors are the client's mistake.
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { greetingsSubgraph } from '@clinic/router/src/testing/greetings-subgraph.ts';
import { addDoctor, codeOf, gql, startAppointments, token, type AppointmentsHarness } from '../testing/fixtures.ts';
import { PAGE_SQL } from './appointment-lists.ts';

let h: AppointmentsHarness;
let busyDoctor: string;
const patient = randomUUID();
const BUSY_ROWS = 1_050;

let appointmentSelects = 0;
const originalQuery = pg.Client.prototype.query;

/** Ground truth straight from the table, in the page order (newest first, id breaking ties). */
async function idsOf(userId: string, where = 'true', dir: 'asc' | 'desc' = 'desc'): Promise<string[]> {
  const rows = await h.stack.subgraphs.appointments!.orm.em.fork().getConnection().execute<{ id: string }[]>(
    `select id from appointments where (patient_id = ? or doctor_id = ?) and ${where} order by starts_at ${dir}, id ${dir}`,
    [userId, userId],
  );
  return rows.map((r) => r.id);
}

beforeAll(async () => {
  h = await startAppointments({ extra: [greetingsSubgraph] });
  busyDoctor = (await addDoctor(h)).doctorId;
  const otherDoctor = (await addDoctor(h)).doctorId;
  // The busy doctor: 1,050 half-hour appointments (many in the past, completed), with cancelled twins at the
  // same start (ties the id must break). The patient's only rows come after all of them, with someone else.
  await h.stack.subgraphs.appointments!.orm.em.fork().getConnection().execute(
    `insert into appointments (id, doctor_id, patient_id, starts_at, ends_at, status, consultation_type, category, requested_at, updated_at)
     select gen_random_uuid(), ?::uuid, gen_random_uuid(), t, t + interval '30 minutes',
            case when t < now() then 'COMPLETED' when n % 7 = 0 then 'CANCELLED' else 'APPROVED' end, 'IN_PERSON', 'ROUTINE', now(), now()
       from generate_series(1, ?) n, lateral (select date_trunc('hour', now()) - interval '10 days' + n * interval '30 minutes' as t) s
     union all
     select gen_random_uuid(), ?::uuid, gen_random_uuid(), t, t + interval '30 minutes', 'CANCELLED', 'IN_PERSON', 'ROUTINE', now(), now()
       from generate_series(1, 40) n, lateral (select date_trunc('hour', now()) + n * interval '1 hour' as t) s
     union all
     select gen_random_uuid(), ?::uuid, ?::uuid, t, t + interval '30 minutes', 'APPROVED', 'IN_PERSON', 'ROUTINE', now(), now()
       from generate_series(1, 3) n, lateral (select date_trunc('hour', now()) + interval '60 days' + n * interval '1 day' as t) s`,
    [busyDoctor, BUSY_ROWS, busyDoctor, otherDoctor, patient],
  );
  pg.Client.prototype.query = function counted(this: pg.Client, ...args: unknown[]) {
    const text = typeof args[0] === 'string' ? args[0] : ((args[0] as { text?: string })?.text ?? '');
    // The expiry sweep (a background job, `for update skip locked`) may run meanwhile; it is not the request's.
    if (/^select/i.test(text) && /"appointments"/.test(text) && !/skip locked/i.test(text)) appointmentSelects += 1;
    return (originalQuery as (...a: unknown[]) => unknown).apply(this, args);
  } as typeof pg.Client.prototype.query;
}, 60_000);

afterAll(async () => {
  pg.Client.prototype.query = originalQuery;
  await h?.stop();
});

const BATCH = `query($ids: [ID!]!) { greetings(userIds: $ids) { user { id appointments(first: 10) { id } } } }`;
type Batch = { greetings: { user: { id: string; appointments: { id: string }[] } }[] };

test('a patient batched with a busy doctor still gets their rows, each user their own limit, in one SQL query', async () => {
  appointmentSelects = 0;
  const res = await gql<Batch>(h.url, BATCH, { token: await token(h, randomUUID(), ['OPERATOR']), variables: { ids: [busyDoctor, patient] } });
  expect(res.body.errors).toBeUndefined();
  const [busy, mine] = res.body.data!.greetings.map((g) => g.user.appointments.map((a) => a.id));
  expect(mine).toEqual(await idsOf(patient));
  expect(mine).toHaveLength(3);
  expect(busy).toEqual((await idsOf(busyDoctor)).slice(0, 10));
  expect(appointmentSelects).toBe(1);
});

const PAGE = `query($first: Int, $after: String, $order: AppointmentOrder) {
  myAppointmentPage(page: { first: $first, after: $after, order: $order }) { appointments { id startsAt } endCursor hasNextPage }
}`;
type Page = { myAppointmentPage: { appointments: { id: string; startsAt: string }[]; endCursor: string | null; hasNextPage: boolean } };

async function everyPage(order: 'NEWEST_FIRST' | 'UPCOMING_FIRST', first: number): Promise<{ ids: string[]; pages: number }> {
  const doctorToken = await token(h, busyDoctor, ['DOCTOR']);
  const ids: string[] = [];
  let after: string | null = null;
  for (let pages = 1; pages <= 100; pages += 1) {
    const res: Awaited<ReturnType<typeof gql<Page>>> = await gql<Page>(h.url, PAGE, { token: doctorToken, variables: { first, after, order } });
    expect(res.body.errors).toBeUndefined();
    const page = res.body.data!.myAppointmentPage;
    ids.push(...page.appointments.map((a) => a.id));
    if (!page.hasNextPage) return { ids, pages };
    after = page.endCursor;
  }
  throw new Error('paging did not end');
}

test('paging newest first returns every row exactly once, in order', async () => {
  const { ids, pages } = await everyPage('NEWEST_FIRST', 200);
  const expected = await idsOf(busyDoctor);
  expect(expected.length).toBe(BUSY_ROWS + 40);
  expect(ids).toEqual(expected);
  expect(pages).toBe(Math.ceil(expected.length / 200));
});

test('paging next upcoming first starts now, soonest first, and returns every future row once', async () => {
  const { ids } = await everyPage('UPCOMING_FIRST', 150);
  const expected = await idsOf(busyDoctor, 'starts_at >= now()', 'asc');
  expect(expected.length).toBeGreaterThan(300);
  expect(ids).toEqual(expected);
});

test('myAppointments is newest first by default and bounded per user', async () => {
  const res = await gql<{ myAppointments: { id: string }[] }>(h.url, `{ myAppointments(first: 5) { id } }`, { token: await token(h, busyDoctor, ['DOCTOR']) });
  expect(res.body.data!.myAppointments.map((a) => a.id)).toEqual((await idsOf(busyDoctor)).slice(0, 5));
});

test.each(['NEWEST_FIRST', 'UPCOMING_FIRST'] as const)('the %s page query walks the page indexes from the cursor', async (order) => {
  const em = h.stack.subgraphs.appointments!.orm.em.fork();
  await em.execute('analyze appointments');
  const users = [{ i: 0, user_id: busyDoctor, lim: 51, after_at: new Date().toISOString(), after_id: randomUUID() }, { i: 1, user_id: patient, lim: 51, after_at: 'infinity', after_id: randomUUID() }];
  const [plan] = await em.execute<{ 'QUERY PLAN': unknown }[]>(`explain (format json) ${PAGE_SQL[order]}`, [JSON.stringify(users), null, '-infinity', 'infinity', null]);
  const text = JSON.stringify(plan);
  expect(text).toContain('appointments_patient_page_idx');
  expect(text).toContain('appointments_doctor_page_idx');
  expect(text).not.toContain('Seq Scan');
});

test('a malformed cursor or an out-of-range page size is BAD_USER_INPUT', async () => {
  const doctorToken = await token(h, busyDoctor, ['DOCTOR']);
  for (const variables of [{ after: 'not-a-cursor' }, { after: Buffer.from(`1|x' or 1=1`).toString('base64url') }, { first: 0 }, { first: 201 }]) {
    const res = await gql(h.url, PAGE, { token: doctorToken, variables });
    expect(codeOf(res)).toBe('BAD_USER_INPUT');
  }
});

test('another doctor paging a patient sees only the appointments with them, and every one of those', async () => {
  const QUERY = `query($ids: [ID!]!) { greetings(userIds: $ids) { user { appointmentPage(page: { first: 2 }) { appointments { id } hasNextPage } } } }`;
  const res = await gql<{ greetings: { user: { appointmentPage: { appointments: { id: string }[]; hasNextPage: boolean } } }[] }>(h.url, QUERY, {
    token: await token(h, busyDoctor, ['DOCTOR']),
    variables: { ids: [patient] },
  });
  expect(res.body.data!.greetings[0]!.user.appointmentPage).toEqual({ appointments: [], hasNextPage: false });
});
