// The doctors the understanding matches names and specialities against, shared by every turn for a minute.
// Reading it is a 30-day free-slot search through the router (there is no directory query), which was most
// of a rule-based turn's cost when it ran on every message; the list is the same for every caller (free time
// is public to patients and partners), and a doctor added or removed shows within the minute.
import type { ClinicApi } from './clinic-api.ts';
import type { DirectoryDoctor } from '../understanding/doctors.ts';

export type WithDirectory = (api: ClinicApi) => ClinicApi;

export function directoryCache(ttlMs = 60_000, now: () => number = Date.now): WithDirectory {
  let kept: { at: number; doctors: DirectoryDoctor[] } | null = null;
  let reading: Promise<DirectoryDoctor[]> | null = null;
  return (api) => ({
    ...api,
    doctors: async (from, to) => {
      if (kept && now() - kept.at < ttlMs) return kept.doctors;
      // Concurrent turns share one read.
      reading ??= api.doctors(from, to).finally(() => {
        reading = null;
      });
      const doctors = await reading;
      // An empty list is what an unreachable API gives: asked again next turn rather than kept.
      if (doctors.length) kept = { at: now(), doctors };
      return doctors;
    },
  });
}
