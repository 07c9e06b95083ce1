// Time through the router on the real Postgres/Redis: slots and bookings on clock-change days store the
// right instants (New York's repeated hour, Chatham's gap), a search from a day without midnight pages
// without loss (Santiago), overnight and 24:00 hours, days off by local date (one doctor, or the whole
// clinic in each doctor's zone), strict DateTime input and IANA viewer zones refused as BAD_USER_INPUT.
import { randomUUID } from 'node:crypto';
import { ADD_RULE, addDoctor, codeOf, gql, REQUEST, startAppointments, token, type AppointmentsHarness } from '../testing/fixtures.ts';

let h: AppointmentsHarness;

// The whole stack runs with the process clock reading mid-January 2027 (Date only; timers stay real), so an
// answer that depended on "today's" offset (standard time in New York, daylight time on Chatham) would show.
const PROCESS_CLOCK = '2027-01-15T12:00:00Z';
const REAL_TIMERS = ['hrtime', 'nextTick', 'performance', 'queueMicrotask', 'setImmediate', 'clearImmediate', 'setInterval', 'clearInterval', 'setTimeout', 'clearTimeout'] as const;

beforeAll(async () => {
  jest.useFakeTimers({ now: new Date(PROCESS_CLOCK), advanceTimers: true, doNotFake: [...REAL_TIMERS] });
  h = await startAppointments();
});

afterAll(async () => {
  await h?.stop();
  jest.useRealTimers();
});

test('the process clock is faked for this file', () => {
  expect(Math.abs(Date.now() - Date.parse(PROCESS_CLOCK))).toBeLessThan(10 * 60_000);
});

const SEARCH = `query($search: SlotSearchInput!) { availableSlots(search: $search) { slots { startsAt endsAt localStartsAt localEndsAt } endCursor hasNextPage } }`;
type Page = { availableSlots: { slots: { startsAt: string; endsAt: string; localStartsAt: string; localEndsAt: string }[]; endCursor: string | null; hasNextPage: boolean } };
const ADD_EXCEPTION = `mutation($input: ScheduleExceptionInput!) { addScheduleException(input: $input) { exception { id startsAt endsAt startDate endDate } } }`;

/** The clinic's clock (notice, horizon) a few days before the day under test; the process clock stays real. */
const clinicAt = (iso: string) => h.clinic.shift(Date.parse(iso) - Date.now());
const z = (times: string[], date: string) => times.map((t) => `${date}T${t}:00.000Z`);

async function doctorWithRule(timeZone: string, rule: Record<string, unknown>) {
  const { doctorId } = await addDoctor(h, { timeZone });
  const res = await gql(h.url, ADD_RULE, {
    token: await token(h, doctorId, ['DOCTOR']),
    variables: { input: { doctorId, kind: 'WEEKLY', weekdays: [1, 2, 3, 4, 5, 6, 7], slotMinutes: 30, consultationType: 'IN_PERSON', validFrom: '2027-01-01', ...rule } },
  });
  expect(res.body.errors).toBeUndefined();
  return doctorId;
}

async function search(doctorId: string, from: string, to: string, over: Record<string, unknown> = {}) {
  return gql<Page>(h.url, SEARCH, { token: await token(h, randomUUID(), ['PATIENT']), variables: { search: { doctorIds: [doctorId], from, to, first: 200, ...over } } });
}

async function book(doctorId: string, startsAt: string) {
  return gql<{ requestAppointment: { id: string; startsAt: string } }>(h.url, REQUEST, {
    token: await token(h, randomUUID(), ['PATIENT']),
    variables: { input: { doctorId, startsAt, category: 'ROUTINE' } },
  });
}

test('New York fall-back: both 01:30s are offered and booked as the instants they are', async () => {
  clinicAt('2027-11-01T12:00:00Z');
  const doctorId = await doctorWithRule('America/New_York', { weekdays: [7], startTime: '00:00', endTime: '03:00' });
  const res = await search(doctorId, '2027-11-07T04:00:00Z', '2027-11-07T12:00:00Z', { timeZone: 'America/New_York' });
  expect(res.body.errors).toBeUndefined();
  const slots = res.body.data!.availableSlots.slots;
  expect(slots.map((s) => s.startsAt)).toEqual(z(['04:00', '04:30', '05:00', '05:30', '06:00', '06:30', '07:00', '07:30'], '2027-11-07'));
  expect(slots.map((s) => s.localStartsAt.slice(11))).toEqual(['00:00:00-04:00', '00:30:00-04:00', '01:00:00-04:00', '01:30:00-04:00', '01:00:00-05:00', '01:30:00-05:00', '02:00:00-05:00', '02:30:00-05:00']);

  const first = await book(doctorId, '2027-11-07T01:30:00-04:00');
  const second = await book(doctorId, '2027-11-07T01:30:00-05:00');
  expect([codeOf(first), codeOf(second)]).toEqual([undefined, undefined]);
  expect([first.body.data!.requestAppointment.startsAt, second.body.data!.requestAppointment.startsAt]).toEqual(['2027-11-07T05:30:00.000Z', '2027-11-07T06:30:00.000Z']);
  const rows = await h.stack.subgraphs.appointments!.orm.em.getConnection().execute<{ starts_at: string; ends_at: string }[]>(
    `select starts_at, ends_at from appointments where doctor_id = ? order by starts_at`,
    [doctorId],
  );
  expect(rows.map((r) => [new Date(r.starts_at).toISOString(), new Date(r.ends_at).toISOString()])).toEqual([
    ['2027-11-07T05:30:00.000Z', '2027-11-07T06:00:00.000Z'],
    ['2027-11-07T06:30:00.000Z', '2027-11-07T07:00:00.000Z'],
  ]);
  const local = await gql<{ appointment: { localStartsAt: string } }>(h.url, `query($id: ID!) { appointment(id: $id) { localStartsAt(timeZone: "America/New_York") } }`, {
    token: await token(h, doctorId, ['DOCTOR']),
    variables: { id: second.body.data!.requestAppointment.id },
  });
  expect(local.body.data!.appointment.localStartsAt).toBe('2027-11-07T01:30:00-05:00');
});

test('Chatham spring-forward: a rule starting in the gap starts at the jump; New York: none ends after an end in the gap', async () => {
  clinicAt('2027-09-20T00:00:00Z');
  const chatham = await doctorWithRule('Pacific/Chatham', { weekdays: [7], startTime: '03:00', endTime: '06:00' });
  const res = await search(chatham, '2027-09-25T12:00:00Z', '2027-09-25T20:00:00Z', { timeZone: 'Pacific/Chatham' });
  const slots = res.body.data!.availableSlots.slots;
  expect(slots.map((s) => s.startsAt)).toEqual(z(['14:00', '14:30', '15:00', '15:30'], '2027-09-25'));
  expect(slots.map((s) => s.localStartsAt.slice(11))).toEqual(['03:45:00+13:45', '04:15:00+13:45', '04:45:00+13:45', '05:15:00+13:45']);
  const booked = await book(chatham, '2027-09-26T03:45:00+13:45');
  expect(booked.body.data?.requestAppointment.startsAt).toBe('2027-09-25T14:00:00.000Z');
  // The grid a jump "pushed later" would give (04:00 local) is not a slot.
  const shifted = await book(chatham, '2027-09-26T04:00:00+13:45');
  expect(codeOf(shifted)).toBe('BAD_USER_INPUT');
  expect(shifted.body.errors![0]!.extensions!.reason).toBe('NOT_A_SLOT');

  clinicAt('2027-03-08T00:00:00Z');
  const ny = await doctorWithRule('America/New_York', { weekdays: [7], startTime: '00:00', endTime: '02:30' });
  const nySlots = (await search(ny, '2027-03-14T04:00:00Z', '2027-03-14T12:00:00Z')).body.data!.availableSlots.slots;
  expect(nySlots.map((s) => s.endsAt)).toEqual(z(['05:30', '06:00', '06:30', '07:00'], '2027-03-14'));
  expect(codeOf(await book(ny, '2027-03-14T03:00:00-04:00'))).toBe('BAD_USER_INPUT');
});

test('Santiago: a search from a day without midnight keeps the next days early slots, and paging loses nothing', async () => {
  clinicAt('2027-09-01T00:00:00Z');
  const doctorId = await doctorWithRule('America/Santiago', { startTime: '00:00', endTime: '02:00' });
  const from = '2027-09-05T04:00:00Z'; // Santiago's 2027-09-05 starts at 01:00 -03 (00:00 -04 never happens)
  const to = '2027-09-08T04:00:00Z';
  const whole = (await search(doctorId, from, to, { timeZone: 'America/Santiago' })).body.data!.availableSlots.slots.map((s) => s.localStartsAt);
  expect(whole).toEqual([
    '2027-09-05T01:00:00-03:00', '2027-09-05T01:30:00-03:00',
    ...['06', '07'].flatMap((d) => ['00:00', '00:30', '01:00', '01:30'].map((t) => `2027-09-${d}T${t}:00-03:00`)),
    '2027-09-08T00:00:00-03:00', '2027-09-08T00:30:00-03:00', // `to` is 01:00 local on the 8th
  ]);
  const paged: string[] = [];
  let after: string | null = null;
  for (let i = 0; i < 10; i++) {
    const page: Page['availableSlots'] = (await search(doctorId, from, to, { timeZone: 'America/Santiago', first: 3, after })).body.data!.availableSlots;
    paged.push(...page.slots.map((s) => s.localStartsAt));
    if (!page.hasNextPage) break;
    after = page.endCursor;
  }
  expect(paged).toEqual(whole);
});

test('hours across midnight and an end of 24:00 are offered whole; a BYHOUR RRULE is refused clearly', async () => {
  clinicAt('2027-05-01T00:00:00Z');
  const nights = await doctorWithRule('Europe/Bucharest', { weekdays: [5], startTime: '22:00', endTime: '02:00', slotMinutes: 60 });
  const night = (await search(nights, '2027-05-07T00:00:00Z', '2027-05-08T12:00:00Z', { timeZone: 'Europe/Bucharest' })).body.data!.availableSlots.slots;
  expect(night.map((s) => s.localStartsAt)).toEqual(['2027-05-07T22:00:00+03:00', '2027-05-07T23:00:00+03:00', '2027-05-08T00:00:00+03:00', '2027-05-08T01:00:00+03:00']);
  const evening = await doctorWithRule('Europe/Bucharest', { weekdays: [5], startTime: '23:00', endTime: '24:00' });
  const late = (await search(evening, '2027-05-07T00:00:00Z', '2027-05-08T12:00:00Z', { timeZone: 'Europe/Bucharest' })).body.data!.availableSlots.slots;
  expect(late.map((s) => s.localEndsAt)).toEqual(['2027-05-07T23:30:00+03:00', '2027-05-08T00:00:00+03:00']);

  const { doctorId } = await addDoctor(h, { timeZone: 'Europe/Bucharest' });
  const refused = await gql(h.url, ADD_RULE, {
    token: await token(h, doctorId, ['DOCTOR']),
    variables: { input: { doctorId, kind: 'RECURRING', rrule: 'FREQ=DAILY;BYHOUR=9', startTime: '09:00', endTime: '12:00', validFrom: '2027-01-01', slotMinutes: 30, consultationType: 'IN_PERSON' } },
  });
  expect(codeOf(refused)).toBe('BAD_USER_INPUT');
  expect(refused.body.errors![0]!.message).toMatch(/BYHOUR/);
});

test('a day off by local date is that day in the doctor zone; a clinic holiday by date, in each doctor zone', async () => {
  clinicAt('2027-03-20T00:00:00Z');
  const bucharest = await doctorWithRule('Europe/Bucharest', { startTime: '09:00', endTime: '10:00' });
  const newYork = await doctorWithRule('America/New_York', { startTime: '09:00', endTime: '10:00' });
  const dayOff = await gql<{ addScheduleException: { exception: { startsAt: string; endsAt: string; startDate: string; endDate: string } } }>(h.url, ADD_EXCEPTION, {
    token: await token(h, bucharest, ['DOCTOR']),
    variables: { input: { doctorId: bucharest, kind: 'DAY_OFF', startDate: '2027-03-28' } },
  });
  expect(dayOff.body.errors).toBeUndefined();
  // 2027-03-28 in Bucharest is 23 hours long (03:00 → 04:00).
  expect(dayOff.body.data!.addScheduleException.exception).toMatchObject({ startsAt: '2027-03-27T22:00:00.000Z', endsAt: '2027-03-28T21:00:00.000Z', startDate: '2027-03-28', endDate: '2027-03-28' });
  const dates = async (doctorId: string, zone: string) =>
    (await search(doctorId, '2027-03-26T00:00:00Z', '2027-03-31T00:00:00Z', { timeZone: zone })).body.data!.availableSlots.slots.map((s) => s.localStartsAt.slice(0, 10));
  expect(new Set(await dates(bucharest, 'Europe/Bucharest'))).toEqual(new Set(['2027-03-26', '2027-03-27', '2027-03-29', '2027-03-30']));

  const admin = await token(h, randomUUID(), ['ADMIN']);
  const holiday = await gql(h.url, ADD_EXCEPTION, { token: admin, variables: { input: { doctorId: null, kind: 'HOLIDAY', startDate: '2027-03-29', label: 'clinic day' } } });
  expect(holiday.body.errors).toBeUndefined();
  expect(new Set(await dates(bucharest, 'Europe/Bucharest'))).toEqual(new Set(['2027-03-26', '2027-03-27', '2027-03-30']));
  expect(new Set(await dates(newYork, 'America/New_York'))).toEqual(new Set(['2027-03-26', '2027-03-27', '2027-03-28', '2027-03-30']));

  const both = await gql(h.url, ADD_EXCEPTION, {
    token: await token(h, bucharest, ['DOCTOR']),
    variables: { input: { doctorId: bucharest, kind: 'DAY_OFF', startDate: '2027-04-01', startsAt: '2027-04-01T00:00:00Z', endsAt: '2027-04-02T00:00:00Z' } },
  });
  expect(codeOf(both)).toBe('BAD_USER_INPUT');
  const impossible = await gql(h.url, ADD_EXCEPTION, { token: await token(h, bucharest, ['DOCTOR']), variables: { input: { doctorId: bucharest, kind: 'DAY_OFF', startDate: '2027-02-30' } } });
  expect(codeOf(impossible)).toBe('BAD_USER_INPUT');
});

test('DateTime input without an offset, or an impossible date, is BAD_USER_INPUT through the router, as a variable or inline', async () => {
  const doctorId = randomUUID();
  const patient = await token(h, randomUUID(), ['PATIENT']);
  for (const from of ['2027-03-01T09:00:00', '2027-03-01', '2027-02-30T09:00:00Z', '2027-03-01T09:00:00+25:00']) {
    const res = await gql(h.url, SEARCH, { token: patient, variables: { search: { doctorIds: [doctorId], from, to: '2027-03-02T00:00:00Z' } } });
    expect([from, res.status < 500, codeOf(res)]).toEqual([from, true, 'BAD_USER_INPUT']);
    expect(res.body.errors![0]!.message).toMatch(/DateTime|RFC 3339/);
  }
  const inline = await gql(h.url, `{ availableSlots(search: { from: "2027-02-30T00:00:00Z", to: "2027-03-02T00:00:00Z" }) { hasNextPage } }`, { token: patient });
  expect([inline.status < 500, codeOf(inline)]).toEqual([true, 'BAD_USER_INPUT']);
  const ok = await gql(h.url, SEARCH, { token: patient, variables: { search: { doctorIds: [doctorId], from: '2027-03-01T09:00:00+05:45', to: '2027-03-02T00:00:00Z' } } });
  expect(ok.body.errors).toBeUndefined();
});

test('viewer time zones are IANA names as IANA spells them; offsets and wrong case are BAD_USER_INPUT', async () => {
  clinicAt('2027-05-01T00:00:00Z');
  const doctorId = await doctorWithRule('Europe/Bucharest', { weekdays: [1], startTime: '09:00', endTime: '10:00' });
  const kathmandu = await search(doctorId, '2027-05-03T00:00:00Z', '2027-05-04T00:00:00Z', { timeZone: 'Asia/Kathmandu' });
  expect(kathmandu.body.data!.availableSlots.slots[0]!.localStartsAt).toBe('2027-05-03T11:45:00+05:45');
  for (const timeZone of ['america/new_york', 'UTC+5', '+05:30', 'GMT+0530', 'utc', 'Mars/Olympus']) {
    const res = await search(doctorId, '2027-05-03T00:00:00Z', '2027-05-04T00:00:00Z', { timeZone });
    expect([timeZone, codeOf(res)]).toEqual([timeZone, 'BAD_USER_INPUT']);
    expect(res.body.errors![0]!.message).toMatch(/IANA time zone name/);
  }
  const hint = await search(doctorId, '2027-05-03T00:00:00Z', '2027-05-04T00:00:00Z', { timeZone: 'america/new_york' });
  expect(hint.body.errors![0]!.message).toMatch(/Did you mean America\/New_York\?/);
});
