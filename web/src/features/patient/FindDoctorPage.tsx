// Find a doctor by specialisation and language, see that doctor's free week (live), request a time,
// or join the waiting list when nothing suits.
import { useMemo, useState } from 'react';
import { Alert, Box, Button, Link as MuiLink, TextField, ToggleButton, ToggleButtonGroup, Typography } from '@mui/material';
import { Link } from 'react-router';
import { useMutation } from 'urql';
import { useTranslation } from 'react-i18next';
import { JoinWaitlistDocument } from '../../gql/graphql.ts';
import { PageTitle } from '../../components/PageTitle.tsx';
import { EmptyState, ErrorNotice, Loading } from '../../components/Feedback.tsx';
import { WeekNav } from '../../components/WeekNav.tsx';
import { addDays, startOfWeek } from '../../lib/dates.ts';
import { useFreeSlots, type FreeSlot, type SlotChange } from './useFreeSlots.ts';
import { SlotWatchers } from './SlotWatchers.tsx';
import { WeekSlots } from './WeekSlots.tsx';
import { BookDialog } from './BookDialog.tsx';

export function FindDoctorPage() {
  const { t } = useTranslation();
  const [weekStart, setWeekStart] = useState(() => startOfWeek(new Date()));
  const [form, setForm] = useState({ specialisation: '', language: '' });
  const [filters, setFilters] = useState({ specialisation: '', language: '' });
  const [doctorId, setDoctorId] = useState<string | null>(null);
  const [picked, setPicked] = useState<FreeSlot | null>(null);
  const [notice, setNotice] = useState<'requested' | 'conflict' | 'waitlist' | null>(null);
  const free = useFreeSlots({ weekStart, ...filters });
  const [waitlist, joinWaitlist] = useMutation(JoinWaitlistDocument);

  const doctors = useMemo(() => {
    const seen = new Map<string, string>();
    for (const s of free.slots) seen.set(s.doctor.id, s.doctor.displayName);
    return [...seen].map(([id, name]) => ({ id, name }));
  }, [free.slots]);
  const selected = doctors.find((d) => d.id === doctorId) ?? doctors[0] ?? null;
  // The search finds doctors; the chosen doctor's whole week is fetched on its own (a search page
  // holds at most 100 slots across all doctors).
  const week = useFreeSlots({ weekStart, doctorIds: selected ? [selected.id] : [], pause: !selected });
  const slots = week.slots.filter((s) => s.doctor.id === selected?.id);
  const onChange = (change: SlotChange) => {
    free.onChange(change);
    week.onChange(change);
  };

  return (
    <>
      <PageTitle>{t('patient.findTitle')}</PageTitle>
      <Box
        component="form"
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          setFilters(form);
          setDoctorId(null);
        }}
        sx={{ display: 'flex', gap: 2, flexWrap: 'wrap', alignItems: 'center' }}
      >
        <TextField label={t('patient.specialization')} value={form.specialisation} onChange={(e) => setForm({ ...form, specialisation: e.target.value })} size="small" />
        <TextField label={t('patient.language')} value={form.language} onChange={(e) => setForm({ ...form, language: e.target.value })} size="small" />
        <Button type="submit" variant="contained">
          {t('patient.search')}
        </Button>
      </Box>
      <WeekNav weekStart={weekStart} onChange={setWeekStart} />
      <SlotWatchers doctorIds={doctors.map((d) => d.id)} onChange={onChange} />
      {notice === 'requested' ? (
        <Alert severity="success" role="status" onClose={() => setNotice(null)} sx={{ my: 1 }}>
          {t('patient.requested')}{' '}
          <MuiLink component={Link} to="/appointments">
            {t('nav.myAppointments')}
          </MuiLink>
        </Alert>
      ) : null}
      {notice === 'conflict' ? (
        <Alert severity="warning" role="alert" onClose={() => setNotice(null)} sx={{ my: 1 }}>
          {t('errors.CONFLICT')}
        </Alert>
      ) : null}
      {notice === 'waitlist' ? (
        <Alert severity="success" role="status" onClose={() => setNotice(null)} sx={{ my: 1 }}>
          {t('patient.waitlistJoined')}
        </Alert>
      ) : null}
      <ErrorNotice error={free.error ?? week.error} onRetry={() => (free.refetch(), week.refetch())} />
      <ErrorNotice error={waitlist.error} />
      {free.fetching ? <Loading /> : null}
      {!free.fetching && !free.error && doctors.length === 0 ? <EmptyState>{t('patient.noDoctors')}</EmptyState> : null}
      {doctors.length > 0 ? (
        <>
          <Typography variant="h6" component="h2" sx={{ mt: 2 }} id="doctors-label">
            {t('patient.doctors')}
          </Typography>
          <ToggleButtonGroup
            exclusive
            aria-labelledby="doctors-label"
            value={selected?.id ?? null}
            onChange={(_e, id: string | null) => id && setDoctorId(id)}
            sx={{ flexWrap: 'wrap' }}
          >
            {doctors.map((d) => (
              <ToggleButton key={d.id} value={d.id}>
                {d.name}
              </ToggleButton>
            ))}
          </ToggleButtonGroup>
        </>
      ) : null}
      {selected ? (
        <>
          <Typography variant="h6" component="h2" sx={{ mt: 2 }}>
            {t('patient.freeSlots', { name: selected.name })}
          </Typography>
          {week.fetching ? <Loading /> : null}
          {!week.fetching && slots.length === 0 ? <EmptyState>{t('patient.noSlots')}</EmptyState> : <WeekSlots weekStart={weekStart} slots={slots} onPick={setPicked} />}
          {week.hasMore ? (
            <Button sx={{ mt: 2, mr: 1 }} variant="outlined" disabled={week.loadingMore} onClick={() => void week.loadMore()}>
              {t('patient.moreTimes')}
            </Button>
          ) : null}
          <Button
            sx={{ mt: 2 }}
            disabled={waitlist.fetching}
            onClick={async () => {
              const res = await joinWaitlist({ input: { doctorId: selected.id, from: weekStart.toISOString(), to: addDays(weekStart, 7).toISOString() } });
              if (res.data) setNotice('waitlist');
            }}
          >
            {t('patient.joinWaitlist')}
          </Button>
        </>
      ) : null}
      <BookDialog
        slot={picked}
        onClose={() => setPicked(null)}
        onBooked={(slot, conflict) => {
          setPicked(null);
          free.markTaken(slot.doctor.id, slot.startsAt);
          week.markTaken(slot.doctor.id, slot.startsAt);
          setNotice(conflict ? 'conflict' : 'requested');
          free.refetch();
          week.refetch();
        }}
      />
    </>
  );
}
