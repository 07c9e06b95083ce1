// Moving an appointment to another free time of the same doctor.
import { useState } from 'react';
import { Alert, Button, Dialog, DialogActions, DialogContent, DialogTitle } from '@mui/material';
import { useMutation } from 'urql';
import { useTranslation } from 'react-i18next';
import { RescheduleAppointmentDocument } from '../../gql/graphql.ts';
import { humanError } from '../../api/errors.ts';
import { WeekNav } from '../../components/WeekNav.tsx';
import { EmptyState, Loading } from '../../components/Feedback.tsx';
import { startOfWeek } from '../../lib/dates.ts';
import { useFreeSlots } from './useFreeSlots.ts';
import { WeekSlots } from './WeekSlots.tsx';

export function RescheduleDialog({ appointment, onClose }: { appointment: { id: string; doctor: { id: string } } | null; onClose: (done: boolean) => void }) {
  const { t } = useTranslation();
  const [weekStart, setWeekStart] = useState(() => startOfWeek(new Date()));
  const free = useFreeSlots({ weekStart, doctorIds: appointment ? [appointment.doctor.id] : [], pause: !appointment });
  const [result, reschedule] = useMutation(RescheduleAppointmentDocument);
  return (
    <Dialog open={Boolean(appointment)} onClose={() => onClose(false)} aria-labelledby="reschedule-title" fullWidth maxWidth="lg">
      <DialogTitle id="reschedule-title">{t('patient.rescheduleTitle')}</DialogTitle>
      <DialogContent>
        <WeekNav weekStart={weekStart} onChange={setWeekStart} />
        {free.fetching ? <Loading /> : null}
        {!free.fetching && free.slots.length === 0 ? <EmptyState>{t('patient.noSlots')}</EmptyState> : null}
        {free.slots.length > 0 ? (
          <WeekSlots
            weekStart={weekStart}
            slots={free.slots}
            onPick={async (slot) => {
              if (!appointment) return;
              const res = await reschedule({ id: appointment.id, startsAt: slot.startsAt });
              if (res.data) onClose(true);
              else free.refetch();
            }}
          />
        ) : null}
        {result.error ? (
          <Alert severity="error" role="alert">
            {humanError(result.error, t)}
          </Alert>
        ) : null}
      </DialogContent>
      <DialogActions>
        <Button onClick={() => onClose(false)}>{t('common.close')}</Button>
      </DialogActions>
    </Dialog>
  );
}
