// Find a doctor: one search box with suggestions (a speciality in everyday words or translations, or
// a language, as the API's searchSuggestions understands them), doctor cards with the next free time
// bookable in one tap, and the chosen doctor's week as a day strip (live). Search, doctor and week live
// in the URL (?q=&doctor=&week=), so a reload or a shared link shows the same page.
import { useMemo, useState } from 'react';
import { Alert, Autocomplete, Avatar, Box, Button, Card, CardActions, CardContent, Chip, Link as MuiLink, TextField, Typography } from '@mui/material';
import { Link, useSearchParams } from 'react-router';
import { useMutation, useQuery } from 'urql';
import { useTranslation } from 'react-i18next';
import { JoinWaitlistDocument, MyWaitlistEntriesDocument, SearchDoctorsDocument, SearchSuggestionsDocument, type SearchDoctorsQuery } from '../../gql/graphql.ts';
import { PageTitle } from '../../components/PageTitle.tsx';
import { EmptyState, ErrorNotice, Loading } from '../../components/Feedback.tsx';
import { WeekNav } from '../../components/WeekNav.tsx';
import { addDays, dayKey, formatDateTime, startOfWeek, viewerTimeZone } from '../../lib/dates.ts';
import { useFreeSlots, type FreeSlot, type SlotChange } from './useFreeSlots.ts';
import { SlotWatchers } from './SlotWatchers.tsx';
import { DayStrip } from './DayStrip.tsx';
import { BookDialog } from './BookDialog.tsx';

type Found = SearchDoctorsQuery['availableSlots']['slots'][number];

/** A language code as a word in the UI language ("ro" → "Romanian" / "română"); other text as written. */
export function languageName(code: string, locale: string): string {
  try {
    return /^[a-z]{2,3}$/i.test(code) ? (new Intl.DisplayNames([locale], { type: 'language' }).of(code) ?? code) : code;
  } catch {
    return code;
  }
}

function initials(name: string): string {
  return name
    .replace(/^Dr\.?\s+/i, '')
    .split(/\s+/)
    .map((w) => w[0] ?? '')
    .join('')
    .slice(0, 2)
    .toUpperCase();
}

function weekFrom(param: string | null): Date {
  const d = param && /^\d{4}-\d{2}-\d{2}$/.test(param) ? new Date(`${param}T00:00:00`) : new Date();
  return startOfWeek(Number.isNaN(d.getTime()) ? new Date() : d);
}

function DoctorCard({ slots, selected, onSelect, onBook }: { slots: Found[]; selected: boolean; onSelect: () => void; onBook: (slot: Found) => void }) {
  const { t, i18n } = useTranslation();
  const { doctor } = slots[0]!;
  const profile = doctor.doctorProfile;
  const next = slots[0];
  const types = profile?.consultationTypes ?? [];
  return (
    <Card component="article" variant="outlined" aria-label={t('patient.doctorCard', { name: doctor.displayName })} sx={{ borderColor: selected ? 'primary.main' : 'divider', borderWidth: selected ? 2 : 1 }}>
      <CardContent sx={{ display: 'flex', gap: 2, alignItems: 'flex-start' }}>
        <Avatar sx={{ bgcolor: 'primary.dark' }} aria-hidden>
          {initials(doctor.displayName)}
        </Avatar>
        <Box sx={{ minWidth: 0 }}>
          <Typography variant="h6" component="h3">
            {doctor.displayName}
          </Typography>
          {profile?.specialisations.length ? <Typography>{profile.specialisations.join(', ')}</Typography> : null}
          {profile?.languages.length ? (
            <Typography variant="body2" color="text.secondary">
              {t('patient.speaks', { languages: profile.languages.map((l) => languageName(l, i18n.language)).join(', ') })}
            </Typography>
          ) : null}
          {profile?.clinic ? (
            <Typography variant="body2" color="text.secondary">
              {profile.clinic}
            </Typography>
          ) : null}
          <Box sx={{ display: 'flex', gap: 0.5, flexWrap: 'wrap', my: 0.5 }}>
            {types.map((c) => (
              <Chip key={c} size="small" label={t(`consultation.${c}`)} />
            ))}
          </Box>
          {profile?.bio ? (
            <Typography variant="body2" sx={{ overflowWrap: 'anywhere' }}>
              {profile.bio.length > 220 ? `${profile.bio.slice(0, 220)}…` : profile.bio}
            </Typography>
          ) : null}
        </Box>
      </CardContent>
      <CardActions sx={{ flexWrap: 'wrap', gap: 1 }}>
        {next ? (
          <Box sx={{ display: 'flex', flexDirection: 'column', alignItems: 'flex-start' }}>
            <Typography variant="caption" color="text.secondary">
              {t('patient.nextAvailable')}
            </Typography>
            <Button
              variant="contained"
              data-next-slot={next.startsAt}
              aria-label={t('patient.bookTimeWith', { time: formatDateTime(next.startsAt, i18n.language), name: doctor.displayName })}
              onClick={() => onBook(next)}
            >
              {t('patient.bookTime', { time: formatDateTime(next.startsAt, i18n.language) })}
            </Button>
          </Box>
        ) : (
          <Typography variant="body2">{t('patient.noTimeThisWeek')}</Typography>
        )}
        <Button onClick={onSelect} aria-pressed={selected}>
          {t('patient.seeTimes')}
        </Button>
      </CardActions>
    </Card>
  );
}

export function FindDoctorPage() {
  const { t, i18n } = useTranslation();
  const [params, setParams] = useSearchParams();
  const q = params.get('q') ?? '';
  const doctorId = params.get('doctor');
  const weekStart = useMemo(() => weekFrom(params.get('week')), [params]);
  const update = (changes: Record<string, string | null>) =>
    setParams(
      (prev) => {
        const next = new URLSearchParams(prev);
        for (const [k, v] of Object.entries(changes)) if (v) next.set(k, v);
        else next.delete(k);
        return next;
      },
      { replace: false },
    );
  const [typed, setTyped] = useState(q);
  const [suggestions] = useQuery({ query: SearchSuggestionsDocument, variables: { text: typed.trim() }, pause: typed.trim().length < 2 });
  const [picked, setPicked] = useState<FreeSlot | null>(null);
  const [notice, setNotice] = useState<'requested' | 'taken' | 'waitlist' | null>(null);
  const [waitlist, joinWaitlist] = useMutation(JoinWaitlistDocument);
  // Guard against waiting twice for the same doctor and week (the API refuses it too: ALREADY_WAITING).
  const [waiting, refetchWaiting] = useQuery({ query: MyWaitlistEntriesDocument, pause: !doctorId });
  const weekEnd = addDays(weekStart, 7).getTime();
  const alreadyWaiting = (waiting.data?.myWaitlistEntries ?? []).some(
    (e) => e.doctorId === doctorId && (e.status === 'WAITING' || e.status === 'OFFERED') && Date.parse(e.from) < weekEnd && Date.parse(e.to) > weekStart.getTime(),
  );

  const search = useMemo(
    () => ({ from: weekStart.toISOString(), to: addDays(weekStart, 7).toISOString(), timeZone: viewerTimeZone(), first: 200, text: q || undefined }),
    [weekStart, q],
  );
  const [found, refetchFound] = useQuery({ query: SearchDoctorsDocument, variables: { search } });
  const byDoctor = useMemo(() => {
    const groups = new Map<string, Found[]>();
    for (const s of [...(found.data?.availableSlots.slots ?? [])].sort((a, b) => a.startsAt.localeCompare(b.startsAt))) groups.set(s.doctor.id, [...(groups.get(s.doctor.id) ?? []), s]);
    return [...groups.values()];
  }, [found.data]);
  const selected = byDoctor.find((g) => g[0]!.doctor.id === doctorId)?.[0]!.doctor ?? null;
  // The chosen doctor's whole week, live (a search page holds at most 200 slots across all doctors).
  const week = useFreeSlots({ weekStart, doctorIds: doctorId ? [doctorId] : [], pause: !doctorId });
  const slots = week.slots.filter((s) => s.doctor.id === doctorId);
  const onChange = (change: SlotChange) => {
    week.onChange(change);
    refetchFound({ requestPolicy: 'network-only' });
  };
  const options = (suggestions.data?.searchSuggestions ?? []).map((s) => ({ ...s, label: s.kind === 'LANGUAGE' ? languageName(s.value, i18n.language) : s.value }));

  return (
    <>
      <PageTitle>{t('patient.findTitle')}</PageTitle>
      <Box
        component="form"
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          update({ q: typed.trim() || null, doctor: null });
        }}
        sx={{ display: 'flex', gap: 1, flexWrap: 'wrap', alignItems: 'flex-start' }}
      >
        <Autocomplete
          freeSolo
          options={options}
          filterOptions={(x) => x}
          groupBy={(o) => t(`patient.suggestion.${o.kind}`)}
          getOptionLabel={(o) => (typeof o === 'string' ? o : o.label)}
          inputValue={typed}
          onInputChange={(_e, value) => setTyped(value)}
          onChange={(_e, value) => {
            if (value && typeof value !== 'string') {
              setTyped(value.label);
              update({ q: value.value, doctor: null });
            }
          }}
          sx={{ flex: '1 1 260px', maxWidth: 480 }}
          renderInput={(p) => <TextField {...p} size="small" label={t('patient.searchLabel')} helperText={t('patient.searchHelp')} />}
        />
        <Button type="submit" variant="contained">
          {t('patient.search')}
        </Button>
      </Box>
      <WeekNav weekStart={weekStart} onChange={(d) => update({ week: dayKey(d) })} />
      <SlotWatchers doctorIds={byDoctor.map((g) => g[0]!.doctor.id)} onChange={onChange} />
      {notice === 'requested' ? (
        <Alert severity="success" role="status" onClose={() => setNotice(null)} sx={{ my: 1 }}>
          {t('patient.requested')}{' '}
          <MuiLink component={Link} to="/appointments">
            {t('nav.myAppointments')}
          </MuiLink>
        </Alert>
      ) : null}
      {notice === 'taken' ? (
        <Alert severity="warning" role="alert" onClose={() => setNotice(null)} sx={{ my: 1 }}>
          {t('errors.reason.SLOT_TAKEN')}
        </Alert>
      ) : null}
      {notice === 'waitlist' ? (
        <Alert severity="success" role="status" onClose={() => setNotice(null)} sx={{ my: 1 }}>
          {t('patient.waitlistJoined')}
        </Alert>
      ) : null}
      <ErrorNotice error={found.error ?? week.error} onRetry={() => (refetchFound({ requestPolicy: 'network-only' }), week.refetch())} />
      <ErrorNotice error={waitlist.error} />
      {found.fetching && !found.data ? <Loading /> : null}
      {found.data && byDoctor.length === 0 ? <EmptyState>{t('patient.noDoctors')}</EmptyState> : null}
      {byDoctor.length > 0 ? (
        <>
          <Typography variant="h6" component="h2" sx={{ mt: 2 }}>
            {t('patient.doctors')}
          </Typography>
          <Box sx={{ display: 'grid', gridTemplateColumns: { xs: '1fr', md: '1fr 1fr' }, gap: 2, mt: 1 }}>
            {byDoctor.map((g) => (
              <DoctorCard key={g[0]!.doctor.id} slots={g} selected={g[0]!.doctor.id === doctorId} onSelect={() => update({ doctor: g[0]!.doctor.id })} onBook={setPicked} />
            ))}
          </Box>
        </>
      ) : null}
      {selected ? (
        <Box component="section" aria-labelledby="week-title" sx={{ mt: 3 }}>
          <Typography variant="h6" component="h2" id="week-title">
            {t('patient.freeSlots', { name: selected.displayName })}
          </Typography>
          {week.fetching ? <Loading /> : <DayStrip key={`${selected.id}|${weekStart.toISOString()}`} weekStart={weekStart} slots={slots} doctorZone={selected.doctorProfile?.timeZone} onPick={setPicked} />}
          {week.hasMore ? (
            <Button sx={{ mt: 2, mr: 1 }} variant="outlined" disabled={week.loadingMore} onClick={() => void week.loadMore()}>
              {t('patient.moreTimes')}
            </Button>
          ) : null}
          <Button
            sx={{ mt: 2 }}
            disabled={waitlist.fetching || waiting.fetching || alreadyWaiting}
            aria-describedby={alreadyWaiting ? 'already-waiting' : undefined}
            onClick={async () => {
              const res = await joinWaitlist({ input: { doctorId: selected.id, from: weekStart.toISOString(), to: addDays(weekStart, 7).toISOString() } });
              if (res.data) setNotice('waitlist');
              refetchWaiting({ requestPolicy: 'network-only' });
            }}
          >
            {t('patient.joinWaitlist')}
          </Button>
          {alreadyWaiting ? (
            <Typography id="already-waiting" variant="body2" sx={{ mt: 1 }}>
              {t('waitlistLive.alreadyWaiting')}{' '}
              <MuiLink component={Link} to="/waitlist">
                {t('patient.waitlistTitle')}
              </MuiLink>
            </Typography>
          ) : null}
        </Box>
      ) : null}
      <BookDialog
        slot={picked}
        onClose={() => setPicked(null)}
        onBooked={(slot, taken) => {
          setPicked(null);
          week.markTaken(slot.doctor.id, slot.startsAt);
          setNotice(taken ? 'taken' : 'requested');
          refetchFound({ requestPolicy: 'network-only' });
          week.refetch();
        }}
      />
    </>
  );
}
