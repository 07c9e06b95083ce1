// Assistant benchmark (rule-based, no LLM):
//  1. intent accuracy, entity recall and language detection on the labelled set, per language;
//  2. reply latency p50/p95 per language (target p95 < 50 ms): every labelled utterance as one turn,
//     (a) understanding + dialogue engine in process with an in-memory clinic API (the engine alone), and
//     (b) the whole turn as askAssistant and chat run it: context and labelled examples read, knowledge
//     search over seeded EN/RO articles, the doctor list and any slot search through the real router with a
//     patient's token (identity + appointments with a doctor's weekly schedule, real Postgres and Redis), the
//     turn and context written. Everything runs in this one process, so besides wall time it reports CPU time
//     per turn, SQL statements on the assistant's database per turn and router calls per turn, which the
//     machine's load does not distort.
//   npx tsx scripts/bench/assistant.ts [rounds=3]
import { randomUUID } from 'node:crypto';
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import type { MikroORM } from '@mikro-orm/postgresql';
import { startAssistantClinic } from '../../subgraphs/assistant/src/testing/clinic.ts';
import { clinicApi } from '../../subgraphs/assistant/src/clinic-api/clinic-api.ts';
import { directoryCache } from '../../subgraphs/assistant/src/clinic-api/directory-cache.ts';
import { loadLabelledSet, scoreLanguage, understandLabelled } from '../../subgraphs/assistant/src/understanding/labelled-set.ts';
import { respond } from '../../subgraphs/assistant/src/dialogue/engine.ts';
import { converse } from '../../subgraphs/assistant/src/conversation/ask.ts';
import type { ClinicApi, FreeSlot } from '../../subgraphs/assistant/src/clinic-api/clinic-api.ts';
import type { Language } from '../../subgraphs/assistant/src/understanding/language.ts';

const ROUNDS = Number(process.argv[2] ?? 3);
const set = loadLabelledSet();
const now = new Date(set.now);
const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
const ms = (n: number) => `${n.toFixed(2)} ms`;

function memoryApi(): ClinicApi {
  const doctors = set.doctors.map((d) => ({ ...d, specialisations: ['CARDIOLOGY'] }));
  const slots: FreeSlot[] = doctors.flatMap((d) =>
    [1, 2, 3, 4].map((day) => ({
      doctorId: d.id, doctorName: d.name, consultationType: 'IN_PERSON',
      startsAt: new Date(now.getTime() + day * 86_400_000).toISOString(), localStartsAt: '',
    })),
  );
  return {
    doctors: async () => doctors,
    searchSlots: async () => ({ ok: true, data: slots }),
    requestAppointment: async (i) => ({ ok: true, data: { id: randomUUID(), status: 'REQUESTED', startsAt: i.startsAt } }),
    cancelAppointment: async (id) => ({ ok: true, data: { id, status: 'CANCELLED' } }),
    rescheduleAppointment: async (id, startsAt) => ({ ok: true, data: { id, status: 'REQUESTED', startsAt } }),
    myAppointments: async () => ({ ok: true, data: [] }),
  };
}

function report(label: string, samples: number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  const p95 = percentile(sorted, 95);
  console.log(`  ${label}: n=${sorted.length} p50 ${ms(percentile(sorted, 50))} p95 ${ms(p95)} max ${ms(sorted.at(-1)!)} ${p95 < 50 ? '(target p95 < 50 ms: met)' : '(target p95 < 50 ms: MISSED)'}`);
}

async function main() {
  // Latencies on a shared machine say little without its load.
  console.log(`machine load average (1 min): ${loadavg()[0]!.toFixed(1)}`);
  console.log(`labelled set: ${set.utterances.length} utterances`);
  for (const lang of ['en', 'ro'] as const) {
    const s = scoreLanguage(set, lang);
    console.log(`  ${lang}: ${s.utterances} utterances, intent accuracy ${(s.intentAccuracy * 100).toFixed(1)} %, entity recall ${(s.entityRecall * 100).toFixed(1)} %, language detected ${(s.languageAccuracy * 100).toFixed(1)} %`);
  }

  const api = memoryApi();
  console.log(`reply latency, understanding + dialogue engine in process (${ROUNDS} rounds):`);
  for (const lang of ['en', 'ro'] as Language[]) {
    const samples: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      for (const u of set.utterances.filter((x) => x.lang === lang)) {
        const started = performance.now();
        const understood = understandLabelled(set, u.text);
        await respond({
          message: u.text, understood, api, now, changeDeadlineHours: 24,
          state: { language: lang, zone: set.zone, flow: null, lastDoctorId: null, misunderstandings: 0 },
        });
        samples.push(performance.now() - started);
      }
    }
    report(lang, samples);
  }

  // The assistant's outbox relay idle: its polling is not part of a turn (the CPU figures are process-wide).
  const clinic = await startAssistantClinic({ assistant: { relayPollMs: 3_600_000 } });
  try {
    const orm = clinic.stack.subgraphs.assistant!.orm;
    const counted = countCalls(orm, clinic.url);
    for (const [i, [language, title, body]] of ARTICLES.entries()) {
      await clinic.call(`mutation($input: KnowledgeArticleInput!) { saveKnowledgeArticle(input: $input) { id } }`, {
        input: { slug: `bench-${Math.floor(i / 2)}`, language, category: 'FAQ', title, body },
      }, clinic.people.operator.token);
    }
    const realNow = () => new Date();
    const clock = { now: realNow, changeDeadlineHours: 24 };
    // As askAssistant builds it: the patient's token, the doctor list shared for a minute.
    const patientApi = directoryCache()(clinicApi(clinic.url, `Bearer ${clinic.people.patient.token}`));
    console.log(`reply latency, the whole turn (Postgres, knowledge search, doctors and slots through the router) (${ROUNDS} rounds):`);
    for (const lang of ['en', 'ro'] as Language[]) {
      const samples: number[] = [];
      const withApi: number[] = [];
      const ownOnly: number[] = [];
      const cpuOf = { api: 0, own: 0 };
      counted.reset();
      const cpu = process.cpuUsage();
      for (let r = 0; r < ROUNDS; r++) {
        // A fresh context per utterance (as the labelled set is scored); the API acts as the signed-in patient.
        for (const u of set.utterances.filter((x) => x.lang === lang)) {
          const calls = counted.router;
          const started = performance.now();
          const turnCpu = process.cpuUsage();
          await converse(orm.em.fork(), { userId: randomUUID() }, { message: u.text, sessionId: null, timeZone: set.zone }, patientApi, clock, { canAct: true });
          const took = performance.now() - started;
          const spent = process.cpuUsage(turnCpu);
          samples.push(took);
          const api = counted.router > calls;
          (api ? withApi : ownOnly).push(took);
          cpuOf[api ? 'api' : 'own'] += (spent.user + spent.system) / 1000;
        }
      }
      const used = process.cpuUsage(cpu);
      report(lang, samples);
      // The turns that searched slots or listed appointments through the router, and those that did not.
      report(`${lang}, turns calling the router`, withApi);
      report(`${lang}, turns not calling it`, ownOnly);
      console.log(`    CPU per turn calling the router ${ms(cpuOf.api / Math.max(1, withApi.length))}, not calling it ${ms(cpuOf.own / Math.max(1, ownOnly.length))}`);
      const n = samples.length;
      console.log(`    per turn: CPU ${ms((used.user + used.system) / 1000 / n)} (whole stack in this process), ${(counted.sql / n).toFixed(1)} SQL statements (assistant), ${(counted.router / n).toFixed(2)} router calls`);
    }
    console.log(`machine load average (1 min) at the end: ${loadavg()[0]!.toFixed(1)}`);
  } finally {
    await clinic.stop();
  }
}

/** Counts SQL statements on the assistant's connection and calls to the router (this process's fetch). */
function countCalls(orm: MikroORM, routerUrl: string) {
  const counts = { sql: 0, router: 0 };
  const connection = orm.em.getConnection() as unknown as { execute: (...a: unknown[]) => Promise<unknown> };
  const execute = connection.execute.bind(connection);
  connection.execute = (...a: unknown[]) => {
    counts.sql += 1;
    return execute(...a);
  };
  const realFetch = globalThis.fetch;
  globalThis.fetch = (input, init) => {
    if (String(input instanceof Request ? input.url : input).startsWith(routerUrl)) counts.router += 1;
    return realFetch(input, init);
  };
  return {
    get sql() { return counts.sql; },
    get router() { return counts.router; },
    reset: () => Object.assign(counts, { sql: 0, router: 0 }),
  };
}

/** A small knowledge base in both languages, so that the knowledge search has something to rank. */
const ARTICLES: [string, string, string][] = [
  ['en', 'Prices of consultations', 'A first consultation costs 250 lei, a follow-up within 30 days 150 lei. An ECG costs 80 lei.'],
  ['ro', 'Prețurile consultațiilor', 'O primă consultație costă 250 lei, un control în 30 de zile 150 lei. O electrocardiogramă costă 80 lei.'],
  ['en', 'Cancelling and rescheduling', 'You can cancel or move an appointment up to 24 hours before it starts, in the app or with the assistant.'],
  ['ro', 'Anularea și mutarea programărilor', 'Puteți anula sau muta o programare cu cel puțin 24 de ore înainte, în aplicație sau cu asistentul.'],
  ['en', 'Opening hours and address', 'The clinic is open Monday to Saturday from 8 to 20, at 10 Victory Street. Parking is free for patients.'],
  ['ro', 'Program și adresă', 'Clinica este deschisă de luni până sâmbătă între 8 și 20, pe strada Victoriei 10. Parcarea este gratuită pentru pacienți.'],
  ['en', 'Insurance', 'We accept the national health insurance for referrals and most private insurers; bring your card.'],
  ['ro', 'Asigurări', 'Acceptăm asigurarea națională de sănătate cu bilet de trimitere și majoritatea asigurărilor private; aduceți cardul.'],
];

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
