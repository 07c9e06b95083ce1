// Turns an urql CombinedError into one sentence a person can act on, chosen by the API's stable
// `extensions.code` (never by parsing messages). BAD_USER_INPUT keeps the server's own message,
// which names the field that is wrong; everything else gets a fixed, translated sentence.
import type { CombinedError } from 'urql';
import type { TFunction } from 'i18next';

const KNOWN = new Set(['BAD_USER_INPUT', 'UNAUTHENTICATED', 'FORBIDDEN', 'NOT_FOUND', 'CONFLICT', 'RATE_LIMITED', 'GRAPHQL_VALIDATION_FAILED']);

export function errorCode(error: CombinedError | undefined | null): string | null {
  if (!error) return null;
  for (const e of error.graphQLErrors) {
    const code = e.extensions?.code;
    if (typeof code === 'string') return code;
  }
  if (error.networkError) return 'NETWORK';
  return 'UNKNOWN';
}

export function humanError(error: CombinedError | undefined | null, t: TFunction): string | null {
  if (!error) return null;
  const code = errorCode(error) ?? 'UNKNOWN';
  if (code === 'BAD_USER_INPUT') {
    const detail = error.graphQLErrors.find((e) => e.extensions?.code === code)?.message;
    return detail ? t('errors.BAD_USER_INPUT_detail', { detail }) : t('errors.BAD_USER_INPUT');
  }
  if (code === 'NETWORK') return t('errors.NETWORK');
  return t(`errors.${KNOWN.has(code) ? code : 'UNKNOWN'}`);
}
