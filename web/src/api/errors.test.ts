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

  test('Romanian has exactly the English keys', () => {
    expect(keys(ro).sort()).toEqual(keys(en).sort());
  });
});
