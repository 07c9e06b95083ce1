// Expiry and countdown texts in both languages.
import { describe, expect, test } from 'vitest';
import { countdown, relativeTime } from './relative.ts';

describe('relative times', () => {
  const now = new Date('2026-12-08T10:00:00Z');
  test('the largest readable unit, in English and Romanian', () => {
    expect(relativeTime('2026-12-08T13:00:00Z', now, 'en')).toBe('in 3 hours');
    expect(relativeTime('2026-12-08T13:00:00Z', now, 'ro')).toBe('peste 3 ore');
    expect(relativeTime('2026-12-08T10:20:00Z', now, 'en')).toBe('in 20 minutes');
    expect(relativeTime('2026-12-11T10:00:00Z', now, 'en')).toBe('in 3 days');
  });
  test('a countdown never goes below zero', () => {
    expect(countdown('2026-12-08T10:12:05Z', now)).toBe('12:05');
    expect(countdown('2026-12-08T11:02:05Z', now)).toBe('1:02:05');
    expect(countdown('2026-12-08T09:00:00Z', now)).toBe('0:00');
  });
});
