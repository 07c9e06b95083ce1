// One message understood: language, intent with confidence, entities with resolved values, sentiment,
// red flags and whether it corrects the previous answer. Pure: `now`, the zone and the doctors are inputs.
import { detectLanguage, type Language } from './language.ts';
import { scoreIntents, type Intent } from './intents.ts';
import { instantOf, parseWhen, type When } from './dates.ts';
import { doctorOf, type DirectoryDoctor } from './doctors.ts';
import { MEDICAL_ADVICE, redFlagOf, specialityOf } from './medical.ts';
import { sentimentOf, type Sentiment } from './sentiment.ts';
import { fold, matchesAny } from './text.ts';
import { matchExample, type LabelledExample } from './examples.ts';

export type EntityKind = 'DATETIME' | 'DATE' | 'TIME' | 'PART_OF_DAY' | 'DOCTOR' | 'SPECIALITY' | 'SYMPTOM' | 'RED_FLAG' | 'NUMBER';

export interface Entity {
  kind: EntityKind;
  text: string;
  value: string;
}

export interface Understanding {
  language: Language;
  intent: Intent;
  confidence: number;
  entities: Entity[];
  sentiment: Sentiment;
  sentimentScore: number;
  correction: boolean;
  when: When | null;
}

export interface UnderstandInput {
  text: string;
  now: Date;
  zone: string;
  doctors?: DirectoryDoctor[];
  /** The language of the conversation so far, used when the message alone does not tell. */
  language?: Language;
  /** Staff-labelled examples (the labelling loop) that extend the rules. */
  examples?: LabelledExample[];
}

const CORRECTION = /^(no|nope|actually|not|nu|ba nu|de fapt|mai bine)\b|\b(instead|rather|mai bine|in schimb)\b/;

function whenEntities(when: When | null, zone: string): Entity[] {
  if (!when) return [];
  const out: Entity[] = [];
  if (when.date && when.time) out.push({ kind: 'DATETIME', text: when.text, value: instantOf(when.date, when.time, zone) });
  else if (when.date) out.push({ kind: 'DATE', text: when.text, value: when.date });
  else if (when.time) out.push({ kind: 'TIME', text: when.text, value: when.time });
  if (when.partOfDay) out.push({ kind: 'PART_OF_DAY', text: when.partOfDay.toLowerCase(), value: when.partOfDay });
  return out;
}

export function understand(input: UnderstandInput): Understanding {
  const language = detectLanguage(input.text, input.language ?? 'en');
  const folded = fold(input.text);
  const { score, label } = sentimentOf(input.text);
  const entities: Entity[] = [];
  const flag = redFlagOf(folded);
  if (flag) entities.push({ kind: 'RED_FLAG', text: flag.text, value: flag.flag });
  const doctor = doctorOf(input.text, input.doctors ?? []);
  if (doctor) entities.push({ kind: 'DOCTOR', text: doctor.text, value: doctor.doctor.id });
  const speciality = specialityOf(folded);
  if (speciality) entities.push({ kind: speciality.via === 'WORD' ? 'SPECIALITY' : 'SYMPTOM', text: speciality.text, value: speciality.speciality });
  const when = parseWhen(input.text, language, input.now, input.zone);
  entities.push(...whenEntities(when, input.zone));
  const option = /^(?:option |optiunea |nr |#)?([1-3])$/.exec(folded);
  if (option) entities.push({ kind: 'NUMBER', text: option[0], value: option[1]! });

  let { intent, confidence } = scoreIntents(folded);
  if (flag) [intent, confidence] = ['EMERGENCY', 0.99];
  else if (matchesAny(folded, MEDICAL_ADVICE)) [intent, confidence] = ['MEDICAL_ADVICE', 0.9];
  else if (intent === 'OUT_OF_SCOPE' && speciality?.via === 'SYMPTOM') [intent, confidence] = ['BOOK', 0.6];
  else if (input.examples?.length && (intent === 'OUT_OF_SCOPE' || confidence < 0.7)) {
    const match = matchExample(folded, language, entities.map((e) => e.text), input.examples);
    if (match) {
      [intent, confidence] = [match.example.intent, match.similarity === 1 ? 0.95 : 0.6 + match.similarity / 4];
      for (const e of match.example.entities) {
        if (!entities.some((x) => x.kind === e.kind)) entities.push({ kind: e.kind as EntityKind, text: e.value, value: e.value });
      }
    }
  }
  return { language, intent, confidence, entities, sentiment: label, sentimentScore: score, correction: CORRECTION.test(folded), when };
}
