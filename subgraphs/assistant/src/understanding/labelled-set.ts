// The labelled set (labelled-utterances.json, English and Romanian) and its scoring against the rule-based
// understanding: intent accuracy, entity recall and language detection per language. The test holds it to a
// floor; `npm run bench -- assistant` prints it.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { understand, type Understanding } from './understand.ts';
import type { Language } from './language.ts';

export interface Labelled {
  lang: Language;
  text: string;
  intent: string;
  entities?: { kind: string; value: string }[];
}

export interface LabelledSet {
  now: string;
  zone: string;
  doctors: { id: string; name: string }[];
  utterances: Labelled[];
}

export const loadLabelledSet = (): LabelledSet => JSON.parse(readFileSync(path.join(__dirname, 'labelled-utterances.json'), 'utf8')) as LabelledSet;

export interface Score {
  utterances: number;
  intentAccuracy: number;
  entityRecall: number;
  languageAccuracy: number;
  misses: string[];
}

export function understandLabelled(set: LabelledSet, text: string): Understanding {
  return understand({ text, now: new Date(set.now), zone: set.zone, doctors: set.doctors });
}

export function scoreLanguage(set: LabelledSet, lang: Language): Score {
  const items = set.utterances.filter((u) => u.lang === lang);
  const misses: string[] = [];
  let intents = 0;
  let languages = 0;
  let expected = 0;
  let found = 0;
  for (const u of items) {
    const got = understandLabelled(set, u.text);
    if (got.intent === u.intent) intents += 1;
    else misses.push(`intent ${u.text} → ${got.intent} (want ${u.intent})`);
    // A message of one or two words says too little to tell the language: the conversation's carries on.
    if (got.language === lang || u.text.split(' ').length < 3) languages += 1;
    for (const e of u.entities ?? []) {
      expected += 1;
      if (got.entities.some((g) => g.kind === e.kind && g.value === e.value)) found += 1;
      else misses.push(`entity ${u.text} → ${JSON.stringify(got.entities)} (want ${e.kind}=${e.value})`);
    }
  }
  return {
    utterances: items.length,
    intentAccuracy: intents / items.length,
    entityRecall: expected ? found / expected : 1,
    languageAccuracy: languages / items.length,
    misses,
  };
}
