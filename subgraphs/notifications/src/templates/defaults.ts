// The built-in template of every type × channel × locale (an admin's saved version replaces it).
import type { Channel, NotificationType } from '../entities/index.ts';

export interface TemplateText {
  subject: string | null;
  body: string;
}

type Texts = Record<'en' | 'ro', { subject: string; short: string; long: string }>;

const TEXTS: Record<NotificationType, Texts> = {
  REMINDERS: {
    en: { subject: 'Reminder: your appointment on {{startsAtLocal}}', short: 'Reminder: appointment with {{doctorName}} on {{startsAtLocal}}.', long: 'Hello {{name}},\n\nThis is a reminder of your appointment with {{doctorName}} on {{startsAtLocal}}.' },
    ro: { subject: 'Memento: programarea din {{startsAtLocal}}', short: 'Memento: programare la {{doctorName}} pe {{startsAtLocal}}.', long: 'Bună ziua, {{name}},\n\nVă reamintim programarea la {{doctorName}} din {{startsAtLocal}}.' },
  },
  APPOINTMENT_UPDATES: {
    en: { subject: 'Your appointment was {{change}}', short: 'Your appointment on {{startsAtLocal}} was {{change}}.', long: 'Hello {{name}},\n\nYour appointment with {{doctorName}} on {{startsAtLocal}} was {{change}}.' },
    ro: { subject: 'Programarea dvs. a fost {{change}}', short: 'Programarea din {{startsAtLocal}} a fost {{change}}.', long: 'Bună ziua, {{name}},\n\nProgramarea la {{doctorName}} din {{startsAtLocal}} a fost {{change}}.' },
  },
  WAITLIST_OFFERS: {
    en: { subject: 'A slot is free for you', short: 'A slot on {{startsAtLocal}} is held for you. Accept it in the app.', long: 'Hello {{name}},\n\nA slot with {{doctorName}} on {{startsAtLocal}} is held for you for a short while.' },
    ro: { subject: 'Un loc s-a eliberat pentru dvs.', short: 'Un loc pe {{startsAtLocal}} vă este rezervat. Acceptați-l în aplicație.', long: 'Bună ziua, {{name}},\n\nUn loc la {{doctorName}} pe {{startsAtLocal}} vă este rezervat pentru scurt timp.' },
  },
  NEW_MESSAGES: {
    en: { subject: 'New messages: {{messageCount}}', short: '{{messageCount}} new message(s) in your clinic conversation: {{link}}', long: 'Hello {{name}},\n\nYou have {{messageCount}} new message(s) in your clinic conversation. Read them in the clinic app: {{link}}' },
    ro: { subject: 'Mesaje noi: {{messageCount}}', short: '{{messageCount}} mesaj(e) nou(i) în conversația cu clinica: {{link}}', long: 'Bună ziua, {{name}},\n\nAveți {{messageCount}} mesaj(e) nou(i) în conversația cu clinica. Citiți-le în aplicația clinicii: {{link}}' },
  },
  DOCUMENTS: {
    en: { subject: 'A new document', short: 'A new document is available.', long: 'Hello {{name}},\n\nA new document is available in the clinic app.' },
    ro: { subject: 'Un document nou', short: 'Un document nou este disponibil.', long: 'Bună ziua, {{name}},\n\nUn document nou este disponibil în aplicația clinicii.' },
  },
  SECURITY: {
    en: { subject: 'Security notice: {{change}}', short: 'Security notice for your account: {{change}}.', long: 'Hello {{name}},\n\nThere was a security-relevant change to your account: {{change}}. If this was not you, change your password now.' },
    ro: { subject: 'Notificare de securitate: {{change}}', short: 'Notificare de securitate pentru contul dvs.: {{change}}.', long: 'Bună ziua, {{name}},\n\nA avut loc o schimbare importantă pentru securitatea contului dvs.: {{change}}. Dacă nu ați fost dvs., schimbați parola acum.' },
  },
  ASSISTANT_HANDOFFS: {
    en: { subject: 'A patient is waiting for a human ({{change}})', short: 'A patient asked the assistant for a human ({{change}}). See the hand-off queue.', long: 'Hello {{name}},\n\nA patient asked the assistant for a human; priority: {{change}}. Take it over from the hand-off queue.' },
    ro: { subject: 'Un pacient așteaptă un operator ({{change}})', short: 'Un pacient a cerut un operator asistentului ({{change}}). Vedeți coada de preluări.', long: 'Bună ziua, {{name}},\n\nUn pacient a cerut asistentului un operator; prioritate: {{change}}. Preluați conversația din coada de preluări.' },
  },
};

export function builtInTemplate(type: NotificationType, channel: Channel, locale: string): TemplateText {
  const t = TEXTS[type][locale === 'en' ? 'en' : 'ro'];
  if (channel === 'EMAIL') return { subject: t.subject, body: t.long };
  if (channel === 'IN_APP' || channel === 'PUSH') return { subject: t.subject, body: t.short };
  return { subject: null, body: t.short };
}
