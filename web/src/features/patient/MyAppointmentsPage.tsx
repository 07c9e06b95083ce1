// The patient's appointments, newest first, with status that changes live when the doctor decides;
// cancel and reschedule where the status still allows it (the API enforces the clinic's deadlines).
import { useState } from 'react';
import { Button, Table, TableBody, TableCell, TableContainer, TableHead, TableRow, Paper, Link as MuiLink, Typography } from '@mui/material';
import { Link } from 'react-router';
import { useMutation } from 'urql';
import { useTranslation } from 'react-i18next';
import { CancelAppointmentDocument } from '../../gql/graphql.ts';
import { PageTitle } from '../../components/PageTitle.tsx';
import { EmptyState, ErrorNotice, Loading } from '../../components/Feedback.tsx';
import { StatusChip } from '../../components/StatusChip.tsx';
import { formatDateTime } from '../../lib/dates.ts';
import { useLiveAppointments } from './useLiveAppointments.ts';
import { RescheduleDialog } from './RescheduleDialog.tsx';

const ACTIVE = new Set(['REQUESTED', 'APPROVED']);

export function MyAppointmentsPage() {
  const { t, i18n } = useTranslation();
  const { appointments, fetching, error, refetch, setLocalStatus } = useLiveAppointments();
  const [cancelResult, cancel] = useMutation(CancelAppointmentDocument);
  const [moving, setMoving] = useState<(typeof appointments)[number] | null>(null);

  return (
    <>
      <PageTitle>{t('patient.myTitle')}</PageTitle>
      <ErrorNotice error={error} onRetry={refetch} />
      <ErrorNotice error={cancelResult.error} />
      {fetching ? <Loading /> : null}
      {!fetching && !error && appointments.length === 0 ? (
        <EmptyState
          action={
            <MuiLink component={Link} to="/find">
              {t('nav.findDoctor')}
            </MuiLink>
          }
        >
          {t('patient.noAppointments')}
        </EmptyState>
      ) : null}
      {appointments.length > 0 ? (
        <TableContainer component={Paper}>
          <Table aria-label={t('patient.myTitle')}>
            <TableHead>
              <TableRow>
                <TableCell>{t('common.when')}</TableCell>
                <TableCell>{t('common.doctor')}</TableCell>
                <TableCell>{t('common.status')}</TableCell>
                <TableCell>{t('common.reason')}</TableCell>
                <TableCell>{t('common.actions')}</TableCell>
              </TableRow>
            </TableHead>
            <TableBody>
              {appointments.map((a) => {
                const note = [...a.history].reverse().find((h) => h.toStatus === a.status && h.reason)?.reason;
                return (
                  <TableRow key={a.id} data-appointment={a.id}>
                    <TableCell>{formatDateTime(a.startsAt, i18n.language)}</TableCell>
                    <TableCell>{a.doctor.displayName}</TableCell>
                    <TableCell aria-live="polite">
                      <StatusChip status={a.status} />
                      {note ? (
                        <Typography variant="body2" color="text.secondary">
                          {t('patient.decisionReason')}: {note}
                        </Typography>
                      ) : null}
                    </TableCell>
                    <TableCell>{a.reason ?? '—'}</TableCell>
                    <TableCell>
                      {ACTIVE.has(a.status) ? (
                        <>
                          <Button size="small" onClick={() => setMoving(a)}>
                            {t('patient.reschedule')}
                          </Button>
                          <Button
                            size="small"
                            color="error"
                            disabled={cancelResult.fetching}
                            onClick={async () => {
                              if (!window.confirm(t('patient.cancelConfirm'))) return;
                              const res = await cancel({ id: a.id });
                              if (res.data) setLocalStatus(a.id, res.data.cancelAppointment.status);
                            }}
                          >
                            {t('patient.cancel')}
                          </Button>
                        </>
                      ) : null}
                    </TableCell>
                  </TableRow>
                );
              })}
            </TableBody>
          </Table>
        </TableContainer>
      ) : null}
      <RescheduleDialog
        appointment={moving}
        onClose={(done) => {
          setMoving(null);
          if (done) refetch();
        }}
      />
    </>
  );
}
