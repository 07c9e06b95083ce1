// Finding doctors by the words patients use: "cardio", "heart", "Cardiologie", "inimă" all find a
// doctor whose specialisation reads "Cardiology"; "English", "engleză" or "en" find a doctor who lists
// "en". Matching is case- and accent-insensitive and by part of a word. Doctors write their
// specialisations freely, so a speciality is matched by stems (the part every spelling shares), and
// everyday words and translations lead to those stems. Suggestions come from what the directory holds.
import type { EntityManager } from '@mikro-orm/postgresql';

/** Stems found in the written specialisation ← the words (English and Romanian, folded) that lead there. */
const SPECIALITIES: { stems: string[]; words: string[] }[] = [
  { stems: ['cardio'], words: ['cardiology', 'cardiologie', 'cardiolog', 'heart', 'inima', 'cardiac'] },
  { stems: ['dermato'], words: ['dermatology', 'dermatologie', 'skin', 'piele'] },
  { stems: ['neuro'], words: ['neurology', 'neurologie', 'brain', 'creier', 'nerves', 'nervi'] },
  { stems: ['pediatr', 'paediatr'], words: ['pediatrics', 'paediatrics', 'pediatrie', 'children', 'child', 'copii', 'copil'] },
  { stems: ['ophthalm', 'oftalm'], words: ['ophthalmology', 'oftalmologie', 'eye', 'eyes', 'ochi', 'vision', 'vedere'] },
  { stems: ['orthop', 'ortoped'], words: ['orthopaedics', 'orthopedics', 'ortopedie', 'bones', 'bone', 'oase', 'joints', 'articulatii'] },
  { stems: ['gastro'], words: ['gastroenterology', 'gastroenterologie', 'stomach', 'stomac', 'digestion', 'digestie'] },
  { stems: ['gyn', 'ginec'], words: ['gynaecology', 'gynecology', 'ginecologie', 'women', 'femei'] },
  { stems: ['psych', 'psih'], words: ['psychiatry', 'psihiatrie', 'psychology', 'psihologie', 'mental'] },
  { stems: ['dent', 'stomatolog'], words: ['dentistry', 'stomatologie', 'teeth', 'tooth', 'dinti', 'dinte'] },
  { stems: ['family', 'familie', 'general'], words: ['family medicine', 'medicina de familie', 'gp', 'general practice'] },
];

/** Language codes ← their names in English, Romanian and the language itself (folded). */
const LANGUAGES: Record<string, string[]> = {
  en: ['english', 'engleza'],
  ro: ['romanian', 'romana'],
  fr: ['french', 'franceza', 'francais'],
  de: ['german', 'germana', 'deutsch'],
  es: ['spanish', 'spaniola', 'espanol'],
  it: ['italian', 'italiana', 'italiano'],
  hu: ['hungarian', 'maghiara', 'magyar'],
};

const ACCENTED = 'ăâîșşțţéèêëáàäóòöúùüíìïçñ';
const PLAIN = 'aaisstteeeeaaaooouuuiiicn';

/** Lower case without accents: "Inimă" → "inima". The SQL twin is `foldSql`. */
export function fold(text: string): string {
  return text.toLowerCase().normalize('NFD').replace(/\p{M}/gu, '').trim();
}

const foldSql = (column: string) => `translate(lower(${column}), '${ACCENTED}', '${PLAIN}')`;

/** A typed word leads to a known word when one starts with the other (3 letters at least). */
const leadsTo = (typed: string, word: string) => typed.length >= 3 && (word.startsWith(typed) || typed.startsWith(word));

/** Stems to look for in specialisations: what was typed, plus the stems its words lead to. */
export function specialityStems(text: string): string[] {
  const typed = fold(text);
  if (!typed) return [];
  const stems = new Set([typed]);
  for (const s of SPECIALITIES) if (s.words.some((w) => leadsTo(typed, w)) || s.stems.some((st) => leadsTo(typed, st))) s.stems.forEach((st) => stems.add(st));
  return [...stems];
}

/** The language a word names ("română", "English", "en"), with every way a doctor may have written it. */
export function languageSpellings(text: string): string[] | null {
  const typed = fold(text);
  for (const [code, words] of Object.entries(LANGUAGES)) if (typed === code || words.some((w) => leadsTo(typed, w))) return [code, ...words];
  return null;
}

type DirectoryWords = { specialisation?: string | null; language?: string | null; text?: string | null };
type Conditions = { readonly where: readonly string[]; readonly params: readonly unknown[] };

/** The same few searches come again and again (a partner polling, the search box's usual words). */
const remembered = new Map<string, Conditions>();
const REMEMBERED_MAX = 500;

/** Directory conditions (SQL over doctor_directory) for a speciality, a language, or one free text for either. */
export function directoryConditions(s: DirectoryWords): Conditions {
  const key = `${s.specialisation ?? ''}\u0000${s.language ?? ''}\u0000${s.text ?? ''}`;
  let conditions = remembered.get(key);
  if (!conditions) {
    conditions = conditionsOf(s);
    if (remembered.size >= REMEMBERED_MAX) remembered.delete(remembered.keys().next().value!);
    remembered.set(key, conditions);
  }
  return conditions;
}

function conditionsOf(s: DirectoryWords): Conditions {
  const where: string[] = [];
  const params: unknown[] = [];
  const speciality = (value: string) => {
    const stems = specialityStems(value);
    where.push(`exists (select 1 from unnest(specialisations) s where ${stems.map(() => `${foldSql('s')} like ?`).join(' or ')})`);
    params.push(...stems.map((st) => `%${st.replace(/[%_\\]/g, '\\$&')}%`));
  };
  const language = (spellings: string[]) => {
    where.push(`exists (select 1 from unnest(languages) l where ${foldSql('l')} = any(?::text[]))`);
    params.push(`{${spellings.map((v) => `"${v}"`).join(',')}}`);
  };
  if (s.specialisation?.trim()) speciality(s.specialisation);
  if (s.language?.trim()) language(languageSpellings(s.language) ?? [fold(s.language).replace(/["\\{},]/g, '')]);
  if (s.text?.trim()) {
    const spellings = languageSpellings(s.text);
    if (spellings) language(spellings);
    else speciality(s.text);
  }
  return { where, params };
}

export interface SearchSuggestion {
  kind: 'SPECIALITY' | 'LANGUAGE';
  value: string;
}

/** Specialisations and languages of active doctors that the typed text would find (at most 10). */
export async function searchSuggestions(em: EntityManager, text: string): Promise<SearchSuggestion[]> {
  if (fold(text).length < 2) return [];
  const out: SearchSuggestion[] = [];
  const spellings = languageSpellings(text);
  if (spellings) {
    const rows: { value: string }[] = await em.execute(
      `select distinct l as value from doctor_directory, unnest(languages) l where active and ${foldSql('l')} = any(?::text[]) limit 5`,
      [`{${spellings.map((v) => `"${v}"`).join(',')}}`],
    );
    out.push(...rows.map((r) => ({ kind: 'LANGUAGE' as const, value: r.value })));
  }
  const stems = specialityStems(text);
  const rows: { value: string }[] = await em.execute(
    `select distinct s as value from doctor_directory, unnest(specialisations) s where active and (${stems.map(() => `${foldSql('s')} like ?`).join(' or ')}) order by 1 limit 10`,
    stems.map((st) => `%${st.replace(/[%_\\]/g, '\\$&')}%`),
  );
  out.push(...rows.map((r) => ({ kind: 'SPECIALITY' as const, value: r.value })));
  return out.slice(0, 10);
}
