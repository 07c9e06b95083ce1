// Moving an appointment to another free time of the same doctor. Choosing a time does not move it yet:
// the dialog first states the change (from → to), the clinic's policy (until when the patient may change
// it) and the consequence for its status (an APPROVED appointment stays approved only when the doctor
// approves this kind of visit automatically; otherwise it becomes a request again and the approved time
// is given up), with an optional reason; only "Move it" sends the change.
import { useState } from 'react';
import { Alert, Box, Button, Dialog, DialogActions, DialogContent, DialogTitle, TextField, Typography } from '@mui/material';
import { useMutation, useQuery } from 'urql';
import { useTranslation } from 'react-i18next';
import { AppointmentPolicyDocument, RescheduleAppointmentDocument } from '../../gql/graphql.ts';
import { humanError } from '../../api/errors.ts';
import { WeekNav } from '../../components/WeekNav.tsx';
import { EmptyState, Loading } from '../../components/Feedback.tsx';
import { formatDateTime, startOfWeek } from '../../lib/dates.ts';
import { useFreeSlots, type FreeSlot } from './useFreeSlots.ts';
import { WeekSlots } from './WeekSlots.tsx';

export interface MovableAppointment {
  id: string;
  status: string;
  startsAt: string;
  doctor: { id: string };
}

/** The appointment's change policy (appointments subgraph), asked when a dialog opens. */
export function useChangePolicy(id: string | null) {
  const [policy] = useQuery({ query: AppointmentPolicyDocument, variables: { id: id ?? '' }, pause: !id });
  return policy.data?.appointment ?? null;
}

/** What moving does to the status, in words (shared with the appointment page). */
export function rescheduleConsequence(a: { status: string; startsAt: string; rescheduleKeepsApproval: boolean }, t: (key: string, opts?: Record<string, unknown>) => string, locale: string): string {
  if (a.status !== 'APPROVED') return t('patient.rescheduleStillRequest');
  return a.rescheduleKeepsApproval ? t('patient.rescheduleKeeps') : t('patient.rescheduleRequests', { from: formatDateTime(a.startsAt, locale) });
}

export function RescheduleDialog({ appointment, onClose }: { appointment: MovableAppointment | null; onClose: (done: boolean) => void }) {
  const { t, i18n } = useTranslation();
  const [weekStart, setWeekStart] = useState(() => startOfWeek(new Date()));
  const [chosen, setChosen] = useState<FreeSlot | null>(null);
  const [reason, setReason] = useState('');
  const free = useFreeSlots({ weekStart, doctorIds: appointment ? [appointment.doctor.id] : [], pause: !appointment });
  const [result, reschedule] = useMutation(RescheduleAppointmentDocument);
  const policy = useChangePolicy(appointment?.id ?? null);
  const close = (done: boolean) => {
    setChosen(null);
    setReason('');
    onClose(done);
  };
  return (
    <Dialog open={Boolean(appointment)} onClose={() => close(false)} aria-labelledby="reschedule-title" fullWidth maxWidth="lg">
      <DialogTitle id="reschedule-title">{chosen ? t('patient.rescheduleConfirmTitle') : t('patient.rescheduleTitle')}</DialogTitle>
      <DialogContent>
        {appointment && chosen ? (
          <Box data-testid="reschedule-confirm">
            <Typography sx={{ mb: 1 }}>{t('patient.rescheduleFromTo', { from: formatDateTime(appointment.startsAt, i18n.language), to: formatDateTime(chosen.startsAt, i18n.language) })}</Typography>
            {policy ? (
              <>
                <Alert severity={appointment.status === 'APPROVED' && !policy.rescheduleKeepsApproval ? 'warning' : 'info'} sx={{ mb: 1 }}>
                  {rescheduleConsequence({ ...appointment, ...policy }, t, i18n.language)}
                </Alert>
                <Typography variant="body2" color="text.secondary" sx={{ mb: 2 }}>
                  {t('patient.policyDeadline', { when: formatDateTime(policy.changeDeadline, i18n.language) })}
                </Typography>
              </>
            ) : (
              <Loading />
            )}
            <TextField fullWidth size="small" label={t('common.reason')} value={reason} onChange={(e) => setReason(e.target.value.slice(0, 2000))} />
          </Box>
        ) : (
          <>
            <WeekNav weekStart={weekStart} onChange={setWeekStart} />
            {free.fetching ? <Loading /> : null}
            {!free.fetching && free.slots.length === 0 ? <EmptyState>{t('patient.noSlots')}</EmptyState> : null}
            {free.slots.length > 0 ? <WeekSlots weekStart={weekStart} slots={free.slots} onPick={setChosen} /> : null}
          </>
        )}
        {result.error ? (
          <Alert severity="error" role="alert" sx={{ mt: 1 }}>
            {humanError(result.error, t)}
          </Alert>
        ) : null}
      </DialogContent>
      <DialogActions>
        {chosen ? <Button onClick={() => setChosen(null)}>{t('common.cancel')}</Button> : <Button onClick={() => close(false)}>{t('common.close')}</Button>}
        {appointment && chosen ? (
          <Button
            variant="contained"
            disabled={result.fetching || !policy}
            onClick={async () => {
              const res = await reschedule({ id: appointment.id, startsAt: chosen.startsAt, reason: reason.trim() || null });
              if (res.data) close(true);
              else {
                setChosen(null);
                free.refetch();
              }
            }}
          >
            {t('patient.confirmMove')}
          </Button>
        ) : null}
      </DialogActions>
    </Dialog>
  );
}
