// The availability cache never answers differently from a fresh expansion. Real Postgres and Redis: random
// bookings, cancellations, reschedules, rule and exception edits (a clinic-wide holiday too), waiting-list
// holds and the clock moving past the minimum notice and past holds' expiry; after each step every search is
// answered through two caches (two replicas sharing Redis) and compared with a fresh expansion, and the
// router's own answer with it; so is every answer of the API to a patient, a partner and staff, each asked
// twice (the second from the subgraph's whole-answer cache). Redis down: searches still answer, afresh.
import { randomUUID } from 'node:crypto';
import { addDoctor, codeOf, daysAhead, gql, localToUtc, partnerToken, REQUEST, SLOTS, startAppointments, token, type AppointmentsHarness } from '../testing/fixtures.ts';
import { searchFreeSlots, type SlotPageRequest, type SlotSearch } from '../schedules/slot-search.ts';
import type { Slot } from '../schedules/free-slots.ts';
import { afterCursor, parseCursor, slotCursor } from '../resolvers/views.ts';
import { expireWaitlistOffers } from '../waitlist/waitlist.ts';
import { AvailabilityCache } from './day-cache.ts';
import { searchAvailability } from './cached-search.ts';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const ZONES = ['Europe/Bucharest', 'America/New_York', 'Asia/Kolkata'];
const HOUR = 3_600_000;

let h: AppointmentsHarness;
let replicaA: AvailabilityCache;
let replicaB: AvailabilityCache;
const doctors: { id: string; zone: string }[] = [];
let clockAt = Date.now();
const FIXED_WINDOW = { from: new Date(clockAt - HOUR), to: new Date(clockAt + 8 * 24 * HOUR) };

// A seeded generator: a failure is reproducible from the printed seed.
const SEED = Number(process.env.AVAILABILITY_SEED ?? Date.now() % 100_000);
let state = SEED;
const random = () => ((state = (state * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
const pick = <T>(items: T[]): T => items[Math.floor(random() * items.length)]!;

const em = () => h.stack.subgraphs.appointments!.orm.em.fork();
const asDoctor = (id: string) => token(h, id, ['DOCTOR']);
const ADD_RULE = `mutation($input: ScheduleRuleInput!) { addScheduleRule(input: $input) { id } }`;
const ADD_EXCEPTION = `mutation($input: ScheduleExceptionInput!, $affected: AffectedAppointments) { addScheduleException(input: $input, affected: $affected) { exception { id } } }`;

beforeAll(async () => {
  h = await startAppointments({ policy: { minNoticeMinutes: 60, waitlistOfferMinutes: 30, changeDeadlineHours: 1 } });
  // The clinic's clock stands still unless a step moves it: a fresh and a cached answer are asked at the same instant.
  h.clinic.now = () => new Date(clockAt);
  replicaA = new AvailabilityCache(REDIS_URL, h.queuePrefix);
  replicaB = new AvailabilityCache(REDIS_URL, h.queuePrefix);
  for (const zone of ZONES) {
    const id = (await addDoctor(h, { timeZone: zone, consultationTypes: ['IN_PERSON', 'VIDEO'] })).doctorId;
    doctors.push({ id, zone });
    const res = await gql(h.url, ADD_RULE, {
      token: await asDoctor(id),
      variables: { input: { doctorId: id, kind: 'WEEKLY', weekdays: [1, 2, 3, 4, 5, 6, 7], startTime: '08:00', endTime: '16:00', validFrom: daysAhead(-2, zone), slotMinutes: 30, consultationType: 'IN_PERSON' } },
    });
    expect(res.body.errors).toBeUndefined();
  }
});

afterAll(async () => {
  await replicaA?.close();
  await replicaB?.close();
  h?.clinic.shift(0);
  await h?.stop();
});

/** The searches a patient, staff and a partner make: per doctor, all doctors, one type, pages. */
function searches(): { search: SlotSearch; page?: SlotPageRequest }[] {
  const now = h.clinic.now().getTime();
  const base = { from: new Date(now - HOUR), to: new Date(now + 9 * 24 * HOUR) };
  const list: { search: SlotSearch; page?: SlotPageRequest }[] = [];
  for (const includeEmergency of [false, true]) {
    list.push({ search: { ...base, includeEmergency } });
    list.push({ search: { ...base, includeEmergency, consultationType: 'VIDEO' } });
    list.push({ search: { ...base, includeEmergency }, page: { limit: 7 } });
    for (const d of doctors) list.push({ search: { ...base, doctorIds: [d.id], includeEmergency } });
  }
  list.push({ search: { from: new Date(now + 2 * 24 * HOUR + 17 * 60_000), to: new Date(now + 4 * 24 * HOUR), includeEmergency: false }, page: { limit: 40 } });
  return list;
}

const show = (slots: Slot[]) => slots.map((s) => `${new Date(s.start).toISOString()}-${new Date(s.end).toISOString()} ${s.doctorId.slice(0, 8)} ${s.consultationType}${s.emergency ? ' E' : ''}`);

async function fresh(search: SlotSearch, page?: SlotPageRequest): Promise<Slot[]> {
  return (await searchFreeSlots(em(), h.clinic, search, page)).slots;
}

/** Every search through both replicas' caches equals a fresh expansion; so does a page after a cursor. */
async function expectCacheEqualsFresh(step: string): Promise<void> {
  for (const { search, page } of searches()) {
    const expected = await fresh(search, page);
    for (const cache of [replicaA, replicaB, replicaA]) {
      const got = (await searchAvailability(em(), h.clinic, cache, search, page)).slots;
      const shown = page ? got.slice(0, page.limit + 1) : got;
      const wanted = page ? expected.slice(0, page.limit + 1) : expected;
      if (JSON.stringify(show(shown)) !== JSON.stringify(show(wanted))) {
        throw new Error(`seed ${SEED}, after ${step}: cached answer differs for ${JSON.stringify({ search, page })}\n${show(shown).join('\n')}\n--- fresh ---\n${show(wanted).join('\n')}`);
      }
    }
    if (page && expected[3]) {
      const cursor = parseCursor(slotCursor(expected[3]));
      const after = { limit: page.limit, after: (s: Slot) => afterCursor(s, cursor), afterStart: cursor[0] };
      const wanted = (await fresh(search, after)).slice(0, page.limit + 1);
      const got = (await searchAvailability(em(), h.clinic, replicaB, search, after)).slots.slice(0, page.limit + 1);
      expect(show(got)).toEqual(show(wanted));
    }
  }
}

type SlotPage = { availableSlots: { slots: { startsAt: string; consultationType: string; emergency: boolean; doctor: { id: string } }[]; endCursor: string | null; hasNextPage: boolean } };

/**
 * What the API answers a patient, a partner and staff (each asked twice: the second answer comes from the
 * subgraph's whole-answer cache when it holds) equals a fresh expansion at the same instant; so does a
 * search across the booking horizon, which is never kept whole.
 */
async function expectAnswersEqualFresh(step: string): Promise<void> {
  const now = h.clinic.now().getTime();
  const base = { from: new Date(now - HOUR), to: new Date(now + 9 * 24 * HOUR) };
  const horizon = now + h.clinic.policy.horizonDays * 24 * HOUR;
  const [patient, partner, staff] = [await token(h, randomUUID(), ['PATIENT']), await partnerToken(h, 'availability:read'), await token(h, randomUUID(), ['ADMIN'])];
  const asks: { who: string; search: SlotSearch; first: number; consultationType?: string }[] = [
    { who: patient, search: { ...base, includeEmergency: false }, first: 20 },
    { who: partner, search: { ...base, includeEmergency: false }, first: 20 },
    { who: partner, search: { ...base, includeEmergency: false, consultationType: 'VIDEO' }, first: 200 },
    { who: staff, search: { ...base, includeEmergency: true }, first: 7 },
    { who: patient, search: { ...base, doctorIds: [doctors[0]!.id], includeEmergency: false }, first: 200 },
    { who: patient, search: { from: new Date(horizon - 3 * 24 * HOUR), to: new Date(horizon + 4 * 24 * HOUR), includeEmergency: false }, first: 200 },
    // A window that stays put while the clock moves (a partner polling the same dates): the same variables
    // every time, so only the clock (the minimum notice, a hold's expiry) tells a kept answer is over.
    { who: partner, search: { ...FIXED_WINDOW, includeEmergency: false }, first: 20 },
    { who: staff, search: { ...FIXED_WINDOW, includeEmergency: true }, first: 200 },
  ];
  for (const { who, search, first } of asks) {
    const expected = await fresh(search, { limit: first });
    const wanted = { slots: show(expected.slice(0, first)), hasNextPage: expected.length > first, endCursor: expected[first - 1] && expected.length > first ? slotCursor(expected[first - 1]!) : expected.length ? slotCursor(expected[Math.min(first, expected.length) - 1]!) : null };
    const variables = { search: { from: search.from.toISOString(), to: search.to.toISOString(), first, doctorIds: search.doctorIds ?? undefined, consultationType: search.consultationType ?? undefined } };
    for (let ask = 0; ask < 2; ask++) {
      const res = await gql<SlotPage>(h.url, SLOTS, { token: who, variables });
      if (res.body.errors) throw new Error(`seed ${SEED}, after ${step}: ${JSON.stringify(res.body.errors)}`);
      const page = res.body.data!.availableSlots;
      const got = {
        slots: show(page.slots.map((s) => ({ doctorId: s.doctor.id, start: Date.parse(s.startsAt), end: 0, consultationType: s.consultationType, emergency: s.emergency }))),
        hasNextPage: page.hasNextPage,
        endCursor: page.endCursor,
      };
      const same = (x: typeof got) => JSON.stringify({ ...x, slots: x.slots.map((l) => l.replace(/-[^ ]+ /, ' ')) });
      if (same(got) !== same(wanted)) {
        throw new Error(`seed ${SEED}, after ${step}, ask ${ask}: the API's answer differs for ${JSON.stringify(variables)}\n${got.slots.join('\n')}\n--- fresh ---\n${wanted.slots.join('\n')}`);
      }
    }
  }
}

type Op = () => Promise<boolean>;
const done: Record<string, number> = {};

const liveAppointments = async () =>
  (await em().execute(`select id, patient_id, doctor_id, starts_at from appointments where status in ('REQUESTED','APPROVED') and starts_at > ?`, [new Date(h.clinic.now().getTime() + 3 * HOUR).toISOString()])) as {
    id: string;
    patient_id: string;
    doctor_id: string;
  }[];

async function freeSlotOf(doctorId: string): Promise<Slot | undefined> {
  const now = h.clinic.now().getTime();
  const slots = await fresh({ doctorIds: [doctorId], from: new Date(now + 3 * HOUR), to: new Date(now + 8 * 24 * HOUR), includeEmergency: false });
  return slots.length ? pick(slots) : undefined;
}

const localDay = (zone: string) => daysAhead(1 + Math.floor(random() * 7), zone);

const ops: Record<string, Op> = {
  book: async () => {
    const doctor = pick(doctors);
    const slot = await freeSlotOf(doctor.id);
    if (!slot) return false;
    const res = await gql(h.url, REQUEST, { token: await token(h, randomUUID(), ['PATIENT']), variables: { input: { doctorId: doctor.id, startsAt: new Date(slot.start).toISOString(), consultationType: slot.consultationType } } });
    return !res.body.errors;
  },
  cancel: async () => {
    const live = await liveAppointments();
    if (!live.length) return false;
    const a = pick(live);
    const res = await gql(h.url, `mutation($id: ID!) { cancelAppointment(id: $id) { status } }`, { token: await token(h, a.patient_id, ['PATIENT']), variables: { id: a.id } });
    return !res.body.errors;
  },
  reschedule: async () => {
    const live = await liveAppointments();
    if (!live.length) return false;
    const a = pick(live);
    const slot = await freeSlotOf(a.doctor_id);
    if (!slot) return false;
    const res = await gql(h.url, `mutation($id: ID!, $at: DateTime!) { rescheduleAppointment(id: $id, startsAt: $at) { status } }`, {
      token: await token(h, a.patient_id, ['PATIENT']),
      variables: { id: a.id, at: new Date(slot.start).toISOString() },
    });
    return !res.body.errors;
  },
  addRule: async () => {
    const doctor = pick(doctors);
    const start = 16 + Math.floor(random() * 3);
    const res = await gql(h.url, ADD_RULE, {
      token: await asDoctor(doctor.id),
      variables: {
        input: {
          doctorId: doctor.id, kind: 'WEEKLY', weekdays: [1 + Math.floor(random() * 7), 1 + Math.floor(random() * 7)], startTime: `${start}:00`, endTime: `${start + 2}:30`,
          validFrom: daysAhead(Math.floor(random() * 4), doctor.zone), slotMinutes: pick([15, 20, 45]), bufferMinutes: pick([0, 5]), consultationType: pick(['IN_PERSON', 'VIDEO']), allowOverlap: true,
        },
      },
    });
    return !res.body.errors;
  },
  removeRule: async () => {
    const rows = (await em().execute(`select id, doctor_id from schedule_rules`)) as { id: string; doctor_id: string }[];
    if (rows.length <= doctors.length) return false;
    const rule = pick(rows);
    const res = await gql(h.url, `mutation($id: ID!) { removeScheduleRule(id: $id) }`, { token: await asDoctor(rule.doctor_id), variables: { id: rule.id } });
    return !res.body.errors;
  },
  addException: async () => {
    const doctor = pick(doctors);
    const kind = pick(['BREAK', 'DAY_OFF', 'EXTRA_HOURS', 'EMERGENCY', 'HOLIDAY']);
    const day = localDay(doctor.zone);
    const hour = 8 + Math.floor(random() * 8);
    const at = (h2: number, m = 0) => localToUtc(day, `${String(h2).padStart(2, '0')}:${String(m).padStart(2, '0')}`, doctor.zone);
    const input =
      kind === 'HOLIDAY' ? { doctorId: null, kind, startDate: daysAhead(1 + Math.floor(random() * 7)) }
      : kind === 'DAY_OFF' ? { doctorId: doctor.id, kind, startDate: day }
      : kind === 'BREAK' ? { doctorId: doctor.id, kind, startsAt: at(hour, 15), endsAt: at(hour + 1) }
      : kind === 'EXTRA_HOURS' ? { doctorId: doctor.id, kind, startsAt: at(18), endsAt: at(20), slotMinutes: 40, consultationType: pick(['IN_PERSON', 'VIDEO']) }
      : { doctorId: doctor.id, kind, startsAt: at(hour), endsAt: at(hour + 1), slotMinutes: 30 };
    const who = kind === 'HOLIDAY' ? await token(h, randomUUID(), ['ADMIN']) : await asDoctor(doctor.id);
    const res = await gql(h.url, ADD_EXCEPTION, { token: who, variables: { input, affected: pick(['CANCEL', 'KEEP']) } });
    return !res.body.errors;
  },
  removeException: async () => {
    const rows = (await em().execute(`select id, doctor_id from schedule_exceptions`)) as { id: string; doctor_id: string | null }[];
    if (!rows.length) return false;
    const exception = pick(rows);
    const who = exception.doctor_id ? await asDoctor(exception.doctor_id) : await token(h, randomUUID(), ['ADMIN']);
    const res = await gql(h.url, `mutation($id: ID!) { removeScheduleException(id: $id) }`, { token: who, variables: { id: exception.id } });
    return !res.body.errors;
  },
  // A waiting patient gets an offer (a hold) when a slot frees up: join, then free a slot of that doctor.
  hold: async () => {
    const live = await liveAppointments();
    if (!live.length) return false;
    const a = pick(live);
    const now = h.clinic.now().getTime();
    const join = await gql(h.url, `mutation($input: JoinWaitlistInput!) { joinWaitlist(input: $input) { id } }`, {
      token: await token(h, randomUUID(), ['PATIENT']),
      variables: { input: { doctorId: a.doctor_id, from: new Date(now + 2 * HOUR).toISOString(), to: new Date(now + 8 * 24 * HOUR).toISOString() } },
    });
    if (join.body.errors) return false;
    const res = await gql(h.url, `mutation($id: ID!) { cancelAppointment(id: $id) { status } }`, { token: await token(h, a.patient_id, ['PATIENT']), variables: { id: a.id } });
    const held = (await em().execute(`select count(*)::int as n from waitlist_entries where status = 'OFFERED'`)) as { n: number }[];
    return !res.body.errors && held[0]!.n > 0;
  },
  // The clock passes the minimum notice of the soonest slots, and sometimes a hold's expiry.
  clock: async () => {
    clockAt += (10 + Math.floor(random() * 35)) * 60_000;
    return true;
  },
  sweep: async () => (await expireWaitlistOffers(em(), h.clinic)) > 0,
};

test('after every kind of change, every cached answer equals a fresh expansion (two replicas, one Redis)', async () => {
  const weights: [string, number][] = [['book', 5], ['cancel', 2], ['reschedule', 2], ['addRule', 1], ['removeRule', 1], ['addException', 2], ['removeException', 1], ['hold', 1], ['clock', 2], ['sweep', 1]];
  const bag = weights.flatMap(([name, n]) => Array<string>(n).fill(name));
  await expectCacheEqualsFresh('setup');
  await expectAnswersEqualFresh('setup');
  const steps = Number(process.env.AVAILABILITY_STEPS ?? 60);
  // A few bookings, every kind of change at least once (in a random order), then random ones.
  const plan = ['book', 'book', 'book', ...Object.keys(ops).sort(() => random() - 0.5), ...Array.from({ length: steps }, () => pick(bag))];
  for (const [i, name] of plan.entries()) {
    if (await ops[name]!()) done[name] = (done[name] ?? 0) + 1;
    await expectCacheEqualsFresh(`step ${i} (${name})`);
    await expectAnswersEqualFresh(`step ${i} (${name})`);
  }
  // The run exercised every kind of change, and the caches answered (not only missed). A kind the random
  // plan never managed (e.g. no exception left to remove) is tried again, still checked after each try.
  const kinds = ['book', 'cancel', 'reschedule', 'addRule', 'removeRule', 'addException', 'removeException', 'hold', 'clock'];
  for (const name of kinds) {
    for (let tries = 0; !done[name] && tries < 5; tries++) {
      if (await ops[name]!()) done[name] = 1;
      await expectCacheEqualsFresh(`retry ${tries} (${name})`);
      await expectAnswersEqualFresh(`retry ${tries} (${name})`);
    }
  }
  for (const name of kinds) expect([name, done[name] ?? 0]).not.toEqual([name, 0]);
  expect(replicaA.stats.hits).toBeGreaterThan(0);
  expect(replicaB.stats.hits).toBeGreaterThan(0);
  // The whole-answer cache answered too, and was not kept across changes (each step above compared it).
  expect(h.answers.stats.hits).toBeGreaterThan(0);
}, 600_000);

test('the router answers availableSlots from the cache with what a fresh expansion gives', async () => {
  const now = h.clinic.now().getTime();
  const from = new Date(now), to = new Date(now + 5 * 24 * HOUR);
  for (let round = 0; round < 2; round++) {
    const res = await gql<{ availableSlots: { slots: { startsAt: string; doctor: { id: string } }[]; hasNextPage: boolean } }>(h.url, SLOTS, {
      token: await token(h, randomUUID(), ['PATIENT']),
      variables: { search: { from: from.toISOString(), to: to.toISOString(), first: 200 } },
    });
    expect(codeOf(res)).toBeUndefined();
    const expected = (await fresh({ from, to, includeEmergency: false }, { limit: 200 })).slice(0, 200);
    expect(res.body.data!.availableSlots.slots.map((s) => `${s.startsAt} ${s.doctor.id}`)).toEqual(expected.map((s) => `${new Date(s.start).toISOString()} ${s.doctorId}`));
    // A booking through the router is seen by the next search at once.
    const slot = expected[0]!;
    await gql(h.url, REQUEST, { token: await token(h, randomUUID(), ['PATIENT']), variables: { input: { doctorId: slot.doctorId, startsAt: new Date(slot.start).toISOString(), consultationType: slot.consultationType } } });
  }
});

test('a change to one doctor leaves the other doctors\' cached days in place', async () => {
  // Two doctors of their own (the random steps above may have left the others without free time).
  const [first, second] = [{ id: (await addDoctor(h)).doctorId }, { id: (await addDoctor(h)).doctorId }];
  for (const { id } of [first, second]) {
    const rule = await gql(h.url, ADD_RULE, {
      token: await asDoctor(id),
      variables: { input: { doctorId: id, kind: 'WEEKLY', weekdays: [1, 2, 3, 4, 5, 6, 7], startTime: '08:00', endTime: '16:00', validFrom: daysAhead(-2), slotMinutes: 30, consultationType: 'IN_PERSON' } },
    });
    expect(rule.body.errors).toBeUndefined();
  }
  const now = h.clinic.now().getTime();
  const search = (id: string): SlotSearch => ({ doctorIds: [id], from: new Date(now), to: new Date(now + 5 * 24 * HOUR), includeEmergency: false });
  await searchAvailability(em(), h.clinic, replicaA, search(second!.id));
  const slot = (await fresh(search(first!.id)))[0]!;
  const res = await gql(h.url, REQUEST, { token: await token(h, randomUUID(), ['PATIENT']), variables: { input: { doctorId: first!.id, startsAt: new Date(slot.start).toISOString(), consultationType: slot.consultationType } } });
  expect(res.body.errors).toBeUndefined();
  const before = { ...replicaA.stats };
  await searchAvailability(em(), h.clinic, replicaA, search(second!.id));
  expect(replicaA.stats.misses).toBe(before.misses);
  await searchAvailability(em(), h.clinic, replicaA, search(first!.id));
  expect(replicaA.stats.misses).toBeGreaterThan(before.misses);
});

test('with Redis unreachable every search answers afresh', async () => {
  const down = new AvailabilityCache('redis://127.0.0.1:1', h.queuePrefix);
  try {
    for (const { search, page } of searches()) {
      const got = (await searchAvailability(em(), h.clinic, down, search, page)).slots;
      const wanted = await fresh(search, page);
      // A page search returns at least one more than the page (to tell whether more exist); compare that much.
      expect(show(page ? got.slice(0, page.limit + 1) : got)).toEqual(show(page ? wanted.slice(0, page.limit + 1) : wanted));
    }
    expect(down.stats.hits).toBe(0);
    expect(down.stats.errors).toBeGreaterThan(0);
  } finally {
    await down.close();
  }
});

test('a doctor with extra hours and no weekly rule has those slots, and they can be booked', async () => {
  const doctor = (await addDoctor(h, { timeZone: 'Europe/Bucharest' })).doctorId;
  // Past the clinic-wide holidays the random run above may have added (days 1 to 7).
  const day = daysAhead(9);
  const added = await gql(h.url, ADD_EXCEPTION, {
    token: await asDoctor(doctor),
    variables: { input: { doctorId: doctor, kind: 'EXTRA_HOURS', startsAt: localToUtc(day, '18:00'), endsAt: localToUtc(day, '19:00'), slotMinutes: 30 } },
  });
  expect(added.body.errors).toBeUndefined();
  const search: SlotSearch = { doctorIds: [doctor], from: new Date(localToUtc(day, '00:00')), to: new Date(localToUtc(daysAhead(10), '00:00')), includeEmergency: false };
  const expected = [localToUtc(day, '18:00'), localToUtc(day, '18:30')];
  expect((await fresh(search)).map((s) => new Date(s.start).toISOString())).toEqual(expected);
  expect((await searchAvailability(em(), h.clinic, replicaA, search)).slots.map((s) => new Date(s.start).toISOString())).toEqual(expected);
  const booked = await gql(h.url, REQUEST, { token: await token(h, randomUUID(), ['PATIENT']), variables: { input: { doctorId: doctor, startsAt: expected[0] } } });
  expect(booked.body.errors).toBeUndefined();
});

test('a change made from a session with another search_path (psql, a script) still moves the doctor\'s version', async () => {
  const { id } = { id: (await addDoctor(h)).doctorId };
  const rule = await gql(h.url, ADD_RULE, {
    token: await asDoctor(id),
    variables: { input: { doctorId: id, kind: 'WEEKLY', weekdays: [1, 2, 3], startTime: '08:00', endTime: '12:00', validFrom: daysAhead(-2), slotMinutes: 30, consultationType: 'IN_PERSON' } },
  });
  expect(rule.body.errors).toBeUndefined();
  const version = async () => (await em().getConnection().execute<{ version: string }[]>(`select version from availability_versions where doctor_id = ?`, [id]))[0]!.version;
  const before = BigInt(await version());
  await em().transactional(async (tx) => {
    const [current] = await tx.getConnection().execute<{ schema: string }[]>(`select current_schema() as schema`, [], 'all', tx.getTransactionContext());
    const schema = current!.schema;
    await tx.getConnection().execute(`set local search_path to public`, [], 'run', tx.getTransactionContext());
    await tx.getConnection().execute(`update "${schema}".schedule_rules set end_time = end_time where doctor_id = ?`, [id], 'run', tx.getTransactionContext());
  });
  expect(BigInt(await version())).toBeGreaterThan(before);
});

test('a kept whole answer ends when its soonest slot enters the minimum notice', async () => {
  const id = (await addDoctor(h)).doctorId;
  const rule = await gql(h.url, ADD_RULE, {
    token: await asDoctor(id),
    variables: { input: { doctorId: id, kind: 'WEEKLY', weekdays: [1, 2, 3, 4, 5, 6, 7], startTime: '08:00', endTime: '16:00', validFrom: daysAhead(-2), slotMinutes: 30, consultationType: 'IN_PERSON' } },
  });
  expect(rule.body.errors).toBeUndefined();
  const now = h.clinic.now().getTime();
  // The same variables every time, as a partner polling the same dates sends them.
  const search: SlotSearch = { doctorIds: [id], from: new Date(now), to: new Date(now + 4 * 24 * HOUR), includeEmergency: false };
  const variables = { search: { doctorIds: [id], from: search.from.toISOString(), to: search.to.toISOString(), first: 5 } };
  const ask = async () => (await gql<SlotPage>(h.url, SLOTS, { token: await partnerToken(h, 'availability:read'), variables })).body.data!.availableSlots.slots.map((s) => s.startsAt);
  const expected = async () => (await fresh(search, { limit: 5 })).slice(0, 5).map((s) => new Date(s.start).toISOString());
  const before = await expected();
  expect(await ask()).toEqual(before);
  const hits = h.answers.stats.hits;
  expect(await ask()).toEqual(before);
  expect(h.answers.stats.hits).toBe(hits + 1);
  // The clock reaches the instant the soonest slot is inside the notice: it is gone from the next answer.
  clockAt = Date.parse(before[0]!) - h.clinic.policy.minNoticeMinutes * 60_000 + 1;
  const after = await expected();
  expect(after[0]).not.toBe(before[0]);
  expect(await ask()).toEqual(after);
});
