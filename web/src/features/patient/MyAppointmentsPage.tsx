// The patient's appointments in three tabs (upcoming, past, cancelled or declined), as cards that fit
// a phone without sideways scrolling; status changes live when the doctor decides. Each card opens
// the appointment's page and offers reschedule (confirmed, stating what happens to the status) and
// cancel (confirmed, with a reason) where the status still allows it; the API enforces the deadlines.
import { useState } from 'react';
import { Box, Button, Link as MuiLink, Paper, Tab, Tabs, Typography } from '@mui/material';
import { Link, useSearchParams } from 'react-router';
import { useTranslation } from 'react-i18next';
import { PageTitle } from '../../components/PageTitle.tsx';
import { EmptyState, ErrorNotice, Loading } from '../../components/Feedback.tsx';
import { StatusChip } from '../../components/StatusChip.tsx';
import { formatDateTime } from '../../lib/dates.ts';
import { useLiveAppointments } from './useLiveAppointments.ts';
import { RescheduleDialog } from './RescheduleDialog.tsx';
import { CancelDialog } from './CancelDialog.tsx';
import { AppointmentDocumentsDialog } from '../documents/AppointmentDocumentsDialog.tsx';

export const ACTIVE = new Set(['REQUESTED', 'APPROVED']);
const CLOSED = new Set(['CANCELLED', 'DECLINED', 'EXPIRED']);
const TABS = ['upcoming', 'past', 'cancelled'] as const;
type TabName = (typeof TABS)[number];

function tabOf(a: { status: string; endsAt: string }, now: number): TabName {
  if (CLOSED.has(a.status)) return 'cancelled';
  return new Date(a.endsAt).getTime() < now || !ACTIVE.has(a.status) ? 'past' : 'upcoming';
}

export function MyAppointmentsPage() {
  const { t, i18n } = useTranslation();
  const { appointments, fetching, error, refetch, setLocalStatus } = useLiveAppointments();
  const [params, setParams] = useSearchParams();
  const tab: TabName = (TABS as readonly string[]).includes(params.get('tab') ?? '') ? (params.get('tab') as TabName) : 'upcoming';
  const [moving, setMoving] = useState<(typeof appointments)[number] | null>(null);
  const [cancelling, setCancelling] = useState<(typeof appointments)[number] | null>(null);
  const now = Date.now();
  // Upcoming soonest first; past and cancelled newest first (whatever order the API answers in).
  const shown = appointments.filter((a) => tabOf(a, now) === tab).sort((a, b) => a.startsAt.localeCompare(b.startsAt) * (tab === 'upcoming' ? 1 : -1));
  const [filesOf, setFilesOf] = useState<string | null>(null);

  return (
    <>
      <PageTitle>{t('patient.myTitle')}</PageTitle>
      <Tabs value={tab} onChange={(_e, v: TabName) => setParams({ tab: v })} variant="fullWidth" aria-label={t('patient.myTitle')} sx={{ mb: 2 }}>
        {TABS.map((name) => (
          <Tab key={name} value={name} label={t(`patient.tabs.${name}`)} />
        ))}
      </Tabs>
      <ErrorNotice error={error} onRetry={refetch} />
      {fetching ? <Loading /> : null}
      {!fetching && !error && shown.length === 0 ? (
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
      <Box component="ul" aria-label={t(`patient.tabs.${tab}`)} sx={{ listStyle: 'none', p: 0, m: 0, display: 'grid', gap: 1.5 }}>
        {shown.map((a) => {
          const note = [...a.history].reverse().find((h) => h.toStatus === a.status && h.reason)?.reason;
          return (
            <Paper component="li" key={a.id} data-appointment={a.id} variant="outlined" sx={{ p: 2, display: 'flex', flexWrap: 'wrap', gap: 1, alignItems: 'center', justifyContent: 'space-between' }}>
              <Box sx={{ minWidth: 0, flex: '1 1 220px' }}>
                <Typography component="h2" variant="subtitle1" sx={{ fontWeight: 600 }}>
                  <MuiLink component={Link} to={`/appointments/${a.id}`}>
                    {formatDateTime(a.startsAt, i18n.language)}
                  </MuiLink>
                </Typography>
                <Typography>{a.doctor.displayName}</Typography>
                <Box aria-live="polite" sx={{ mt: 0.5 }}>
                  <StatusChip status={a.status} />
                </Box>
                {note ? (
                  <Typography variant="body2" color="text.secondary" sx={{ overflowWrap: 'anywhere' }}>
                    {t('patient.decisionReason')}: {note}
                  </Typography>
                ) : null}
                {a.reason ? (
                  <Typography variant="body2" color="text.secondary" sx={{ overflowWrap: 'anywhere' }}>
                    {t('common.reason')}: {a.reason}
                  </Typography>
                ) : null}
              </Box>
              <Box sx={{ display: 'flex', gap: 1, flexWrap: 'wrap' }}>
                <Button size="small" variant="outlined" onClick={() => setFilesOf(a.id)}>
                  {t('documents.open')}
                </Button>
                {ACTIVE.has(a.status) && tab === 'upcoming' ? (
                  <>
                    <Button size="small" variant="outlined" onClick={() => setMoving(a)}>
                      {t('patient.reschedule')}
                    </Button>
                    <Button size="small" color="error" variant="outlined" onClick={() => setCancelling(a)}>
                      {t('patient.cancel')}
                    </Button>
                  </>
                ) : null}
              </Box>
            </Paper>
          );
        })}
      </Box>
      <AppointmentDocumentsDialog appointmentId={filesOf} onClose={() => setFilesOf(null)} />
      <RescheduleDialog
        appointment={moving}
        onClose={(done) => {
          setMoving(null);
          if (done) refetch();
        }}
      />
      <CancelDialog
        appointment={cancelling}
        onClose={(status) => {
          if (cancelling && status) setLocalStatus(cancelling.id, status);
          setCancelling(null);
        }}
      />
    </>
  );
}
