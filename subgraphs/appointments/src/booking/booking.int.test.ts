// Booking through the router against the real Postgres/Redis: schedules → slots → requests, the
// concurrent double-booking race, the lifecycle, and who may see or change what.
import { randomUUID } from 'node:crypto';
import { addDoctor, addEverydayRule, codeOf, daysAhead, gql, localToUtc, partnerToken, REQUEST, SLOTS, startAppointments, token, type AppointmentsHarness } from '../testing/fixtures.ts';

let h: AppointmentsHarness;
let doctorId: string;
const day = daysAhead(3);

beforeAll(async () => {
  h = await startAppointments();
  doctorId = (await addDoctor(h)).doctorId;
  await addEverydayRule(h, doctorId);
});

afterAll(async () => {
  await h?.stop();
});

const request = async (patientId: string, time: string, over: Record<string, unknown> = {}) =>
  gql<{ requestAppointment: { id: string; status: string; startsAt: string; priority: number } }>(h.url, REQUEST, {
    token: await token(h, patientId, ['PATIENT']),
    variables: { input: { doctorId, startsAt: localToUtc(day, time), category: 'ROUTINE', ...over } },
  });

test('patients see the doctor\'s slots in their own time zone', async () => {
  const res = await gql<{ availableSlots: { slots: { startsAt: string; localStartsAt: string }[]; hasNextPage: boolean; endCursor: string } }>(h.url, SLOTS, {
    token: await token(h, randomUUID(), ['PATIENT']),
    variables: { search: { doctorIds: [doctorId], from: localToUtc(day, '00:00'), to: localToUtc(day, '23:59'), timeZone: 'America/New_York', first: 4 } },
  });
  expect(res.body.errors).toBeUndefined();
  const page = res.body.data!.availableSlots;
  expect(page.slots.map((s) => s.startsAt)).toEqual(['09:00', '09:30', '10:00', '10:30'].map((t) => localToUtc(day, t).replace('.000', '.000')));
  expect(page.slots[0]!.localStartsAt).toMatch(/^\d{4}-\d{2}-\d{2}T0[23]:00:00-0[45]:00$/);
  expect(page.hasNextPage).toBe(true);
  const next = await gql<{ availableSlots: { slots: { startsAt: string }[] } }>(h.url, SLOTS, {
    token: await token(h, randomUUID(), ['PATIENT']),
    variables: { search: { doctorIds: [doctorId], from: localToUtc(day, '00:00'), to: localToUtc(day, '23:59'), first: 2, after: page.endCursor } },
  });
  expect(next.body.data!.availableSlots.slots.map((s) => s.startsAt)).toEqual([localToUtc(day, '11:00'), localToUtc(day, '11:30')]);
});

test('fifty simultaneous requests for one slot through the router: exactly one wins, the rest get CONFLICT', async () => {
  const patients = Array.from({ length: 50 }, () => randomUUID());
  const results = await Promise.all(patients.map((p) => request(p, '12:00')));
  const winners = results.filter((r) => r.body.data?.requestAppointment);
  const codes = results.filter((r) => !r.body.data?.requestAppointment).map(codeOf);
  expect(winners).toHaveLength(1);
  expect(codes).toHaveLength(49);
  expect(new Set(codes)).toEqual(new Set(['CONFLICT']));
  const { rows } = await h.stack.subgraphs.appointments!.orm.em.getConnection().execute<{ count: string }[]>(
    `select count(*)::text as count from appointments where doctor_id = ? and status in ('REQUESTED','APPROVED')`,
    [doctorId],
  ).then((r) => ({ rows: r }));
  expect(rows[0]!.count).toBe('1');
  // The taken slot is gone from search.
  const slots = await gql<{ availableSlots: { slots: { startsAt: string }[] } }>(h.url, SLOTS, {
    token: await token(h, randomUUID(), ['PATIENT']),
    variables: { search: { doctorIds: [doctorId], from: localToUtc(day, '12:00'), to: localToUtc(day, '13:00') } },
  });
  expect(slots.body.data!.availableSlots.slots.map((s) => s.startsAt)).toEqual([localToUtc(day, '12:30')]);
});

test('a patient cannot hold two overlapping appointments', async () => {
  const patient = randomUUID();
  const other = (await addDoctor(h)).doctorId;
  await addEverydayRule(h, other);
  expect((await request(patient, '13:00')).body.data?.requestAppointment.status).toBe('REQUESTED');
  const clash = await gql(h.url, REQUEST, {
    token: await token(h, patient, ['PATIENT']),
    variables: { input: { doctorId: other, startsAt: localToUtc(day, '13:00'), category: 'ROUTINE' } },
  });
  expect(codeOf(clash)).toBe('CONFLICT');
});

test('a time that is not a slot is BAD_USER_INPUT; an unknown doctor NOT_FOUND; oversized reasons refused', async () => {
  expect(codeOf(await request(randomUUID(), '12:10'))).toBe('BAD_USER_INPUT');
  expect(codeOf(await request(randomUUID(), '14:00', { doctorId: randomUUID() }))).toBe('NOT_FOUND');
  expect(codeOf(await request(randomUUID(), '14:00', { reason: 'x'.repeat(2001) }))).toBe('BAD_USER_INPUT');
  expect(codeOf(await request(randomUUID(), '14:00', { doctorId: 'nope' }))).toBe('BAD_USER_INPUT');
});

test('a partner with availability:read can search slots but not book', async () => {
  const partner = await partnerToken(h, 'availability:read');
  const search = await gql<{ availableSlots: { slots: unknown[] } }>(h.url, SLOTS, {
    token: partner,
    variables: { search: { specialisation: 'CARDIOLOGY', from: localToUtc(day, '00:00'), to: localToUtc(day, '23:59'), first: 3 } },
  });
  expect(search.body.errors).toBeUndefined();
  expect(search.body.data!.availableSlots.slots).toHaveLength(3);
  const book = await gql(h.url, REQUEST, { token: partner, variables: { input: { doctorId, startsAt: localToUtc(day, '15:00') } } });
  expect(codeOf(book)).toBe('FORBIDDEN');
  const noScope = await gql(h.url, SLOTS, {
    token: await partnerToken(h, 'something:else'),
    variables: { search: { from: localToUtc(day, '00:00'), to: localToUtc(day, '23:59') } },
  });
  expect(codeOf(noScope)).toBe('FORBIDDEN');
  const anonymous = await gql(h.url, SLOTS, { variables: { search: { from: localToUtc(day, '00:00'), to: localToUtc(day, '23:59') } } });
  expect(codeOf(anonymous)).toBe('UNAUTHENTICATED');
});

test('paging through several days returns exactly the slots of one whole search, none lost or repeated', async () => {
  const patientToken = await token(h, randomUUID(), ['PATIENT']);
  const search = { specialisation: 'CARDIOLOGY', from: localToUtc(daysAhead(2), '00:00'), to: localToUtc(daysAhead(12), '00:00') };
  type Page = { availableSlots: { slots: { startsAt: string; doctor: { id: string } }[]; endCursor: string | null; hasNextPage: boolean } };
  const whole = await gql<Page>(h.url, SLOTS, { token: patientToken, variables: { search: { ...search, first: 200 } } });
  const all: string[] = [];
  let after: string | null = null;
  for (let i = 0; i < 100; i++) {
    const res: Awaited<ReturnType<typeof gql<Page>>> = await gql<Page>(h.url, SLOTS, { token: patientToken, variables: { search: { ...search, first: 37, after } } });
    const page = res.body.data!.availableSlots;
    all.push(...page.slots.map((s) => `${s.startsAt} ${s.doctor.id}`));
    if (!page.hasNextPage) break;
    after = page.endCursor;
  }
  expect(all.length).toBeGreaterThan(100);
  expect(new Set(all).size).toBe(all.length);
  expect(all.slice(0, 200)).toEqual(whole.body.data!.availableSlots.slots.map((s) => `${s.startsAt} ${s.doctor.id}`));
  expect([...all].sort()).toEqual(all.slice().sort());
});
