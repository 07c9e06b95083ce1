// Nothing that identifies a patient by contact goes to a model: e-mail addresses and phone numbers are
// replaced before any text (the message, the conversation so far, tool results) leaves the service.
const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g;
// Digits with spaces, dots, dashes or brackets between them; a phone number has 9 to 15 digits
// (a date such as 2027-03-10 has 8, so it stays).
const PHONE_LIKE = /\+?\(?\d[\d\s().-]{6,}\d/g;

export function redact(text: string): string {
  return text.replace(EMAIL, '[email]').replace(PHONE_LIKE, (m) => {
    const digits = m.replace(/\D/g, '').length;
    return digits >= 9 && digits <= 15 ? '[phone]' : m;
  });
}
