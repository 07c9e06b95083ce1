// One slotAvailabilityChanged subscription per doctor on screen (the API filters by doctor).
import { useSubscription } from 'urql';
import { SlotAvailabilityChangedDocument } from '../../gql/graphql.ts';
import type { SlotChange } from './useFreeSlots.ts';

function SlotWatcher({ doctorId, onChange }: { doctorId: string; onChange: (change: SlotChange) => void }) {
  useSubscription({ query: SlotAvailabilityChangedDocument, variables: { doctorId } }, (_prev, data) => {
    onChange(data.slotAvailabilityChanged);
    return data;
  });
  return null;
}

export function SlotWatchers({ doctorIds, onChange }: { doctorIds: string[]; onChange: (change: SlotChange) => void }) {
  return (
    <>
      {doctorIds.slice(0, 20).map((id) => (
        <SlotWatcher key={id} doctorId={id} onChange={onChange} />
      ))}
    </>
  );
}
