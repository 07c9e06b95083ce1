// One appointment's page: when and with whom, kind and place, its status with the history of how it
// got there (live), the clinic's change policy, "add to calendar" (.ics), and reschedule / cancel with
// a reason while it is still upcoming, the pre-appointment form, and the confirmation as a PDF.
// Reached from My appointments (/appointments/:id).
import { useState } from 'react';
import { Box, Button, Link as MuiLink, List, ListItem, ListItemText, Paper, Typography } from '@mui/material';
import { Link, useParams } from 'react-router';
import { useQuery, useSubscription } from 'urql';
import { useTranslation } from 'react-i18next';
import { AppointmentDetailDocument, MyAppointmentStatusChangedDocument } from '../../gql/graphql.ts';
import { PageTitle } from '../../components/PageTitle.tsx';
import { EmptyState, ErrorNotice, Loading } from '../../components/Feedback.tsx';
import { StatusChip } from '../../components/StatusChip.tsx';
import { formatDateTime } from '../../lib/dates.ts';
import { downloadIcs } from '../../lib/ics.ts';
import { RescheduleDialog, rescheduleConsequence } from './RescheduleDialog.tsx';
import { CancelDialog } from './CancelDialog.tsx';
import { ACTIVE } from './MyAppointmentsPage.tsx';
import { ConfirmationButton } from '../documents/ConfirmationButton.tsx';

export function AppointmentPage() {
  const { t, i18n } = useTranslation();
  const { id = '' } = useParams();
  const [result, reexecute] = useQuery({ query: AppointmentDetailDocument, variables: { id } });
  const refetch = () => reexecute({ requestPolicy: 'network-only' });
  useSubscription({ query: MyAppointmentStatusChangedDocument }, (_prev, data) => {
    if (data.myAppointmentStatusChanged.appointmentId === id) refetch();
    return data;
  });
  const [moving, setMoving] = useState(false);
  const [cancelling, setCancelling] = useState(false);
  const a = result.data?.appointment;
  const upcoming = a && ACTIVE.has(a.status) && new Date(a.startsAt).getTime() > Date.now();
  const place = a?.consultationType === 'IN_PERSON' ? a.doctor.doctorProfile?.clinic : null;

  return (
    <>
      <MuiLink component={Link} to="/appointments">
        {t('patient.backToList')}
      </MuiLink>
      <PageTitle>{a ? `${t('patient.detailTitle')}: ${formatDateTime(a.startsAt, i18n.language)}` : t('patient.detailTitle')}</PageTitle>
      <ErrorNotice error={result.error} onRetry={refetch} />
      {result.fetching && !result.data ? <Loading /> : null}
      {result.data && !a ? <EmptyState>{t('errors.NOT_FOUND')}</EmptyState> : null}
      {a ? (
        <Box sx={{ display: 'grid', gap: 2 }}>
          <Paper variant="outlined" sx={{ p: 2 }} component="section" aria-label={t('patient.details')}>
            <Box aria-live="polite" data-appointment={a.id}>
              <StatusChip status={a.status} />
            </Box>
            <Typography variant="h6" component="h2" sx={{ mt: 1 }}>
              {a.doctor.displayName}
            </Typography>
            {a.doctor.doctorProfile?.specialisations.length ? <Typography>{a.doctor.doctorProfile.specialisations.join(', ')}</Typography> : null}
            <Typography>
              {formatDateTime(a.startsAt, i18n.language)} – {formatDateTime(a.endsAt, i18n.language)}
            </Typography>
            <Typography>
              {t('patient.mode')}: {t(`consultation.${a.consultationType}`, { defaultValue: a.consultationType })} · {t(`category.${a.category}`)}
            </Typography>
            {place ? (
              <Typography>
                {t('patient.place')}: {place}
              </Typography>
            ) : null}
            {a.reason ? (
              <Typography sx={{ overflowWrap: 'anywhere' }}>
                {t('common.reason')}: {a.reason}
              </Typography>
            ) : null}
            {upcoming ? (
              <Typography variant="body2" color="text.secondary" sx={{ mt: 1 }}>
                {t('patient.policy')}: {t('patient.policyDeadline', { when: formatDateTime(a.changeDeadline, i18n.language) })} {t('patient.reschedule')}: {rescheduleConsequence(a, t, i18n.language)}
              </Typography>
            ) : null}
            <Box sx={{ display: 'flex', gap: 1, flexWrap: 'wrap', mt: 2 }}>
              <Button
                variant="outlined"
                onClick={() =>
                  downloadIcs({
                    id: a.id,
                    startsAt: a.startsAt,
                    endsAt: a.endsAt,
                    title: t('patient.calendarTitle', { name: a.doctor.displayName }),
                    location: place,
                    description: t(`consultation.${a.consultationType}`, { defaultValue: a.consultationType }),
                  })
                }
              >
                {t('patient.addToCalendar')}
              </Button>
              <ConfirmationButton appointmentId={a.id} />
              {upcoming ? (
                <>
                  <Button variant="outlined" component={Link} to={`/appointments/${a.id}/intake`}>
                    {t('patient.fillIntake')}
                  </Button>
                  <Button variant="outlined" onClick={() => setMoving(true)}>
                    {t('patient.reschedule')}
                  </Button>
                  <Button variant="outlined" color="error" onClick={() => setCancelling(true)}>
                    {t('patient.cancel')}
                  </Button>
                </>
              ) : null}
            </Box>
          </Paper>
          <Paper variant="outlined" sx={{ p: 2 }} component="section" aria-labelledby="history-title">
            <Typography variant="h6" component="h2" id="history-title">
              {t('patient.history')}
            </Typography>
            <List dense>
              {a.history.map((h) => (
                <ListItem key={h.id} disableGutters>
                  <ListItemText
                    primary={`${formatDateTime(h.occurredAt, i18n.language)} · ${t(`status.${h.toStatus}`)}`}
                    secondary={[h.previousStartsAt ? t('patient.movedFrom', { when: formatDateTime(h.previousStartsAt, i18n.language) }) : null, h.reason].filter(Boolean).join(' · ') || null}
                  />
                </ListItem>
              ))}
            </List>
          </Paper>
        </Box>
      ) : null}
      <RescheduleDialog
        appointment={moving && a ? a : null}
        onClose={(done) => {
          setMoving(false);
          if (done) refetch();
        }}
      />
      <CancelDialog
        appointment={cancelling && a ? a : null}
        onClose={(status) => {
          setCancelling(false);
          if (status) refetch();
        }}
      />
    </>
  );
}
