// The blind index: words of a message become keyed HMACs of their normalised, stemmed, accent-folded forms
// (English and Romanian stems, so "appointments" finds "appointment" and "programările" finds
// "programare"), stored in message_terms. The service can find messages by word without storing words;
// someone with the database but not the key learns only which messages share a term.
import { createHmac } from 'node:crypto';
import * as snowball from 'snowball-stemmers';

const english = snowball.newStemmer('english');
const romanian = snowball.newStemmer('romanian');

const MAX_WORDS = 500;

/** Lower case without accents: "Programările" → "programarile", "ș/ş" → "s". */
export function fold(word: string): string {
  return word.normalize('NFD').replace(/\p{M}+/gu, '').toLowerCase();
}

/** Romanian text is written with either comma-below (ș ț) or cedilla (ş ţ) letters; the stemmer knows the first. */
const canonicalRo = (word: string) => word.toLowerCase().replace(/ş/g, 'ș').replace(/ţ/g, 'ț').normalize('NFC');

export function words(text: string): string[] {
  const found = text.normalize('NFC').match(/[\p{L}\p{N}]+/gu) ?? [];
  return [...new Set(found.filter((w) => w.length >= 2).map((w) => w.toLowerCase()))].slice(0, MAX_WORDS);
}

const DIGITS_ONLY = /^[0-9]+$/;

/** Every form a word is indexed and searched under: its folded English and Romanian stems. */
export function forms(word: string): string[] {
  // Numbers (times, amounts, codes) have no stem and nothing to fold: the stemmers would give them back as is.
  if (DIGITS_ONLY.test(word)) return [word];
  const ro = canonicalRo(word);
  const folded = fold(word);
  return [...new Set([fold(english.stem(folded)), fold(romanian.stem(ro)), fold(romanian.stem(folded))])];
}

/** Words whose terms are remembered (stemming twice and three HMACs cost more than the rest of a send). */
const REMEMBERED_WORDS = 20_000;

export function createBlindIndex(key: Buffer) {
  const term = (form: string) => createHmac('sha256', key).update(form).digest('base64url').slice(0, 32);
  // Conversation words repeat; the process holds the plaintext of what it indexes anyway. Bounded: the oldest
  // remembered word goes first.
  const remembered = new Map<string, string[]>();
  const termsOfWord = (word: string): string[] => {
    let terms = remembered.get(word);
    if (!terms) {
      terms = forms(word).map(term);
      if (remembered.size >= REMEMBERED_WORDS) remembered.delete(remembered.keys().next().value!);
      remembered.set(word, terms);
    }
    return terms;
  };
  return {
    /** The terms stored for a text. */
    termsOf(text: string): string[] {
      return [...new Set(words(text).flatMap(termsOfWord))];
    },
    /** Per query word, the terms any of which must match. */
    queryTerms(query: string): string[][] {
      return words(query).slice(0, 10).map((w) => [...termsOfWord(w)]);
    },
  };
}
export type BlindIndex = ReturnType<typeof createBlindIndex>;
