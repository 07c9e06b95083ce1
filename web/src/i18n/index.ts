// i18next with the two UI languages bundled (no loading step). The first visit follows the browser's
// language; a choice made in the app is remembered. <html lang> follows, for screen readers.
import i18next, { type i18n as I18n } from 'i18next';
import { initReactI18next } from 'react-i18next';
import { en } from './en.ts';
import { ro } from './ro.ts';

export const LANGUAGES = [
  { code: 'en', label: 'English' },
  { code: 'ro', label: 'Română' },
] as const;

const KEY = 'clinic.language';

function initialLanguage(): string {
  try {
    const saved = localStorage.getItem(KEY);
    if (saved === 'en' || saved === 'ro') return saved;
  } catch {
    /* storage unavailable */
  }
  return typeof navigator !== 'undefined' && navigator.language.toLowerCase().startsWith('ro') ? 'ro' : 'en';
}

export function createI18n(lng = initialLanguage()): I18n {
  const instance = i18next.createInstance();
  void instance.use(initReactI18next).init({
    lng,
    fallbackLng: 'en',
    resources: { en: { translation: en }, ro: { translation: ro } },
    interpolation: { escapeValue: false },
    returnObjects: true,
    initAsync: false,
  });
  instance.on('languageChanged', (code) => {
    try {
      localStorage.setItem(KEY, code);
    } catch {
      /* storage unavailable */
    }
    if (typeof document !== 'undefined') document.documentElement.lang = code;
  });
  if (typeof document !== 'undefined') document.documentElement.lang = lng;
  return instance;
}
