// Doctors by name, diacritics- and title-insensitive ("dr ionescu", "doctorul Ionescu", "Dr. Maria Ionescu"),
// against the directory the dialogue passes in.
import { fold } from './text.ts';

export interface DirectoryDoctor {
  id: string;
  name: string;
  specialisations?: string[];
}

const TITLES = new Set(['dr', 'doctor', 'doctorul', 'doctorului', 'doctora', 'doamna', 'domnul', 'prof', 'mr', 'mrs', 'ms', 'dna', 'dl']);

/** The doctor whose surname (or any name part of ≥ 3 letters) appears in the text; the longest match wins. */
export function doctorOf(text: string, doctors: DirectoryDoctor[]): { doctor: DirectoryDoctor; text: string } | null {
  const words = fold(text).split(' ').filter((w) => !TITLES.has(w));
  let best: { doctor: DirectoryDoctor; text: string; score: number } | null = null;
  for (const doctor of doctors) {
    const parts = fold(doctor.name).split(' ').filter((p) => p.length >= 3 && !TITLES.has(p));
    const hits = parts.filter((p) => words.includes(p) || words.includes(`${p}ului`) || words.includes(`${p}ul`));
    if (!hits.length) continue;
    const score = hits.length * 10 + (hits.includes(parts[parts.length - 1]!) ? 5 : 0);
    if (!best || score > best.score) best = { doctor, text: hits.join(' '), score };
  }
  return best ? { doctor: best.doctor, text: best.text } : null;
}
