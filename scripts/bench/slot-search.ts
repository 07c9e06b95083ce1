// Slot-search benchmark: 200 doctors with realistic weekly schedules (three time zones, lunch breaks,
// some Saturday mornings, some days off), 30% of the next 30 days booked; searches one specialisation
// over 30 days THROUGH THE ROUTER and reports p50/p95 latency, SQL queries per request (counted at the pg
// driver), Redis round trips per request (counted at ioredis while the subgraph holds the request) and the
// appointments subgraph's CPU per request (process CPU from the request's arrival until the subgraph hands
// its answer to the socket, one request in flight at a time),
// each with the availability cache off and on, requests alternating between the two in the same run. Queries per request
// must not grow with the number of doctors, so the same search is also run across all 200 doctors.
// Real Postgres (a throwaway schema) and Redis from DATABASE_URL/REDIS_URL.
//   npx tsx scripts/bench/slot-search.ts [requests=300]
// SLOT_SEARCH_PROFILE=/tmp/p writes a CPU profile of each scenario (/tmp/p-<scenario>.cpuprofile) and the
// windows in which the subgraph held an off or an on request (…off.windows.json, …on.windows.json).
// Runs with NODE_ENV=production unless NODE_ENV is set (as the services run). SLOT_SEARCH_WARM_UP=n sends n
// untimed requests per mode before each scenario (default 20).
import '../production-mode.ts';
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { Session } from 'node:inspector/promises';
import pg from 'pg';
import { Pipeline, Redis } from 'ioredis';
import { DateTime } from 'luxon';
import { everyIdIsAnAccount } from '@clinic/service-kit';
import { createTestKeys, signTestToken } from '@clinic/service-kit/testing';
import { gql, startStack } from '@clinic/router/src/testing/harness.ts';
import { createAppointmentsSubgraph } from '@clinic/appointments';
import { DEFAULT_POLICY } from '@clinic/appointments/src/policy.ts';
import { applyDoctorProfileJob } from '@clinic/appointments/src/directory/doctor-directory.ts';
import { ScheduleExceptionSchema, ScheduleRuleSchema } from '@clinic/appointments/src/entities/schedule.ts';
import { searchFreeSlots } from '@clinic/appointments/src/schedules/slot-search.ts';
import { searchAvailability } from '@clinic/appointments/src/availability/cached-search.ts';

const DOCTORS = 200;
const REQUESTS = Number(process.argv[2] ?? 300);
/** Untimed requests per mode before each scenario (the first one also absorbs the seed's garbage and the JIT). */
const WARM_UP = Number(process.env.SLOT_SEARCH_WARM_UP ?? 20);
const SPECIALISATIONS = ['CARDIOLOGY', 'DERMATOLOGY', 'PAEDIATRICS', 'NEUROLOGY', 'FAMILY_MEDICINE'];
const ZONES = ['Europe/Bucharest', 'Europe/London', 'America/New_York'];

// Count every query the pg driver sends (MikroORM → knex → pg).
let queries = 0;
const originalQuery = pg.Client.prototype.query;
pg.Client.prototype.query = function countedQuery(this: pg.Client, ...args: unknown[]) {
  queries += 1;
  return (originalQuery as (...a: unknown[]) => unknown).apply(this, args);
} as typeof pg.Client.prototype.query;

// Count Redis round trips the subgraph makes while it serves a request: a command sent alone is one, a
// pipeline is one however many commands it carries (its commands reach sendCommand with a stream).
let subgraphBusy = false;
/** When the subgraph held each request (µs, the profiler's clock): a profile's samples are told apart by them. */
const busyWindows: [number, number][] = [];
const micros = () => Number(process.hrtime.bigint() / 1000n);
let redisTrips = 0;
/** Of those, the availability cache's own (the rest is background work of the same process: queues, relay). */
let cacheTrips = 0;
const isCacheClient = (redis: Redis) => redis.options.connectionName === 'appointments-availability';
const originalSend = Redis.prototype.sendCommand;
Redis.prototype.sendCommand = function countedSend(this: Redis, ...args: Parameters<Redis['sendCommand']>) {
  if (subgraphBusy && !args[1]) {
    redisTrips += 1;
    if (isCacheClient(this)) cacheTrips += 1;
  }
  return originalSend.apply(this, args);
} as typeof Redis.prototype.sendCommand;
const originalExec = Pipeline.prototype.exec;
Pipeline.prototype.exec = function countedExec(this: Pipeline, ...args: Parameters<Pipeline['exec']>) {
  if (subgraphBusy) {
    redisTrips += 1;
    if (isCacheClient((this as unknown as { redis: Redis }).redis)) cacheTrips += 1;
  }
  return originalExec.apply(this, args);
} as typeof Pipeline.prototype.exec;

let seed = 42;
const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

async function main() {
  const keys = await createTestKeys();
  const clinic = { policy: DEFAULT_POLICY, now: () => new Date() };
  const definition = createAppointmentsSubgraph({ clinic, relayPollMs: 3_600_000, sweepIntervalMs: 3_600_000, accounts: everyIdIsAnAccount });
  const stack = await startStack(keys, [definition], { RATE_LIMIT_POINTS: '100000000', LOG_LEVEL: 'warn' });
  try {
    const orm = stack.subgraphs.appointments!.orm;
    const cache = definition.availabilityCache();
    if (!cache) throw new Error('the availability cache did not start (REDIS_URL?)');
    // Requests run one at a time: CPU used between the subgraph receiving one and finishing it is its own.
    let subgraphCpuMicros = 0;
    // From the request's arrival (before the kit's own handler) until the subgraph has handed its answer to
    // the socket (res.end returns): 'finish' comes later, after the router may already have read and shaped
    // the answer in this same process, which would count the router's work as the subgraph's.
    stack.subgraphs.appointments!.httpServer.prependListener('request', (_req, res) => {
      const start = process.cpuUsage();
      subgraphBusy = true;
      const since = micros();
      const end = res.end;
      res.end = function measuredEnd(this: typeof res, ...args: unknown[]) {
        const result = (end as (...a: unknown[]) => typeof res).apply(this, args);
        subgraphBusy = false;
        busyWindows.push([since, micros()]);
        const used = process.cpuUsage(start);
        subgraphCpuMicros += used.user + used.system;
        return result;
      } as typeof res.end;
    });
    const seedStart = performance.now();
    const em = orm.em.fork();
    for (let i = 0; i < DOCTORS; i++) {
      const doctorId = randomUUID();
      const timeZone = ZONES[i % ZONES.length]!;
      await applyDoctorProfileJob(orm.em.fork(), {
        eventId: randomUUID(),
        topic: 'doctor.profile_updated',
        createdAt: new Date().toISOString(),
        payload: { doctorId, specialisations: [SPECIALISATIONS[i % SPECIALISATIONS.length]!], languages: i % 2 ? ['en'] : ['ro', 'en'], timeZone, consultationTypes: ['IN_PERSON', 'VIDEO'], active: true },
      });
      const slotMinutes = [20, 30, 30, 45][i % 4]!;
      const base = { doctorId, kind: 'WEEKLY' as const, rrule: null, validFrom: DateTime.now().minus({ days: 1 }).toISODate()!, validUntil: null, slotMinutes, bufferMinutes: i % 3 === 0 ? 5 : 0, createdBy: doctorId, createdAt: new Date() };
      em.create(ScheduleRuleSchema, { ...base, id: randomUUID(), weekdays: [1, 2, 3, 4, 5], startTime: '09:00', endTime: '13:00', consultationType: 'IN_PERSON' });
      em.create(ScheduleRuleSchema, { ...base, id: randomUUID(), weekdays: [1, 2, 3, 4], startTime: '14:00', endTime: '17:00', consultationType: i % 2 ? 'VIDEO' : 'IN_PERSON' });
      if (i % 4 === 0) em.create(ScheduleRuleSchema, { ...base, id: randomUUID(), weekdays: [6], startTime: '09:00', endTime: '12:00', consultationType: 'IN_PERSON' });
      if (i % 5 === 0) {
        const day = DateTime.now().setZone(timeZone).plus({ days: 3 + (i % 20) }).startOf('day');
        em.create(ScheduleExceptionSchema, { id: randomUUID(), doctorId, kind: 'DAY_OFF', startsAt: day.toJSDate(), endsAt: day.plus({ days: 1 }).toJSDate(), slotMinutes: null, consultationType: null, label: null, createdBy: doctorId, createdAt: new Date() });
      }
    }
    await em.flush();

    // Book 30% of every free slot in the next 30 days.
    const from = new Date();
    const to = new Date(from.getTime() + 30 * 86_400_000);
    const { slots } = await searchFreeSlots(orm.em.fork(), clinic, { from, to, includeEmergency: false });
    const booked = slots.filter(() => random() < 0.3);
    for (let i = 0; i < booked.length; i += 1000) {
      const chunk = booked.slice(i, i + 1000);
      const values = chunk.map(() => `(?, ?, ?, ?, ?, 'APPROVED', ?, 'ROUTINE', 0, false, now(), now())`).join(',');
      const params = chunk.flatMap((s) => [randomUUID(), s.doctorId, randomUUID(), new Date(s.start).toISOString(), new Date(s.end).toISOString(), s.consultationType]);
      await orm.em.fork().execute(
        `insert into appointments (id, doctor_id, patient_id, starts_at, ends_at, status, consultation_type, category, priority, emergency, requested_at, updated_at) values ${values}`,
        params,
      );
    }
    await orm.em.fork().execute('analyze');
    process.stdout.write(`seeded ${DOCTORS} doctors, ${slots.length} slots in 30 days, ${booked.length} booked (${((100 * booked.length) / slots.length).toFixed(1)}%) in ${((performance.now() - seedStart) / 1000).toFixed(1)} s\n`);

    const patient = randomUUID();
    const query = `query($s: SlotSearchInput!) { availableSlots(search: $s) { slots { startsAt localStartsAt consultationType doctor { id } } endCursor hasNextPage } }`;
    type Figures = { p95: number; cpu: number };
    // Off and on alternate request by request (and which goes first alternates too), so the load of the
    // shared machine weighs on both alike: the ratio is what counts, the absolute figures drift with load.
    const run = async (label: string, search: Record<string, unknown>): Promise<{ off: Figures; on: Figures }> => {
      // A fresh token per scenario: a slow machine can outlast one token's lifetime over the whole run.
      const token = await signTestToken(keys, { sub: patient, roles: ['PATIENT'] });
      const variables = { s: { from: from.toISOString(), to: to.toISOString(), timeZone: 'Europe/Bucharest', first: 50, ...search } };
      const modes = [false, true].map((cached) => ({ cached, times: [] as number[], queries: 0, redisTrips: 0, cacheTrips: 0, cpuMicros: 0, returned: 0, windows: [] as [number, number][] }));
      for (const mode of modes) {
        cache.enabled = mode.cached;
        for (let i = 0; i < WARM_UP; i++) await gql(stack.router.url, query, { token, variables }); // warm-up
      }
      const profile = process.env.SLOT_SEARCH_PROFILE ? new Session() : null;
      if (profile) {
        profile.connect();
        await profile.post('Profiler.enable');
        await profile.post('Profiler.start');
      }
      for (let i = 0; i < REQUESTS; i++) {
        for (const mode of i % 2 ? [modes[1]!, modes[0]!] : modes) {
          cache.enabled = mode.cached;
          const before = { queries, redisTrips, cacheTrips, cpu: subgraphCpuMicros, windows: busyWindows.length };
          const t0 = performance.now();
          const res = await gql<{ availableSlots: { slots: unknown[] } }>(stack.router.url, query, { token, variables });
          mode.times.push(performance.now() - t0);
          if (res.body.errors) throw new Error(JSON.stringify(res.body.errors));
          mode.returned = res.body.data!.availableSlots.slots.length;
          mode.queries += queries - before.queries;
          mode.redisTrips += redisTrips - before.redisTrips;
          mode.cacheTrips += cacheTrips - before.cacheTrips;
          mode.cpuMicros += subgraphCpuMicros - before.cpu;
          mode.windows.push(...busyWindows.slice(before.windows));
        }
      }
      if (profile) {
        const { profile: result } = await profile.post('Profiler.stop');
        const file = `${process.env.SLOT_SEARCH_PROFILE}-${label.replace(/\W+/g, '-')}`;
        writeFileSync(`${file}.cpuprofile`, JSON.stringify(result));
        for (const mode of modes) writeFileSync(`${file}.${mode.cached ? 'on' : 'off'}.windows.json`, JSON.stringify(mode.windows));
        profile.disconnect();
      }
      const [off, on] = modes.map((mode) => {
        mode.times.sort((x, y) => x - y);
        const cpu = mode.cpuMicros / REQUESTS / 1000;
        process.stdout.write(
          `${label.padEnd(44)} cache ${mode.cached ? 'on ' : 'off'}  p50 ${percentile(mode.times, 50).toFixed(1)} ms  p95 ${percentile(mode.times, 95).toFixed(1)} ms  ` +
            `subgraph CPU/request ${cpu.toFixed(2)} ms  SQL queries/request ${(mode.queries / REQUESTS).toFixed(2)}  Redis round trips/request ${(mode.redisTrips / REQUESTS).toFixed(2)} (cache ${(mode.cacheTrips / REQUESTS).toFixed(2)})  ` +
            `(${mode.returned} slots/page, ${REQUESTS} requests)\n`,
        );
        return { p95: percentile(mode.times, 95), cpu };
      });
      return { off: off!, on: on! };
    };
    const scenarios: [string, Record<string, unknown>][] = [
      ['one specialisation (40 doctors), 30 days', { specialisation: 'CARDIOLOGY' }],
      ['one specialisation + language, 30 days', { specialisation: 'CARDIOLOGY', language: 'ro' }],
      ['all 200 doctors, 30 days', {}],
      ['all 200 doctors, 30 days, 200 slots/page', { first: 200 }],
      // A doctor who does not exist: one query, no slots. What any request costs the subgraph (token check,
      // GraphQL, HTTP): no cache can take the CPU per request below this.
      ['no such doctor (the floor)', { doctorIds: [randomUUID()] }],
    ];
    let first: { off: Figures; on: Figures } | null = null;
    let floor = 0;
    process.stdout.write(`load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}, NODE_ENV ${process.env.NODE_ENV ?? '(unset)'}\n`);
    for (const [label, search] of scenarios) {
      const { off, on } = await run(label, search);
      process.stdout.write(`${''.padEnd(44)} cache on/off: CPU ${(on.cpu / off.cpu).toFixed(2)}×  p95 ${(on.p95 / off.p95).toFixed(2)}×\n`);
      first ??= { off, on };
      floor = on.cpu;
    }
    process.stdout.write(`the floor is ${(floor / first!.off.cpu).toFixed(2)}× the first search's CPU without the cache\n`);
    // The search alone, without GraphQL, the token check and the answer's formatting around it.
    for (const [label, search] of scenarios.slice(0, 3)) {
      const perCall = async (cached: boolean) => {
        cache.enabled = cached;
        const s = { from, to, includeEmergency: false, specialisation: (search.specialisation as string | undefined) ?? null, language: (search.language as string | undefined) ?? null };
        const page = { limit: 50 };
        for (let i = 0; i < 10; i++) await searchAvailability(orm.em.fork(), clinic, cache, s, page);
        const start = process.cpuUsage();
        for (let i = 0; i < REQUESTS; i++) await searchAvailability(orm.em.fork(), clinic, cache, s, page);
        const used = process.cpuUsage(start);
        return (used.user + used.system) / REQUESTS / 1000;
      };
      const off = await perCall(false);
      const on = await perCall(true);
      process.stdout.write(`${label.padEnd(44)} search alone: CPU/call cache off ${off.toFixed(2)} ms, on ${on.toFixed(2)} ms (${(on / off).toFixed(2)}×)\n`);
    }
    process.stdout.write(`cache hits ${cache.stats.hits}, misses ${cache.stats.misses}, errors ${cache.stats.errors}; whole answers: hits ${definition.answerCache.stats.hits}, misses ${definition.answerCache.stats.misses}\n`);
    process.stdout.write(`load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}\n`);
    process.stdout.write(`target p95 < 50 ms: ${first!.on.p95 < 50 ? 'met' : 'NOT met'}; target CPU with cache ≤ 0.3× without: ${first!.on.cpu <= 0.3 * first!.off.cpu ? 'met' : 'NOT met'}\n`);
  } finally {
    await stack.stop();
  }
}

main().catch((error) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
