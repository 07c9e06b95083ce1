// Intent rules, English and Romanian, over folded text: each intent has weighted patterns; the best total
// wins and confidence grows with the margin over the runner-up. No match at all is OUT_OF_SCOPE.

export const INTENTS = [
  'BOOK', 'RESCHEDULE', 'CANCEL', 'MY_APPOINTMENTS', 'AVAILABILITY', 'INFO', 'DOCTOR_INFO', 'GREETING', 'THANKS',
  'HUMAN', 'COMPLAINT', 'AFFIRM', 'DENY', 'MEDICAL_ADVICE', 'EMERGENCY', 'OUT_OF_SCOPE',
] as const;
export type Intent = (typeof INTENTS)[number];

type Rule = [RegExp, number];

const RULES: Partial<Record<Intent, Rule[]>> = {
  BOOK: [
    [/\b(book|schedule|make|set up|arrange|get) (an? |me an? )?(appointment|consultation|visit|check-?up|slot)\b/, 3],
    [/\b(book|booking)\b/, 2],
    [/\b(i (want|need|would like|'d like) to see|see (a|the) (doctor|dr|cardiologist|dermatologist|specialist))\b/, 2],
    [/\b(appointment with|consultation with|appointment for)\b/, 1.5],
    [/\b(i need|i want|i'd like|i would like) (a|an|to see a|to see an) (\w+ )?(doctor|specialist|consultation|cardiologist|dermatologist|check-?up)\b/, 2.5],
    [/\b(programare|programez|programeaza|programa|ma programez|fac o programare|vreau o consultatie|o consultatie)\b/, 2.5],
    [/\b(vreau|as vrea|doresc|as dori|am nevoie|trebuie) (sa merg |sa ajung )?(la|de) (un |o )?(doctor|medic|cardiolog|dermatolog|ginecolog|pediatru|specialist|ortoped|neurolog)\w*\b/, 2.5],
  ],
  RESCHEDULE: [
    [/\b(reschedul\w*|move|change|postpone|push back|bring forward) (my |the |our )?(appointment|booking|visit|consultation|it)\b/, 4],
    [/\breschedul\w*\b/, 3],
    [/\b(reprogram\w*|mut\w* (programarea|consultatia)|schimb\w* (programarea|ora|data|ziua)|amana\w*|aman (programarea|consultatia))\b/, 4],
  ],
  CANCEL: [
    [/\b(cancel|call off|drop) (my |the |our )?(appointment|booking|visit|consultation|it)\b/, 4],
    [/\bcancel\b/, 2.5],
    [/\b(anul\w*|renunt\w* la (programare|consultatie))\b/, 4],
  ],
  MY_APPOINTMENTS: [
    [/\b(my (upcoming |next |future )?(appointments?|bookings?|visits?)|when is my|do i have (an |any )?appointments?|what appointments)\b/, 3],
    [/\b(programaril\w* mele|programarea mea|am (vreo |o )?programare|cand am programare|cand e programarea|ce programari am)\b/, 3],
  ],
  AVAILABILITY: [
    [/\b(free slots?|available|availability|any (slots|openings|time)|when (is|are) .* free|earliest|first available|any openings|openings on)\b/, 3],
    [/\b(liber\w*|disponibil\w*|loc(uri)? liber\w*|cand (are|e|este) (liber|disponibil)|prima ora|cel mai devreme)\b/, 3],
  ],
  INFO: [
    [/\b(cancellation policy|policy|politica de anulare|politica|politici)\b/, 5],
    [/\b(price|prices|cost|costs|how much|fee|fees|pay|payment|insurance|opening hours|open on|parking|address|where (is|are) (the|your) clinic|policy|policies|what do i need to bring|prepare for|procedure|blood test)\b/, 3],
    [/\b(pret\w*|cost\w*|cat costa|tarif\w*|plat\w*|asigurare|program(ul)? (de lucru|clinicii)|deschis|parcare|adresa|unde (este|e) clinica|politic\w*|regul\w*|ce trebuie sa aduc|pregati\w*|procedur\w*|analize)\b/, 3],
  ],
  DOCTOR_INFO: [
    [/\b(who is (dr|doctor)|tell me about (dr|doctor)|which doctors?|what doctors|doctors? (who|that) speak|(dr|doctor) \w+'?s? (experience|qualifications|languages|specialit\w+)|about the doctor)\b/, 3],
    [/\b(cine este (dr|doctor\w*)|despre (dr|doctor\w*|medic\w*)|ce (doctori|medici)|care (doctori|medici)|ce specialitate are|medici care vorbesc)\b/, 3],
  ],
  GREETING: [[/^(hi|hello|hey|good (morning|afternoon|evening)|buna|buna ziua|buna dimineata|buna seara|salut|salutare|hei|servus)\b/, 2]],
  THANKS: [[/\b(thanks|thank you|thx|cheers|much appreciated|multumesc|multumim|mersi|merci)\b/, 2.5]],
  HUMAN: [
    [/\b(human|real person|operator|agent|someone (real|from the clinic)|talk to (a|an|someone)|speak (to|with) (a|an|someone)|receptionist|call me)\b/, 4],
    [/\b(om|persoana reala|operator\w*|cineva de la clinica|vorbesc cu (un|o|cineva)|receptie|recepti\w*|sunati-ma|suna-ma)\b/, 4],
  ],
  COMPLAINT: [
    [/\b(complain\w*|complaint|unacceptable|terrible service|rude|waited (for )?(hours|too long)|disappointed|angry|ridiculous)\b/, 4.5],
    [/\b(reclamati\w*|plang|plangere|inacceptabil|nepoliticos\w*|am asteptat (ore|prea mult)|dezamagit\w*|suparat\w*|nervos|ridicol|bataie de joc)\b/, 4.5],
  ],
  AFFIRM: [[/^(yes|yeah|yep|sure|ok|okay|correct|confirm|go ahead|do it|that'?s right|da|sigur|corect|confirm|e bine|bine|perfect|de acord|exact)( please| te rog| va rog)?$/, 3]],
  DENY: [[/^(no|nope|not really|nu|nu multumesc|no thanks|nu e bine|gresit|wrong)( thanks| thank you)?$/, 3]],
  MEDICAL_ADVICE: [],
};

export function scoreIntents(folded: string): { intent: Intent; confidence: number } {
  const scores: [Intent, number][] = [];
  for (const [intent, rules] of Object.entries(RULES) as [Intent, Rule[]][]) {
    const total = rules.reduce((sum, [re, weight]) => sum + (re.test(folded) ? weight : 0), 0);
    if (total > 0) scores.push([intent, total]);
  }
  scores.sort((a, b) => b[1] - a[1]);
  const [best, second] = scores;
  if (!best) return { intent: 'OUT_OF_SCOPE', confidence: 0.3 };
  const margin = best[1] - (second?.[1] ?? 0);
  return { intent: best[0], confidence: Math.min(0.99, 0.55 + Math.min(best[1], 4) / 10 + Math.min(margin, 3) / 20) };
}
