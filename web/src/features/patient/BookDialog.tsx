// Requesting one free time: kind of visit, an optional reason for the doctor (at most 2000
// characters, as the API allows) and documents to bring (uploaded here, attached with the request).
// Only a time someone else took (SLOT_TAKEN) closes the dialog and refreshes the week; any other
// refusal (e.g. the patient's own overlapping appointment) is said here.
// "Urgent" carries emergency guidance: call 112; the doctor still checks the request.
import { useState } from 'react';
import { Alert, Button, Dialog, DialogActions, DialogContent, DialogTitle, MenuItem, TextField } from '@mui/material';
import { useMutation } from 'urql';
import { useTranslation } from 'react-i18next';
import { RequestAppointmentDocument, type AppointmentCategory } from '../../gql/graphql.ts';
import { errorReason, humanError } from '../../api/errors.ts';
import { formatDateTime } from '../../lib/dates.ts';
import type { FreeSlot } from './useFreeSlots.ts';
import { UploadZone } from '../documents/UploadZone.tsx';

const CATEGORIES: AppointmentCategory[] = ['ROUTINE', 'FOLLOW_UP', 'CONSULTATION', 'URGENT'];
export const MAX_REASON = 2000;

export function BookDialog({ slot, onClose, onBooked }: { slot: FreeSlot | null; onClose: () => void; onBooked: (slot: FreeSlot, conflict: boolean) => void }) {
  const { t, i18n } = useTranslation();
  const [reason, setReason] = useState('');
  const [category, setCategory] = useState<AppointmentCategory>('ROUTINE');
  const [documentIds, setDocumentIds] = useState<string[]>([]);
  const [result, request] = useMutation(RequestAppointmentDocument);

  const submit = async (event: React.FormEvent) => {
    event.preventDefault();
    if (!slot) return;
    const res = await request({
      input: { doctorId: slot.doctor.id, startsAt: slot.startsAt, consultationType: slot.consultationType, category, reason: reason.trim() || null, ...(documentIds.length ? { documentIds } : {}) },
    });
    if (res.data) {
      setReason('');
      setDocumentIds([]);
      onBooked(slot, false);
    } else if (errorReason(res.error) === 'SLOT_TAKEN') {
      onBooked(slot, true);
    }
  };

  return (
    <Dialog open={Boolean(slot)} onClose={onClose} aria-labelledby="book-title" fullWidth maxWidth="sm">
      <form onSubmit={submit} noValidate>
        <DialogTitle id="book-title">{t('patient.requestTitle')}</DialogTitle>
        <DialogContent>
          {slot ? (
            <Alert severity="info" role="note" sx={{ mb: 2 }}>
              {slot.doctor.displayName} · {formatDateTime(slot.startsAt, i18n.language)}
            </Alert>
          ) : null}
          <TextField
            select
            fullWidth
            margin="normal"
            label={t('patient.category')}
            value={category}
            onChange={(e) => setCategory(e.target.value as AppointmentCategory)}
          >
            {CATEGORIES.map((c) => (
              <MenuItem key={c} value={c}>
                {t(`category.${c}`)}
              </MenuItem>
            ))}
          </TextField>
          {category === 'URGENT' ? (
            <Alert severity="warning" role="note" sx={{ mt: 1 }}>
              {t('patient.emergency')}
            </Alert>
          ) : null}
          <TextField
            fullWidth
            multiline
            minRows={3}
            margin="normal"
            label={t('common.reason')}
            helperText={`${t('patient.reasonHelp')} (${reason.length}/${MAX_REASON})`}
            value={reason}
            onChange={(e) => setReason(e.target.value.slice(0, MAX_REASON))}
            slotProps={{ htmlInput: { maxLength: MAX_REASON } }}
          />
          <UploadZone onUploaded={(id) => setDocumentIds((ids) => [...ids, id])} />
          {documentIds.length ? (
            <Alert severity="success" sx={{ mt: 1 }}>
              {t('documents.attached', { count: documentIds.length })}
            </Alert>
          ) : null}
          {result.error ? (
            <Alert severity="error" role="alert" sx={{ mt: 1 }}>
              {humanError(result.error, t)}
            </Alert>
          ) : null}
        </DialogContent>
        <DialogActions>
          <Button onClick={onClose}>{t('common.cancel')}</Button>
          <Button type="submit" variant="contained" disabled={result.fetching}>
            {t('patient.sendRequest')}
          </Button>
        </DialogActions>
      </form>
    </Dialog>
  );
}
