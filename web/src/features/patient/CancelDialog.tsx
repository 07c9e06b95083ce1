// Cancelling an appointment: says which one and that it cannot be undone, takes an optional reason for
// the doctor, and only then cancels. "Keep it" has the focus, so Enter never cancels by accident.
import { useState } from 'react';
import { Alert, Button, Dialog, DialogActions, DialogContent, DialogContentText, DialogTitle, TextField } from '@mui/material';
import { useMutation } from 'urql';
import { useTranslation } from 'react-i18next';
import { CancelAppointmentDocument, type AppointmentStatus } from '../../gql/graphql.ts';
import { humanError } from '../../api/errors.ts';
import { formatDateTime } from '../../lib/dates.ts';
import { useChangePolicy } from './RescheduleDialog.tsx';

export interface CancellableAppointment {
  id: string;
  startsAt: string;
  doctor: { displayName: string };
}

export function CancelDialog({ appointment, onClose }: { appointment: CancellableAppointment | null; onClose: (status: AppointmentStatus | null) => void }) {
  const { t, i18n } = useTranslation();
  const [reason, setReason] = useState('');
  const [result, cancel] = useMutation(CancelAppointmentDocument);
  const policy = useChangePolicy(appointment?.id ?? null);
  const close = (status: AppointmentStatus | null) => {
    setReason('');
    onClose(status);
  };
  return (
    <Dialog open={Boolean(appointment)} onClose={() => close(null)} aria-labelledby="cancel-title" fullWidth maxWidth="sm">
      <DialogTitle id="cancel-title">{t('patient.cancelConfirm')}</DialogTitle>
      <DialogContent>
        {appointment ? (
          <>
            <DialogContentText>{t('patient.cancelConfirmBody', { when: formatDateTime(appointment.startsAt, i18n.language), doctor: appointment.doctor.displayName })}</DialogContentText>
            {policy ? (
              <DialogContentText variant="body2" sx={{ mt: 1 }}>
                {t('patient.policyDeadline', { when: formatDateTime(policy.changeDeadline, i18n.language) })}
              </DialogContentText>
            ) : null}
          </>
        ) : null}
        <TextField fullWidth margin="normal" label={t('patient.cancelReason')} value={reason} onChange={(e) => setReason(e.target.value.slice(0, 2000))} />
        {result.error ? (
          <Alert severity="error" role="alert">
            {humanError(result.error, t)}
          </Alert>
        ) : null}
      </DialogContent>
      <DialogActions>
        <Button onClick={() => close(null)} autoFocus>
          {t('patient.keepAppointment')}
        </Button>
        <Button
          color="error"
          variant="contained"
          disabled={result.fetching}
          onClick={async () => {
            if (!appointment) return;
            const res = await cancel({ id: appointment.id, reason: reason.trim() || null });
            if (res.data) close(res.data.cancelAppointment.status);
          }}
        >
          {t('patient.cancel')}
        </Button>
      </DialogActions>
    </Dialog>
  );
}
