// The doctor's day or week: requested and approved appointments in time order, grouped by day, live.
import { useMemo, useState } from 'react';
import { Box, Button, List, ListItem, ListItemText, Paper, ToggleButton, ToggleButtonGroup, Typography } from '@mui/material';
import { useTranslation } from 'react-i18next';
import { PageTitle } from '../../components/PageTitle.tsx';
import { EmptyState, ErrorNotice, Loading } from '../../components/Feedback.tsx';
import { StatusChip } from '../../components/StatusChip.tsx';
import { WeekNav } from '../../components/WeekNav.tsx';
import { addDays, dayKey, formatDay, formatTime, startOfWeek } from '../../lib/dates.ts';
import { useLiveAppointments } from '../patient/useLiveAppointments.ts';

export function DoctorCalendarPage() {
  const { t, i18n } = useTranslation();
  const [view, setView] = useState<'day' | 'week'>('week');
  const [start, setStart] = useState(() => startOfWeek(new Date()));
  const [day, setDay] = useState(() => {
    const d = new Date();
    return new Date(d.getFullYear(), d.getMonth(), d.getDate());
  });
  const from = view === 'week' ? start : day;
  const to = addDays(from, view === 'week' ? 7 : 1);
  const variables = useMemo(
    () => ({ from: from.toISOString(), to: to.toISOString(), status: ['REQUESTED' as const, 'APPROVED' as const], order: 'UPCOMING_FIRST' as const, first: 500 }),
    [from, to],
  );
  const { appointments, fetching, error, refetch } = useLiveAppointments(variables);
  const days = Array.from({ length: view === 'week' ? 7 : 1 }, (_, i) => addDays(from, i));

  return (
    <>
      <PageTitle>{t('doctor.calendarTitle')}</PageTitle>
      <ToggleButtonGroup exclusive value={view} onChange={(_e, v: 'day' | 'week' | null) => v && setView(v)} aria-label={t('doctor.calendarTitle')} size="small">
        <ToggleButton value="day">{t('doctor.day')}</ToggleButton>
        <ToggleButton value="week">{t('doctor.week')}</ToggleButton>
      </ToggleButtonGroup>
      {view === 'week' ? (
        <WeekNav weekStart={start} onChange={setStart} />
      ) : (
        <Box sx={{ display: 'flex', gap: 1, alignItems: 'center', my: 1 }}>
          <Button onClick={() => setDay(addDays(day, -1))}>←</Button>
          <Typography aria-live="polite">{formatDay(day, i18n.language)}</Typography>
          <Button onClick={() => setDay(addDays(day, 1))}>→</Button>
        </Box>
      )}
      <ErrorNotice error={error} onRetry={refetch} />
      {fetching ? <Loading /> : null}
      {!fetching && appointments.length === 0 ? <EmptyState>{t('doctor.noAppointmentsDay')}</EmptyState> : null}
      {days.map((d) => {
        const items = appointments.filter((a) => dayKey(new Date(a.startsAt)) === dayKey(d)).sort((a, b) => a.startsAt.localeCompare(b.startsAt));
        if (items.length === 0) return null;
        return (
          <Paper key={d.toISOString()} sx={{ my: 1, p: 1 }}>
            <Typography variant="h6" component="h2">
              {formatDay(d, i18n.language)}
            </Typography>
            <List dense>
              {items.map((a) => (
                <ListItem key={a.id} secondaryAction={<StatusChip status={a.status} />}>
                  <ListItemText primary={`${formatTime(a.startsAt, i18n.language)}–${formatTime(a.endsAt, i18n.language)} · ${a.patient.displayName}`} secondary={a.reason ?? undefined} />
                </ListItem>
              ))}
            </List>
          </Paper>
        );
      })}
    </>
  );
}
