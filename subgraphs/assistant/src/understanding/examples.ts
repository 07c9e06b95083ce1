// Staff-labelled examples extend the rules: a message whose folded text is a labelled example takes its intent
// and entities; one the rules did not understand takes the intent of the most similar example (the words left
// once dates, times, doctors and filler words are set aside, overlapping by at least SIMILAR). Labels never
// override a clear rule, and red flags and medical-advice questions are decided before labels are looked at.
import type { Intent } from './intents.ts';
import type { Language } from './language.ts';
import { fold } from './text.ts';

export interface LabelledExample {
  language: Language;
  foldedText: string;
  intent: Intent;
  entities: { kind: string; value: string }[];
}

export const SIMILAR = 0.6;

const FILLER = new Set(
  [
    'i me my a an the to on in at for of is are be can could would please do does it this that some la o un una si sa pe de in cu ma mi imi va te rog pot as pentru ca e este',
    // When-words: the dates and times parsed from a message differ between otherwise equal requests.
    'today tomorrow next this week weekend morning afternoon evening am pm monday tuesday wednesday thursday friday saturday sunday',
    'azi astazi maine poimaine viitoare viitor saptamana dimineata seara dupa-amiaza amiaza luni marti miercuri joi vineri sambata duminica',
  ].join(' ').split(' '),
);

/** The words that carry the request: folded, without filler words and without the words of what was recognised. */
export function contentWords(folded: string, recognised: string[] = []): Set<string> {
  const skip = new Set(recognised.flatMap((t) => fold(t).split(' ')));
  return new Set(folded.split(' ').filter((w) => w.length > 1 && !/^\d/.test(w) && !FILLER.has(w) && !skip.has(w)));
}

function jaccard(a: Set<string>, b: Set<string>): number {
  if (!a.size || !b.size) return 0;
  let both = 0;
  for (const w of a) if (b.has(w)) both += 1;
  return both / (a.size + b.size - both);
}

export interface ExampleMatch {
  example: LabelledExample;
  similarity: number;
}

/** The labelled example this message is, or is most like (null below SIMILAR). */
export function matchExample(folded: string, language: Language, recognised: string[], examples: LabelledExample[]): ExampleMatch | null {
  const own = examples.filter((e) => e.language === language);
  const exact = own.find((e) => e.foldedText === folded);
  if (exact) return { example: exact, similarity: 1 };
  const words = contentWords(folded, recognised);
  let best: ExampleMatch | null = null;
  for (const example of own) {
    const similarity = jaccard(words, contentWords(example.foldedText, recognised));
    if (similarity >= SIMILAR && (!best || similarity > best.similarity)) best = { example, similarity };
  }
  return best;
}
