// Text helpers shared by the rule-based understanding: accent folding (PGlite has no `unaccent`, so it is
// done here for both languages), tokenising, and number words in English and Romanian.

/** Lower case, accents folded (ă→a, î→i, ș/ş→s, ț/ţ→t), punctuation to spaces, single-spaced. */
export function fold(text: string): string {
  return text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[şș]/gi, 's')
    .replace(/[ţț]/gi, 't')
    .toLowerCase()
    .replace(/[^a-z0-9:'\s-]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

const NUMBER_WORDS: Record<string, number> = {
  one: 1, a: 1, an: 1, two: 2, three: 3, four: 4, five: 5, six: 6, seven: 7, eight: 8, nine: 9, ten: 10,
  o: 1, un: 1, una: 1, unu: 1, doua: 2, doi: 2, trei: 3, patru: 4, cinci: 5, sase: 6, sapte: 7, opt: 8, noua: 9, zece: 10,
};

/** A number written in digits or as an English/Romanian word (1–10), else null. */
export function numberOf(word: string): number | null {
  if (/^\d+$/.test(word)) return Number(word);
  return NUMBER_WORDS[word] ?? null;
}

/** True when any of the patterns (regular expressions over folded text) matches. */
export const matchesAny = (folded: string, patterns: RegExp[]) => patterns.some((p) => p.test(folded));
