// Error codes become sentences; both languages carry every key.
import { describe, expect, test } from 'vitest';
import { CombinedError } from 'urql';
import { GraphQLError } from 'graphql';
import { humanError } from './errors.ts';
import { createI18n } from '../i18n/index.ts';
import { en } from '../i18n/en.ts';
import { ro } from '../i18n/ro.ts';

const t = createI18n('en').t;

function keys(obj: object, prefix = ''): string[] {
  return Object.entries(obj).flatMap(([k, v]) => (v && typeof v === 'object' && !Array.isArray(v) ? keys(v as object, `${prefix}${k}.`) : [`${prefix}${k}`]));
}

describe('human errors', () => {
  test('each code gets its sentence; BAD_USER_INPUT keeps the field detail', () => {
    const err = (code: string, message = 'x') => new CombinedError({ graphQLErrors: [new GraphQLError(message, { extensions: { code } })] });
    expect(humanError(err('FORBIDDEN'), t)).toBe('You do not have permission to do this.');
    expect(humanError(err('BAD_USER_INPUT', 'reason is longer than 2000 characters'), t)).toBe('Please check what you entered: reason is longer than 2000 characters');
    expect(humanError(err('SOMETHING_NEW'), t)).toMatch(/Something went wrong/);
    expect(humanError(new CombinedError({ networkError: new Error('fetch failed') }), t)).toMatch(/cannot reach the clinic/);
    expect(humanError(null, t)).toBeNull();
  });

  const coded = (code: string, extensions: Record<string, unknown> = {}, message = 'x') =>
    new CombinedError({ graphQLErrors: [new GraphQLError(message, { extensions: { code, ...extensions } })] });
  const ro_t = createI18n('ro').t;

  test('a wrong password is not an ended session, in either language', () => {
    const wrong = coded('UNAUTHENTICATED', { reason: 'WRONG_CREDENTIALS' }, 'E-mail or password is wrong');
    expect(humanError(wrong, t, 'signIn')).toBe('The e-mail or the password is wrong. Please check both and try again.');
    expect(humanError(wrong, ro_t, 'signIn')).toMatch(/parola este greșită/);
    // Even a server that names no reason: on the sign-in form UNAUTHENTICATED means the credentials.
    expect(humanError(coded('UNAUTHENTICATED'), t, 'signIn')).toMatch(/password is wrong/);
    // Elsewhere an UNAUTHENTICATED without a reason is an ended session.
    expect(humanError(coded('UNAUTHENTICATED'), t)).toMatch(/session has ended/);
    // A sign-in the router cannot check for a moment is not an ended session either.
    const unchecked = coded('UNAUTHENTICATED', { reason: 'REVOCATION_UNAVAILABLE', retryable: true });
    expect(humanError(unchecked, t)).toMatch(/cannot check your sign-in right now/);
    expect(humanError(unchecked, ro_t)).toMatch(/Nu vă putem verifica autentificarea/);
  });

  test('each conflict reason gets its own sentence; a race is blamed only when one happened', () => {
    const sentences = ['EMAIL_TAKEN', 'OVERLAPPING_RULES', 'OVERLAPS_OWN_APPOINTMENT', 'SLOT_TAKEN', 'DEADLINE_PASSED', 'ALREADY_DECIDED'].map((reason) =>
      humanError(coded('CONFLICT', { reason }), t),
    );
    expect(new Set(sentences).size).toBe(sentences.length);
    expect(sentences[0]).toMatch(/already registered/);
    expect(sentences[1]).toMatch(/overlap hours you already have/);
    expect(sentences[2]).toMatch(/You already have an appointment at this time/);
    for (const s of sentences.filter((_, i) => i !== 3)) expect(s).not.toMatch(/someone else|same moment/i);
    expect(humanError(coded('CONFLICT', { reason: 'OVERLAPPING_RULES' }), ro_t)).toMatch(/se suprapune/);
    expect(humanError(coded('CONFLICT'), t)).not.toMatch(/same moment/);
    expect(humanError(coded('CONFLICT', { sqlState: '40001' }), t)).toMatch(/at the same moment/);
    // Staff creation says the account exists; registration never does (it answers the same for any address).
    expect(humanError(coded('CONFLICT'), t, 'createStaff')).toMatch(/already exists; it was not created again/);
    expect(humanError(coded('CONFLICT'), t, 'register')).not.toMatch(/already registered/);
  });

  test('a deactivated or locked account is told so, not "no permission"', () => {
    expect(humanError(coded('FORBIDDEN', { reason: 'DEACTIVATED' }), t)).toMatch(/has been deactivated/);
    expect(humanError(coded('FORBIDDEN', { reason: 'ACCOUNT_LOCKED', retryAfterSeconds: 600 }), t)).toMatch(/about 10 minutes/);
    expect(humanError(coded('FORBIDDEN', { reason: 'DEACTIVATED' }), ro_t)).toMatch(/dezactivat/);
  });

  test('field errors and transitions read in the viewer\'s language', () => {
    expect(humanError(coded('BAD_USER_INPUT', { field: 'password' }, 'Password is too weak'), ro_t)).toMatch(/parolă mai puternică/);
    expect(humanError(coded('CONFLICT', { reason: 'INVALID_TRANSITION', from: 'CANCELLED' }), t)).toMatch(/it is now Cancelled/);
    expect(humanError(coded('CONFLICT', { reason: 'SOMETHING_NEWER' }), t)).toBe(humanError(coded('CONFLICT'), t));
  });

  test('Romanian has exactly the English keys', () => {
    expect(keys(ro).sort()).toEqual(keys(en).sort());
  });
});
