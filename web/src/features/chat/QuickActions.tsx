// Quick actions in a message run as the ordinary appointments mutations with the viewer's own token: the
// server decides (a patient's "confirm" is refused like any approval by a patient, and the refusal shows).
import { useState } from 'react';
import { Alert, Button, Stack } from '@mui/material';
import { useTranslation } from 'react-i18next';
import { useMutation, type CombinedError } from 'urql';
import { ApproveAppointmentDocument, CancelAppointmentDocument, RequestAppointmentDocument, RescheduleAppointmentDocument, type QuickActionKind } from '../../gql/graphql.ts';
import { humanError } from '../../api/errors.ts';
import { formatDateTime } from '../../lib/dates.ts';

export interface QuickActionView {
  kind: QuickActionKind;
  appointmentId?: string | null;
  doctorId?: string | null;
  startsAt?: string | null;
  consultationType?: string | null;
}

export function QuickActions({ actions }: { actions: QuickActionView[] }) {
  const { t, i18n } = useTranslation();
  const [, book] = useMutation(RequestAppointmentDocument);
  const [, approve] = useMutation(ApproveAppointmentDocument);
  const [, cancel] = useMutation(CancelAppointmentDocument);
  const [, reschedule] = useMutation(RescheduleAppointmentDocument);
  const [outcome, setOutcome] = useState<{ ok: boolean; text: string } | null>(null);
  if (!actions.length) return null;

  const run = async (a: QuickActionView) => {
    let error: CombinedError | undefined;
    if (a.kind === 'BOOK_SLOT') error = (await book({ input: { doctorId: a.doctorId!, startsAt: a.startsAt!, consultationType: a.consultationType ?? undefined } })).error;
    else if (a.kind === 'CONFIRM') error = (await approve({ id: a.appointmentId! })).error;
    else if (a.kind === 'CANCEL') error = (await cancel({ id: a.appointmentId! })).error;
    else error = (await reschedule({ id: a.appointmentId!, startsAt: a.startsAt! })).error;
    setOutcome(error ? { ok: false, text: humanError(error, t) ?? '' } : { ok: true, text: t('chat.actionDone') });
  };

  return (
    <Stack spacing={1} sx={{ mt: 1 }}>
      <Stack direction="row" spacing={1} sx={{ flexWrap: 'wrap' }}>
        {actions.map((a, i) => (
          <Button key={i} size="small" variant="outlined" onClick={() => void run(a)}>
            {t(`chat.action.${a.kind}`, { when: a.startsAt ? formatDateTime(a.startsAt, i18n.language) : '' })}
          </Button>
        ))}
      </Stack>
      {outcome ? <Alert severity={outcome.ok ? 'success' : 'error'} role="status">{outcome.text}</Alert> : null}
    </Stack>
  );
}
