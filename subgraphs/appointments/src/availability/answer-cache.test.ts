// The whole-answer cache's own rules: an answer is given only for the same doctors and versions, from the
// instant it was computed until the instant it stops holding, and the least recently used goes first.
import { AnswerCache } from './answer-cache.ts';

const answer = (data: string, over: { fingerprint?: string; computedAt?: number; stableUntil?: number } = {}) => ({
  fingerprint: over.fingerprint ?? 'v1',
  data: { availableSlots: data },
  computedAt: over.computedAt ?? 1_000,
  stableUntil: over.stableUntil ?? 5_000,
});

test('an answer holds for its fingerprint from when it was computed until it stops holding', () => {
  const cache = new AnswerCache();
  cache.set('q', answer('a'));
  expect(cache.get('q', 'v1', 1_000)).toEqual({ availableSlots: 'a' });
  expect(cache.get('q', 'v1', 4_999)).toEqual({ availableSlots: 'a' });
  expect(cache.get('q', 'v2', 2_000)).toBeNull(); // a doctor's availability moved
  expect(cache.get('q', 'v1', 5_000)).toBeNull(); // the soonest slot entered the notice, or a hold let go
  expect(cache.get('q', 'v1', 999)).toBeNull(); // a clock set back
  expect(cache.get('other', 'v1', 2_000)).toBeNull();
  expect(cache.stats).toEqual({ hits: 2, misses: 4 });
});

test('a newer answer replaces the older one for the same operation and variables', () => {
  const cache = new AnswerCache();
  cache.set('q', answer('a'));
  cache.set('q', answer('b', { fingerprint: 'v2' }));
  expect(cache.size).toBe(1);
  expect(cache.get('q', 'v1', 2_000)).toBeNull();
  expect(cache.get('q', 'v2', 2_000)).toEqual({ availableSlots: 'b' });
});

test('when full, the answer used least recently goes first', () => {
  const cache = new AnswerCache(2);
  cache.set('a', answer('a'));
  cache.set('b', answer('b'));
  expect(cache.get('a', 'v1', 2_000)).not.toBeNull();
  cache.set('c', answer('c'));
  expect(cache.size).toBe(2);
  expect(cache.get('b', 'v1', 2_000)).toBeNull();
  expect(cache.get('a', 'v1', 2_000)).not.toBeNull();
  expect(cache.get('c', 'v1', 2_000)).not.toBeNull();
});
