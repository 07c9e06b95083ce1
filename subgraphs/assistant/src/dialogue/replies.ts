// What the assistant says, in English and Romanian. Never a diagnosis; red flags always give 112.
import { DateTime } from 'luxon';
import type { Language } from '../understanding/language.ts';

const TEXT = {
  emergency: {
    en: 'This may be an emergency. Call 112 now. I am alerting our staff to contact you urgently. I cannot give a diagnosis.',
    ro: 'Poate fi o urgență. Sunați acum la 112. Anunț personalul clinicii să vă contacteze urgent. Nu pot pune un diagnostic.',
  },
  medicalAdvice: {
    en: 'I cannot give medical advice or a diagnosis. I am passing your question to our staff; I can also book you a consultation.',
    ro: 'Nu pot da sfaturi medicale sau un diagnostic. Vă transmit întrebarea personalului clinicii; vă pot și programa la o consultație.',
  },
  human: { en: 'I am connecting you with a member of our staff. They will answer here shortly.', ro: 'Vă pun în legătură cu cineva din personalul clinicii. Vă va răspunde aici în curând.' },
  sorryHandoff: { en: 'I am sorry about this. I am passing the conversation to a member of our staff.', ro: 'Îmi pare rău. Transmit conversația cuiva din personalul clinicii.' },
  misunderstood: { en: 'Sorry, I did not understand. I can book, move or cancel appointments, or answer questions about the clinic.', ro: 'Scuze, nu am înțeles. Pot programa, muta sau anula programări și pot răspunde la întrebări despre clinică.' },
  misunderstoodTwice: { en: 'I still did not understand, so I am passing you to a member of our staff.', ro: 'Tot nu am înțeles, așa că vă transfer către cineva din personalul clinicii.' },
  greeting: { en: 'Hello! I am the clinic assistant. How can I help?', ro: 'Bună ziua! Sunt asistentul clinicii. Cu ce vă pot ajuta?' },
  thanks: { en: 'You are welcome!', ro: 'Cu plăcere!' },
  what: { en: 'Which doctor or speciality would you like?', ro: 'La ce medic sau specialitate doriți programarea?' },
  when: { en: 'When would suit you? (e.g. "tomorrow afternoon")', ro: 'Când vă convine? (de ex. „mâine după-amiază”)' },
  noSlots: { en: 'I found no free slots then. Try another day or time?', ro: 'Nu am găsit locuri libere atunci. Încercăm altă zi sau oră?' },
  offer: { en: 'These are the best free slots:', ro: 'Acestea sunt cele mai potrivite locuri libere:' },
  pickSlot: { en: 'Please choose one of the slots (1, 2 or 3), or tell me another time.', ro: 'Alegeți unul dintre locuri (1, 2 sau 3) sau spuneți-mi altă oră.' },
  reason: { en: 'Briefly, what is the reason for the visit? (or say "skip")', ro: 'Pe scurt, care este motivul vizitei? (sau spuneți „sari”)' },
  confirmBook: { en: 'Shall I request {slot} with {doctor}? (yes / no)', ro: 'Trimit cererea de programare pe {slot} la {doctor}? (da / nu)' },
  confirmReschedule: { en: 'Shall I move your appointment with {doctor} to {slot}? (yes / no)', ro: 'Mut programarea la {doctor} pe {slot}? (da / nu)' },
  confirmCancel: { en: 'Shall I cancel your appointment with {doctor} on {slot}? (yes / no)', ro: 'Anulez programarea la {doctor} din {slot}? (da / nu)' },
  booked: { en: 'Done: your request for {slot} with {doctor} is sent (status {status}). The doctor will confirm it.', ro: 'Gata: cererea pentru {slot} la {doctor} a fost trimisă (stare {status}). Medicul o va confirma.' },
  rescheduled: { en: 'Done: your appointment is now on {slot}.', ro: 'Gata: programarea este acum pe {slot}.' },
  cancelled: { en: 'Done: your appointment on {slot} is cancelled.', ro: 'Gata: programarea din {slot} a fost anulată.' },
  refused: { en: 'The clinic could not do that: {why}', ro: 'Clinica nu a putut face asta: {why}' },
  deadline: {
    en: 'Appointments can only be changed or cancelled up to {hours} hours before they start, and this one is closer than that. I can pass you to our staff, who may make an exception.',
    ro: 'Programările pot fi modificate sau anulate doar cu cel puțin {hours} ore înainte, iar aceasta este mai aproape. Vă pot transfera către personalul clinicii, care poate face o excepție.',
  },
  tapSlot: {
    en: 'Tap a slot to request it (the app asks you to confirm), or tell me another day or time.',
    ro: 'Atingeți un loc pentru a-l cere (aplicația vă cere confirmarea) sau spuneți-mi altă zi sau oră.',
  },
  changesInApp: {
    en: 'Here I can find free times and answer questions. To see, move or cancel your appointments, open My appointments or the assistant page of the app, where I act with your sign-in.',
    ro: 'Aici pot găsi locuri libere și răspunde la întrebări. Pentru a vedea, muta sau anula programările, deschideți Programările mele sau pagina asistentului din aplicație, unde acționez cu autentificarea dumneavoastră.',
  },
  stopped: { en: 'OK, I stopped. Nothing was changed.', ro: 'Bine, m-am oprit. Nu s-a modificat nimic.' },
  whatChange: { en: 'What should I change? Tell me another day or time, or say "stop".', ro: 'Ce să schimb? Spuneți-mi altă zi sau oră, sau „stop”.' },
  noAppointments: { en: 'You have no upcoming appointments.', ro: 'Nu aveți programări viitoare.' },
  yourAppointments: { en: 'Your upcoming appointments:', ro: 'Programările dumneavoastră viitoare:' },
  whichAppointment: { en: 'Which appointment? (1, 2 or 3)', ro: 'Care programare? (1, 2 sau 3)' },
  onlyYours: { en: 'I can only show and change your own appointments.', ro: 'Pot afișa și modifica doar propriile dumneavoastră programări.' },
  operatorActive: { en: 'A member of our staff is handling this conversation.', ro: 'Un membru al personalului se ocupă de această conversație.' },
  info: { en: 'I will ask our staff to answer that; I can also help you book.', ro: 'Voi ruga personalul clinicii să vă răspundă; vă pot și programa.' },
  apiDown: { en: 'I cannot reach the booking system right now. Please try again in a moment.', ro: 'Nu pot accesa acum sistemul de programări. Încercați din nou în câteva momente.' },
  fromArticle: { en: '{answer} (Source: “{title}”)', ro: '{answer} (Sursa: „{title}”)' },
  doctors: { en: 'Doctors with free time soon: {list}', ro: 'Medici cu locuri libere în curând: {list}' },
} as const;

export type ReplyKey = keyof typeof TEXT;

export function say(language: Language, key: ReplyKey, params: Record<string, string> = {}): string {
  return TEXT[key][language].replace(/\{(\w+)\}/g, (_m, name: string) => params[name] ?? '');
}

/** "Thu 11 Mar, 15:00" / "joi 11 mar., 15:00" in the patient's zone. */
export function slotLabel(instant: string, zone: string, language: Language): string {
  return DateTime.fromISO(instant, { zone }).setLocale(language === 'ro' ? 'ro' : 'en-GB').toFormat('ccc d LLL, HH:mm');
}
