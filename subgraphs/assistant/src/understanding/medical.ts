// Specialities and the everyday words for them, symptoms mapped to a speciality, and the red flags that
// must get the emergency number (112) at once. Patterns run over folded text (accents removed), English
// and Romanian side by side. The assistant never diagnoses: these only route.

export const SPECIALITY_WORDS: Record<string, RegExp> = {
  CARDIOLOGY: /\b(cardio\w*|heart doctor|heart specialist|heart|inima|inimii)\b/,
  DERMATOLOGY: /\b(dermat\w*|skin( doctor)?|piele|pielii)\b/,
  PEDIATRICS: /\b(pediatr\w*|children'?s doctor|doctor for (my|a) (child|kid|son|daughter)|copil\w*|bebelus\w*)\b/,
  NEUROLOGY: /\b(neurolog\w*|nerve doctor)\b/,
  ORTHOPEDICS: /\b(orthop\w*|ortoped\w*|bone doctor|oase|oaselor)\b/,
  OPHTHALMOLOGY: /\b(ophthalm\w*|oftalmolog\w*|eye doctor|eyes?|ochi|ochii|ochiul)\b/,
  GYNECOLOGY: /\b(gyn(a)?ecolog\w*|ginecolog\w*)\b/,
  ENT: /\b(ent|ear nose|orl|otorino\w*)\b/,
  GENERAL_PRACTICE: /\b(gp|family doctor|general practitioner|medic de familie|medicul de familie|medic generalist)\b/,
};

export const SYMPTOM_WORDS: [RegExp, string][] = [
  [/\b(palpitations?|palpitatii|high blood pressure|tensiune( mare| marita)?|hipertensiune)\b/, 'CARDIOLOGY'],
  [/\b(rash|acne|itch\w*|mole|eczema|eruptie|eruptii|acnee|mancarime|alunita|cos(uri)?)\b/, 'DERMATOLOGY'],
  [/\b(headaches?|migraines?|dizz\w*|durer\w* de cap|ma doare capul|migren\w*|ameteli|amețeli)\b/, 'NEUROLOGY'],
  [/\b(knee|back pain|sprain\w*|joint pain|genunchi\w*|durer\w* de spate|ma doare spatele|entorsa|articulati\w*)\b/, 'ORTHOPEDICS'],
  [/\b(blurry vision|red eye|vedere incetosata|ma dor ochii|ochi rosii)\b/, 'OPHTHALMOLOGY'],
  [/\b(sore throat|earache|ear pain|sinus\w*|durere de gat|ma doare gatul|ma doare urechea|sinuzita)\b/, 'ENT'],
  [/\b(fever|cough\w*|cold|flu|febra|tuse|raceala|racit\w*|gripa)\b/, 'GENERAL_PRACTICE'],
];

export const RED_FLAGS: [RegExp, string][] = [
  [/\b(chest pain|pain in (my|the) chest|chest (hurts|tightness)|durer\w* (in|de) piept|ma doare (in )?pieptul|durere toracica|apasare in piept)\b/, 'CHEST_PAIN'],
  [/\b(can'?t breathe|cannot breathe|trouble breathing|difficulty breathing|short(ness)? of breath|struggling to breathe|nu pot respira|nu pot sa respir|respir (foarte )?greu|ma sufoc|lipsa de aer|nu am aer)\b/, 'BREATHING'],
  [/\b(stroke|face (is )?droop\w*|slurred speech|numb on one side|can'?t move (my )?(arm|leg)|accident vascular|avc|gura stramba|fata stramba|nu pot vorbi|amortit pe o parte|paralizat\w*)\b/, 'STROKE'],
  [/\b(kill myself|suicid\w*|end my life|want to die|hurt myself|sinucid\w*|sinucidere|imi iau viata|vreau sa mor|nu mai vreau sa traiesc|sa ma omor)\b/, 'SUICIDAL'],
  [/\b(unconscious|passed out|severe bleeding|bleeding heavily|lesinat|inconstient|sangerare puternica|sangereaza puternic)\b/, 'COLLAPSE_OR_BLEEDING'],
];

/** Questions asking for medical advice or a diagnosis (handed to a human, never answered by the bot). */
export const MEDICAL_ADVICE: RegExp[] = [
  /\b(what (medicine|medication|pill|drug)s?|should i take|is (it|this) serious|do i have (a |an )?(infection|cancer|disease|diabetes|\w+itis)|could it be|diagnos\w*|what dose|how much \w+ should i)\b/,
  /\b(ce (medicament\w*|pastil\w*) sa iau|ce sa iau|e grav|este grav|am cumva|ar putea fi|diagnostic\w*|ce doza)\b/,
];

export function specialityOf(folded: string): { speciality: string; via: 'WORD' | 'SYMPTOM'; text: string } | null {
  for (const [code, re] of Object.entries(SPECIALITY_WORDS)) {
    const m = re.exec(folded);
    if (m) return { speciality: code, via: 'WORD', text: m[0] };
  }
  for (const [re, code] of SYMPTOM_WORDS) {
    const m = re.exec(folded);
    if (m) return { speciality: code, via: 'SYMPTOM', text: m[0] };
  }
  return null;
}

export function redFlagOf(folded: string): { flag: string; text: string } | null {
  for (const [re, flag] of RED_FLAGS) {
    const m = re.exec(folded);
    if (m) return { flag, text: m[0] };
  }
  return null;
}
