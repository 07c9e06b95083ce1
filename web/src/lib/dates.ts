// Every instant from the API is UTC; people read it in their own time zone (the browser's), in the
// UI language's format. Week views start on Monday, as clinics in Romania and most of Europe plan.
export function viewerTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone;
}

/** The UI language, refined by the browser's region when they agree (en + en-GB → en-GB dates). */
function refine(locale: string): string {
  const browser = typeof navigator !== 'undefined' ? navigator.language : '';
  return browser.toLowerCase().startsWith(`${locale.toLowerCase()}-`) ? browser : locale;
}

export function formatDateTime(iso: string, locale: string, timeZone = viewerTimeZone()): string {
  return new Intl.DateTimeFormat(refine(locale), { dateStyle: 'medium', timeStyle: 'short', timeZone }).format(new Date(iso));
}

/** 24-hour "09:30" in Romanian; "9:30 AM" (no leading zero) in English. */
export function formatTime(iso: string, locale: string, timeZone = viewerTimeZone()): string {
  const ro = locale.toLowerCase().startsWith('ro');
  return new Intl.DateTimeFormat(refine(locale), ro ? { hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone } : { hour: 'numeric', minute: '2-digit', timeZone }).format(new Date(iso));
}

export function formatDay(date: Date, locale: string, timeZone = viewerTimeZone()): string {
  return new Intl.DateTimeFormat(refine(locale), { weekday: 'short', day: 'numeric', month: 'short', timeZone }).format(date);
}

/** "Mon 7 Dec, 9:00 am": a slot's day and the time exactly as its button shows it (screen readers hear both). */
export function formatSlot(iso: string, locale: string, timeZone = viewerTimeZone()): string {
  return `${formatDay(new Date(iso), locale, timeZone)}, ${formatTime(iso, locale, timeZone)}`;
}

/** yyyy-mm-dd of an instant as seen in a time zone (for grouping slots into days). */
export function dayKey(date: Date, timeZone = viewerTimeZone()): string {
  return new Intl.DateTimeFormat('en-CA', { year: 'numeric', month: '2-digit', day: '2-digit', timeZone }).format(date);
}

/** Local midnight of the Monday of the week containing `date`. */
export function startOfWeek(date: Date): Date {
  const d = new Date(date.getFullYear(), date.getMonth(), date.getDate());
  const offset = (d.getDay() + 6) % 7;
  d.setDate(d.getDate() - offset);
  return d;
}

export function addDays(date: Date, days: number): Date {
  const d = new Date(date);
  d.setDate(d.getDate() + days);
  return d;
}
