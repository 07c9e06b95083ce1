// My appointments with live status: myAppointmentStatusChanged events overwrite the status on screen
// at once (so "Approved" appears the moment the doctor decides) and trigger a refetch for the rest.
import { useCallback, useMemo, useState } from 'react';
import { useQuery, useSubscription } from 'urql';
import { MyAppointmentsDocument, MyAppointmentStatusChangedDocument, type AppointmentStatus, type MyAppointmentsQueryVariables } from '../../gql/graphql.ts';

export function useLiveAppointments(variables: MyAppointmentsQueryVariables = {}) {
  const [result, reexecute] = useQuery({ query: MyAppointmentsDocument, variables });
  const [live, setLive] = useState<Record<string, AppointmentStatus>>({});
  const refetch = useCallback(() => reexecute({ requestPolicy: 'network-only' }), [reexecute]);
  useSubscription({ query: MyAppointmentStatusChangedDocument }, (_prev, data) => {
    const change = data.myAppointmentStatusChanged;
    setLive((prev) => ({ ...prev, [change.appointmentId]: change.status }));
    refetch();
    return data;
  });
  const appointments = useMemo(
    () => (result.data?.myAppointments ?? []).map((a) => ({ ...a, status: live[a.id] ?? a.status })),
    [result.data, live],
  );
  return { appointments, fetching: result.fetching && !result.data, error: result.error, refetch, setLocalStatus: (id: string, status: AppointmentStatus) => setLive((p) => ({ ...p, [id]: status })) };
}
