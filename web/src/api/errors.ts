// Turns an urql CombinedError into one sentence a person can act on, chosen by the API's stable
// `extensions.code` and, where the API names one, its `extensions.reason` (never by parsing messages).
// Order: a sentence for the reason (wrong password, address already registered, overlapping hours…),
// then one for the form's field, then the screen's own reading of the code (on the sign-in form
// UNAUTHENTICATED means wrong credentials, not an ended session), then the code's general sentence.
// Only a real concurrent change (a serialization failure or deadlock) is blamed on "someone else".
import type { CombinedError } from 'urql';
import type { TFunction } from 'i18next';

const KNOWN = new Set(['BAD_USER_INPUT', 'UNAUTHENTICATED', 'FORBIDDEN', 'NOT_FOUND', 'CONFLICT', 'RATE_LIMITED', 'GRAPHQL_VALIDATION_FAILED']);
/** SQLSTATEs that really mean two changes met: the only case the "at the same moment" sentence is true. */
const RACES = new Set(['40001', '40P01']);
const MISSING = '\u2063missing';

/** Screens whose forms read a code their own way (keys under `errors.context`). */
export type ErrorContext = 'signIn' | 'register' | 'createStaff';

export function errorCode(error: CombinedError | undefined | null): string | null {
  if (!error) return null;
  for (const e of error.graphQLErrors) {
    const code = e.extensions?.code;
    if (typeof code === 'string') return code;
  }
  if (error.networkError) return 'NETWORK';
  return 'UNKNOWN';
}

/** The API's reason for the first coded error (OVERLAPPING_RULES, EMAIL_TAKEN, …), if it gave one. */
export function errorReason(error: CombinedError | undefined | null): string | null {
  const reason = error?.graphQLErrors.find((e) => typeof e.extensions?.code === 'string')?.extensions?.reason;
  return typeof reason === 'string' ? reason : null;
}

export function humanError(error: CombinedError | undefined | null, t: TFunction, context?: ErrorContext): string | null {
  if (!error) return null;
  const code = errorCode(error) ?? 'UNKNOWN';
  const first = error.graphQLErrors.find((e) => e.extensions?.code === code);
  const ext = (first?.extensions ?? {}) as Record<string, unknown>;
  const has = (key: string) => t(key, { defaultValue: MISSING }) !== MISSING;

  const reason = typeof ext.reason === 'string' ? ext.reason : null;
  if (reason && has(`errors.reason.${reason}`)) {
    const seconds = typeof ext.retryAfterSeconds === 'number' ? ext.retryAfterSeconds : null;
    const from = typeof ext.from === 'string' ? t(`status.${ext.from}`, { defaultValue: ext.from }) : '';
    return t(`errors.reason.${reason}`, { minutes: seconds ? Math.max(1, Math.ceil(seconds / 60)) : 15, from });
  }
  const field = typeof ext.field === 'string' ? ext.field : null;
  if (code === 'BAD_USER_INPUT' && field && has(`errors.field.${field}`)) return t(`errors.field.${field}`);
  if (context && has(`errors.context.${context}.${code}`)) return t(`errors.context.${context}.${code}`);
  if (code === 'CONFLICT') {
    const sqlState = typeof ext.sqlState === 'string' ? ext.sqlState : '';
    return t(RACES.has(sqlState) ? 'errors.CONFLICT_RACE' : 'errors.CONFLICT');
  }
  if (code === 'BAD_USER_INPUT') {
    return first?.message ? t('errors.BAD_USER_INPUT_detail', { detail: first.message }) : t('errors.BAD_USER_INPUT');
  }
  if (code === 'NETWORK') return t('errors.NETWORK');
  return t(`errors.${KNOWN.has(code) ? code : 'UNKNOWN'}`);
}
