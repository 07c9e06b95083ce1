// Assistant benchmark (rule-based, no LLM):
//  1. intent accuracy, entity recall and language detection on the labelled set, per language;
//  2. reply latency p50/p95 per language (target p95 < 50 ms): every labelled utterance as one turn,
//     (a) understanding + dialogue engine in process, and (b) the whole turn as askAssistant runs it
//     (context read, knowledge search, the turn and context written in one transaction) on the real
//     Postgres (a throwaway schema). The clinic API is an in-memory one here: its own latency is the
//     slot-search benchmark's subject, and the assistant's share is what this one measures.
//   npx tsx scripts/bench/assistant.ts [rounds=3]
import { randomUUID } from 'node:crypto';
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { createTestKeys } from '@clinic/service-kit/testing';
import { startStack } from '@clinic/router/src/testing/harness.ts';
import { createAssistantSubgraph } from '../../subgraphs/assistant/src/service.ts';
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

  const keys = await createTestKeys();
  const stack = await startStack(keys, [createAssistantSubgraph({ queuePrefix: `bench${randomUUID().slice(0, 8)}-`, relayPollMs: 3_600_000 })], { LOG_LEVEL: 'warn' });
  try {
    const orm = stack.subgraphs.assistant!.orm;
    const clock = { now: () => now, changeDeadlineHours: 24 };
    console.log(`reply latency, the whole turn with Postgres (context, knowledge search, turn written) (${ROUNDS} rounds):`);
    for (const lang of ['en', 'ro'] as Language[]) {
      const samples: number[] = [];
      for (let r = 0; r < ROUNDS; r++) {
        // A user per utterance: every turn starts from a fresh context, as the labelled set is scored.
        for (const u of set.utterances.filter((x) => x.lang === lang)) {
          const started = performance.now();
          await converse(orm.em.fork(), { userId: randomUUID() }, { message: u.text, sessionId: null, timeZone: set.zone }, api, clock, { canAct: true });
          samples.push(performance.now() - started);
        }
      }
      report(lang, samples);
    }
  } finally {
    await stack.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
