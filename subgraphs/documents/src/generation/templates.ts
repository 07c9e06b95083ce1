// The words of generated documents, in English and Romanian, and how dates are written in each.
export type Language = 'EN' | 'RO';

const LOCALE: Record<Language, string> = { EN: 'en-GB', RO: 'ro-RO' };

export const formatWhen = (at: Date, language: Language, timeZone: string) =>
  new Intl.DateTimeFormat(LOCALE[language], { dateStyle: 'full', timeStyle: 'short', timeZone }).format(at);

export const TEXT = {
  EN: {
    confirmationTitle: 'Appointment confirmation',
    visitSummaryTitle: 'Visit summary',
    intakeTitle: 'Pre-appointment form',
    appointment: 'Appointment',
    when: 'Date and time',
    duration: 'Duration',
    minutes: 'minutes',
    consultationType: 'Consultation type',
    status: 'Status',
    summary: 'Summary',
    recommendations: 'Recommendations',
    yes: 'Yes',
    no: 'No',
    confirmationNote: 'Please arrive ten minutes early and bring your identity card and any earlier results.',
    footer: (at: string) => `Generated on ${at}. This document is confidential medical information.`,
  },
  RO: {
    confirmationTitle: 'Confirmare programare',
    visitSummaryTitle: 'Rezumatul consultației',
    intakeTitle: 'Formular înainte de consultație',
    appointment: 'Programare',
    when: 'Data și ora',
    duration: 'Durată',
    minutes: 'minute',
    consultationType: 'Tip consultație',
    status: 'Stare',
    summary: 'Rezumat',
    recommendations: 'Recomandări',
    yes: 'Da',
    no: 'Nu',
    confirmationNote: 'Vă rugăm să veniți cu zece minute mai devreme și să aveți la îndemână actul de identitate și rezultatele anterioare.',
    footer: (at: string) => `Generat la ${at}. Acest document conține informații medicale confidențiale.`,
  },
} as const;
