// Free slots for a week, kept live: the query gives the week's slots; slotAvailabilityChanged events
// (one subscription per doctor on screen, see SlotWatchers) hide a taken slot at once and refetch,
// so what a patient sees never offers a time someone else just took.
import { useCallback, useEffect, useMemo, useState } from 'react';
import { useClient, useQuery } from 'urql';
import { AvailableSlotsDocument, type AvailableSlotsQuery } from '../../gql/graphql.ts';
import { addDays, viewerTimeZone } from '../../lib/dates.ts';

export type FreeSlot = AvailableSlotsQuery['availableSlots']['slots'][number];

export function slotKey(doctorId: string, startsAt: string): string {
  return `${doctorId}|${new Date(startsAt).getTime()}`;
}

export interface SlotChange {
  doctorId: string;
  startsAt: string;
  available: boolean;
}

export function useFreeSlots(opts: { weekStart: Date; doctorIds?: string[]; specialisation?: string; language?: string; pause?: boolean }) {
  const { weekStart, doctorIds, specialisation, language, pause } = opts;
  const idsKey = doctorIds?.join(',') ?? '';
  const search = useMemo(
    () => ({
      from: weekStart.toISOString(),
      to: addDays(weekStart, 7).toISOString(),
      timeZone: viewerTimeZone(),
      first: 200,
      doctorIds: idsKey ? idsKey.split(',') : undefined,
      specialisation: specialisation || undefined,
      language: language || undefined,
    }),
    [weekStart, idsKey, specialisation, language],
  );
  const [result, reexecute] = useQuery({ query: AvailableSlotsDocument, variables: { search }, pause });
  const [taken, setTaken] = useState<ReadonlySet<string>>(new Set());
  // Later pages of the same week (a page holds at most 200 slots), fetched on demand.
  const client = useClient();
  const [more, setMore] = useState<{ slots: FreeSlot[]; endCursor: string | null; hasNextPage: boolean } | null>(null);
  const [loadingMore, setLoadingMore] = useState(false);
  useEffect(() => setMore(null), [search, result.data]);
  // Fresh data from the server is the truth: local "taken" marks only bridge the time until it arrives
  // (a rescheduled appointment frees its old time without an event of its own, for one).
  useEffect(() => setTaken(new Set()), [result.data]);
  const loadMore = useCallback(async () => {
    const cursor = more ? more.endCursor : result.data?.availableSlots.endCursor;
    if (!cursor) return;
    setLoadingMore(true);
    const page = await client.query(AvailableSlotsDocument, { search: { ...search, after: cursor } }, { requestPolicy: 'network-only' }).toPromise();
    setLoadingMore(false);
    const next = page.data?.availableSlots;
    if (next) setMore((prev) => ({ slots: [...(prev?.slots ?? []), ...next.slots], endCursor: next.endCursor ?? null, hasNextPage: next.hasNextPage }));
  }, [client, search, more, result.data]);

  const refetch = useCallback(() => reexecute({ requestPolicy: 'network-only' }), [reexecute]);
  const markTaken = useCallback((doctorId: string, startsAt: string) => {
    setTaken((prev) => new Set(prev).add(slotKey(doctorId, startsAt)));
  }, []);
  const onChange = useCallback(
    (change: SlotChange) => {
      setTaken((prev) => {
        const next = new Set(prev);
        const key = slotKey(change.doctorId, change.startsAt);
        if (change.available) next.delete(key);
        else next.add(key);
        return next;
      });
      refetch();
    },
    [refetch],
  );

  const slots = useMemo(
    () => [...(result.data?.availableSlots.slots ?? []), ...(more?.slots ?? [])].filter((s) => !taken.has(slotKey(s.doctor.id, s.startsAt))),
    [result.data, more, taken],
  );
  const hasMore = more ? more.hasNextPage : (result.data?.availableSlots.hasNextPage ?? false);
  return { slots, fetching: result.fetching && !result.data, error: result.error, refetch, markTaken, onChange, hasMore, loadMore, loadingMore };
}
