// The doctor list the understanding matches names against is read once a minute, not on every turn (it was one
// 30-day slot search through the router per message, most of a turn's cost); an empty answer (the API away)
// is not kept.
import { directoryCache } from './directory-cache.ts';
import type { ClinicApi } from './clinic-api.ts';

const DOCTOR = { id: 'd1', name: 'Dr. Ana Ionescu', specialisations: ['CARDIOLOGY'] };

function countingApi(answers: (typeof DOCTOR)[][]): ClinicApi & { calls: number } {
  const api = {
    calls: 0,
    doctors: async () => answers[Math.min(api.calls++, answers.length - 1)]!,
  };
  return api as unknown as ClinicApi & { calls: number };
}

test('one directory read serves every turn within the minute, for every caller', async () => {
  let now = 0;
  const cache = directoryCache(60_000, () => now);
  const first = countingApi([[DOCTOR]]);
  const second = countingApi([[DOCTOR]]);
  const range = [new Date(0), new Date(30 * 86_400_000)] as const;
  expect(await cache(first).doctors(...range)).toEqual([DOCTOR]);
  expect(await cache(second).doctors(...range)).toEqual([DOCTOR]);
  expect(first.calls + second.calls).toBe(1);
  now = 61_000;
  await cache(second).doctors(...range);
  expect(second.calls).toBe(1);
});

test('an empty answer is not kept: the next turn asks again', async () => {
  const cache = directoryCache(60_000, () => 0);
  const api = countingApi([[], [DOCTOR]]);
  expect(await cache(api).doctors(new Date(0), new Date(1))).toEqual([]);
  expect(await cache(api).doctors(new Date(0), new Date(1))).toEqual([DOCTOR]);
  expect(api.calls).toBe(2);
});
