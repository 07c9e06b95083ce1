// The labelling loop: staff see the messages the assistant did not understand (fallbacks and out-of-scope
// turns), most frequent first, and label one with its intent and entities; the label becomes an example the
// understanding uses from the next message on (understanding/examples.ts).
import { randomUUID } from 'node:crypto';
import { badUserInput, type UserViewer } from '@clinic/service-kit';
import type { EntityManager } from '@mikro-orm/postgresql';
import { z } from 'zod';
import { INTENTS, type Intent } from '../understanding/intents.ts';
import type { LabelledExample } from '../understanding/examples.ts';
import type { Language } from '../understanding/language.ts';
import { fold } from '../understanding/text.ts';

export interface Unrecognised {
  text: string;
  language: string;
  count: number;
  lastSeenAt: Date;
}

/** Unrecognised messages in the period, grouped by their folded text, most frequent first, without labelled ones. */
export async function unrecognisedMessages(em: EntityManager, from: Date, to: Date, opts: { language?: string | null; first: number }): Promise<Unrecognised[]> {
  const rows = await em.getConnection().execute<{ message: string; language: string; created_at: Date }[]>(
    `select message, language, created_at from assistant_turns
      where (outcome = 'FALLBACK' or intent = 'OUT_OF_SCOPE') and outcome is distinct from 'RATED' and author = 'BOT'
        and created_at >= ? and created_at < ? and message is not null
        ${opts.language ? 'and language = ?' : ''}
      order by created_at desc limit 5000`,
    opts.language ? [from, to, opts.language] : [from, to],
  );
  const labelled = new Set((await loadExamples(em)).map((e) => `${e.language}:${e.foldedText}`));
  const groups = new Map<string, Unrecognised>();
  for (const r of rows) {
    const key = `${r.language}:${fold(r.message)}`;
    if (labelled.has(key)) continue;
    const g = groups.get(key);
    if (g) g.count += 1;
    else groups.set(key, { text: r.message, language: r.language, count: 1, lastSeenAt: new Date(r.created_at) });
  }
  return [...groups.values()].sort((a, b) => b.count - a.count || b.lastSeenAt.getTime() - a.lastSeenAt.getTime()).slice(0, opts.first);
}

const LabelInput = z.object({
  text: z.string().trim().min(1).max(2000),
  language: z.enum(['en', 'ro']),
  intent: z.enum(INTENTS).refine((i) => i !== 'EMERGENCY', 'red flags are decided by the safety rules, not by labels'),
  entities: z.array(z.object({ kind: z.enum(['DOCTOR', 'SPECIALITY', 'SYMPTOM', 'PART_OF_DAY']), value: z.string().trim().min(1).max(100) })).max(10),
});

export interface LabelledRow {
  id: string;
  text: string;
  language: string;
  intent: Intent;
  entities: { kind: string; value: string }[];
  labelledBy: string;
  createdAt: Date;
}

/** Staff label a message (a new label for the same folded text replaces the old one). */
export async function labelMessage(em: EntityManager, staff: UserViewer, raw: unknown, now: Date): Promise<LabelledRow> {
  const parsed = LabelInput.safeParse(raw);
  if (!parsed.success) throw badUserInput(parsed.error.issues[0]?.message ?? 'invalid label');
  const input = parsed.data;
  const [row] = await em.getConnection().execute<{ id: string }[]>(
    `insert into assistant_labelled_examples (id, language, text, folded_text, intent, entities, labelled_by, created_at)
     values (?, ?, ?, ?, ?, ?::jsonb, ?, ?)
     on conflict (language, folded_text) do update set text = excluded.text, intent = excluded.intent, entities = excluded.entities,
       labelled_by = excluded.labelled_by, created_at = excluded.created_at
     returning id`,
    [randomUUID(), input.language, input.text, fold(input.text), input.intent, JSON.stringify(input.entities), staff.userId, now],
  );
  return { id: row!.id, text: input.text, language: input.language, intent: input.intent, entities: input.entities, labelledBy: staff.userId, createdAt: now };
}

/** Every labelled example (a small table: one row per distinct labelled message). */
export async function loadExamples(em: EntityManager): Promise<LabelledExample[]> {
  const rows = await em.getConnection().execute<{ language: Language; folded_text: string; intent: Intent; entities: { kind: string; value: string }[] }[]>(
    `select language, folded_text, intent, entities from assistant_labelled_examples order by created_at desc limit 5000`,
  );
  return rows.map((r) => ({ language: r.language, foldedText: r.folded_text, intent: r.intent, entities: r.entities }));
}
