// Sentiment from a small English and Romanian lexicon over folded words, with negation ("not good",
// "nu e bine") flipping the next word. Score in [-1, 1].
import { fold } from './text.ts';

export type Sentiment = 'POSITIVE' | 'NEUTRAL' | 'NEGATIVE';

const POSITIVE = new Set(
  'good great thanks thank perfect excellent nice happy love awesome wonderful helpful fine ok okay bine super excelent perfect multumesc mersi minunat fericit mulțumit multumit frumos placut util'.split(' '),
);
const NEGATIVE = new Set(
  'bad terrible awful angry annoyed useless worst hate horrible disappointed frustrated ridiculous unacceptable rude slow stupid wrong prost proasta groaznic oribil nervos suparat supărat inutil dezamagit dezamăgit frustrat ridicol inacceptabil nepoliticos lent jalnic nemultumit nemulțumit'.split(' '),
);
const NEGATORS = new Set(['not', "don't", 'dont', 'no', 'never', 'nu', 'nici']);

export function sentimentOf(text: string): { score: number; label: Sentiment } {
  const words = fold(text).split(' ');
  let score = 0;
  let hits = 0;
  for (let i = 0; i < words.length; i += 1) {
    const w = words[i]!;
    const sign = POSITIVE.has(w) ? 1 : NEGATIVE.has(w) ? -1 : 0;
    if (!sign) continue;
    const negated = (i > 0 && NEGATORS.has(words[i - 1]!)) || (i > 1 && NEGATORS.has(words[i - 2]!) && ['e', 'is', 'este', 'was', 'a'].includes(words[i - 1]!));
    score += negated ? -sign : sign;
    hits += 1;
  }
  const normalised = hits ? Math.max(-1, Math.min(1, score / Math.max(2, hits))) : 0;
  const label: Sentiment = normalised <= -0.3 ? 'NEGATIVE' : normalised >= 0.3 ? 'POSITIVE' : 'NEUTRAL';
  return { score: normalised, label };
}
