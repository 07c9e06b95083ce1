// Which language a message is in (English or Romanian), from Romanian letters and common words.
import { fold } from './text.ts';

export type Language = 'en' | 'ro';

const RO_WORDS = new Set(
  'si sa nu da vreau as doresc pot mi imi ma la cu de pe pentru este sunt am ai o un unei programare programez maine azi astazi buna multumesc mersi doctor doctorul medic medicul cand care ce cat cum unde vineri luni marti miercuri joi sambata duminica dimineata seara dupa vreo aveti mea meu mele mei programarea programarile anulez anuleaza muta mut alt alta pret preturi salut ziua te rog va rog'.split(' '),
);
const EN_WORDS = new Set(
  'i the a an to my me is are want would like can could book appointment appointments cancel please thanks thank you hello hi tomorrow today next at in with for what when which how where doctor price prices cost do does have need see some change move'.split(' '),
);

export function detectLanguage(text: string, fallback: Language = 'en'): Language {
  if (/[ăâîșşțţ]/i.test(text)) return 'ro';
  let ro = 0;
  let en = 0;
  for (const word of fold(text).split(' ')) {
    if (RO_WORDS.has(word)) ro += 1;
    if (EN_WORDS.has(word)) en += 1;
  }
  if (ro === en) return fallback;
  return ro > en ? 'ro' : 'en';
}
