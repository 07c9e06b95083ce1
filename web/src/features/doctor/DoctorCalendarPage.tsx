// The doctor's day or week as a grid in the doctor's own time zone (labelled): working hours, breaks,
// free and booked time, live. Select time on the grid (mouse, or arrows with Shift) to add a break or
// block it; open a break to change its time or remove it (with Undo); open a past approved appointment
// to record a no-show. On a phone the grid shows one day.
import { useEffect, useMemo, useState } from 'react';
import { Alert, Box, Button, ToggleButton, ToggleButtonGroup, Typography, useMediaQuery, useTheme } from '@mui/material';
import { useClient, useMutation, useQuery, useSubscription } from 'urql';
import { useTranslation } from 'react-i18next';
import {
  AddScheduleExceptionDocument,
  CalendarAppointmentsDocument,
  CalendarExceptionsDocument,
  DoctorFreeSlotsDocument,
  MarkNoShowDocument,
  MyAppointmentStatusChangedDocument,
  MyDoctorProfileDocument,
  RemoveScheduleExceptionDocument,
  ScheduleRulesDocument,
  SlotAvailabilityChangedDocument,
  type CalendarExceptionsQuery,
  type ScheduleExceptionInput,
} from '../../gql/graphql.ts';
import { useSession } from '../../api/session-react.tsx';
import { humanError } from '../../api/errors.ts';
import { PageTitle } from '../../components/PageTitle.tsx';
import { ErrorNotice, Loading } from '../../components/Feedback.tsx';
import { UndoNotice, type Undoable } from '../../components/UndoNotice.tsx';
import { addLocalDays, formatClock, formatLocalDay, minutesOf, mondayOf, todayIn, zonedInstant, zonedParts } from '../../lib/zoned.ts';
import { buildCalendar, canBlock, spanOf, type Cell } from './calendar-model.ts';
import { CalendarGrid, type Selection } from './CalendarGrid.tsx';
import { CellPanel } from './CalendarCellPanel.tsx';

type Exception = CalendarExceptionsQuery['scheduleExceptions'][number];
/** A week of 20-minute visits around the clock stays under this (the API's most per call). */
const WEEK_MAX_APPOINTMENTS = 500;

/** The same exception again (for Undo): by local dates when it was given by dates, else by instants. */
export function exceptionInput(x: Exception, doctorId: string): ScheduleExceptionInput {
  const when = x.startDate ? { startDate: x.startDate, endDate: x.endDate } : { startsAt: x.startsAt, endsAt: x.endsAt };
  return { doctorId, kind: x.kind, ...when, label: x.label ?? null, slotMinutes: x.slotMinutes ?? null, consultationType: x.consultationType ?? null };
}

export function DoctorCalendarPage() {
  const { t, i18n } = useTranslation();
  const { userId } = useSession();
  const doctorId = userId ?? '';
  const theme = useTheme();
  const phone = useMediaQuery(theme.breakpoints.down('sm'));
  const [chosenView, setView] = useState<'day' | 'week'>('week');
  const view = phone ? 'day' : chosenView;
  const [profile] = useQuery({ query: MyDoctorProfileDocument });
  const zone = profile.data?.me?.doctorProfile?.timeZone ?? 'UTC';
  const [now, setNow] = useState(() => new Date());
  useEffect(() => {
    const timer = setInterval(() => setNow(new Date()), 60_000);
    return () => clearInterval(timer);
  }, []);
  const [picked, setPicked] = useState<string | null>(null);
  const date = picked ?? todayIn(zone, now);
  const days = useMemo(() => (view === 'week' ? Array.from({ length: 7 }, (_, i) => addLocalDays(mondayOf(date), i)) : [date]), [view, date]);
  const range = useMemo(
    () => ({ from: zonedInstant(days[0]!, '00:00', zone).toISOString(), to: zonedInstant(addLocalDays(days.at(-1)!, 1), '00:00', zone).toISOString() }),
    [days, zone],
  );
  const ready = Boolean(profile.data) && Boolean(doctorId);

  const [rules] = useQuery({ query: ScheduleRulesDocument, variables: { doctorId }, pause: !ready });
  const [appointments, refetchAppointments] = useQuery({ query: CalendarAppointmentsDocument, variables: { ...range, first: WEEK_MAX_APPOINTMENTS }, pause: !ready, requestPolicy: 'cache-and-network' });
  const [exceptions, refetchExceptions] = useQuery({ query: CalendarExceptionsDocument, variables: { doctorId, ...range }, pause: !ready, requestPolicy: 'cache-and-network' });
  const search = useMemo(() => ({ doctorIds: [doctorId], ...range, timeZone: zone, first: 200 }), [doctorId, range, zone]);
  const [free, refetchFree] = useQuery({ query: DoctorFreeSlotsDocument, variables: { search }, pause: !ready, requestPolicy: 'cache-and-network' });
  // A long week has more free times than one page (200): the later pages are read too.
  const client = useClient();
  const [laterFree, setLaterFree] = useState<{ for: unknown; slots: { startsAt: string; endsAt: string }[] }>({ for: null, slots: [] });
  useEffect(() => {
    const page = free.data?.availableSlots;
    if (!page?.hasNextPage) return;
    let cancelled = false;
    void (async () => {
      const slots: { startsAt: string; endsAt: string }[] = [];
      let after = page.endCursor;
      for (let i = 0; after && i < 10; i++) {
        const next = await client.query(DoctorFreeSlotsDocument, { search: { ...search, after } }, { requestPolicy: 'network-only' }).toPromise();
        slots.push(...(next.data?.availableSlots.slots ?? []));
        after = next.data?.availableSlots.hasNextPage ? next.data.availableSlots.endCursor : null;
      }
      if (!cancelled) setLaterFree({ for: free.data, slots });
    })();
    return () => {
      cancelled = true;
    };
  }, [client, free.data, search]);
  const refresh = () => {
    for (const r of [refetchAppointments, refetchExceptions, refetchFree]) r({ requestPolicy: 'network-only' });
  };
  useSubscription({ query: MyAppointmentStatusChangedDocument, pause: !ready }, (_p, data) => (refresh(), data));
  useSubscription({ query: SlotAvailabilityChangedDocument, variables: { doctorId }, pause: !ready }, (_p, data) => (refetchFree({ requestPolicy: 'network-only' }), data));

  const model = useMemo(
    () =>
      buildCalendar({
        zone,
        days,
        now,
        rules: rules.data?.scheduleRules ?? [],
        free: [...(free.data?.availableSlots.slots ?? []), ...(laterFree.for === free.data ? laterFree.slots : [])],
        appointments: appointments.data?.myAppointments ?? [],
        exceptions: exceptions.data?.scheduleExceptions ?? [],
      }),
    [zone, days, now, rules.data, free.data, laterFree, appointments.data, exceptions.data],
  );

  const [added, addException] = useMutation(AddScheduleExceptionDocument);
  const [, removeException] = useMutation(RemoveScheduleExceptionDocument);
  const [selection, setSelection] = useState<Selection | null>(null);
  const [open, setOpen] = useState<Cell | null>(null);
  const [undoable, setUndoable] = useState<Undoable | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [focusRequest, setFocusRequest] = useState<{ row: number; col: number; n: number } | null>(null);
  const [, markNoShow] = useMutation(MarkNoShowDocument);

  const whenOf = (d: string, start: number, end: number) => `${formatLocalDay(d, i18n.language)}, ${formatClock(start, i18n.language)}–${formatClock(end % 1440 === 0 && end > 0 ? 1440 : end, i18n.language)} (${zone})`;
  const span = selection ? spanOf(model, selection.col, selection.anchor, selection.focus) : null;
  const spanOk = span ? span.cells.every(canBlock) : false;

  const remove = async (id: string) => !(await removeException({ id })).error;
  const add = async (input: ScheduleExceptionInput) => {
    const res = await addException({ input, affected: 'REFUSE' });
    if (res.error) setProblem(humanError(res.error, t));
    return res.data?.addScheduleException.exception.id ?? null;
  };
  const clear = () => {
    setProblem(null);
    setNotice(null);
  };

  const block = async (kind: 'BREAK' | 'DAY_OFF') => {
    if (!span || !spanOk) return;
    clear();
    const id = await add({ doctorId, kind, startsAt: span.startsAt.toISOString(), endsAt: span.endsAt.toISOString() });
    if (!id) return;
    const when = whenOf(span.date, span.start, span.end);
    setSelection(null);
    setUndoable({ message: t(kind === 'BREAK' ? 'calendar.breakAdded' : 'calendar.blockAdded', { when }), undo: () => remove(id) });
    refresh();
  };

  const removeOpen = async (x: Exception) => {
    clear();
    if (!(await remove(x.id))) return setProblem(t('errors.UNKNOWN'));
    const cell = open;
    setOpen(null);
    if (cell) setFocusRequest({ row: cell.row, col: cell.col, n: Date.now() });
    setUndoable({ message: t('calendar.removed', { kind: t(`doctor.kind.${x.kind}`) }), undo: async () => Boolean(await add(exceptionInput(x, doctorId))) });
    refresh();
  };

  const change = async (x: Exception, start: string, end: string, label: string) => {
    clear();
    const local = zonedParts(x.startsAt, zone).date;
    const moved = { ...exceptionInput(x, doctorId), startDate: null, endDate: null, startsAt: zonedInstant(local, start, zone).toISOString(), endsAt: zonedInstant(local, end, zone).toISOString(), label: label.trim() || null };
    const id = await add(moved);
    if (!id) return false;
    await remove(x.id);
    setOpen(null);
    setUndoable({
      message: t('calendar.changed', { when: `${formatLocalDay(local, i18n.language)}, ${formatClock(minutesOf(start), i18n.language)}–${formatClock(minutesOf(end), i18n.language)} (${zone})` }),
      undo: async () => (await remove(id)) && Boolean(await add(exceptionInput(x, doctorId))),
    });
    refresh();
    return true;
  };

  const noShow = async (id: string, name: string) => {
    clear();
    const res = await markNoShow({ id });
    if (res.error) return setProblem(humanError(res.error, t));
    setOpen(null);
    setNotice(t('calendar.noShowDone', { name }));
    refresh();
  };

  const step = (n: number) => {
    setSelection(null);
    setOpen(null);
    setPicked(addLocalDays(date, n * (view === 'week' ? 7 : 1)));
  };
  const title = view === 'week' ? `${formatLocalDay(days[0]!, i18n.language)} – ${formatLocalDay(days.at(-1)!, i18n.language)}` : formatLocalDay(date, i18n.language);
  const loading = !ready || (!appointments.data && appointments.fetching) || (!rules.data && rules.fetching);

  return (
    <>
      <PageTitle>{t('doctor.calendarTitle')}</PageTitle>
      <Typography variant="body2" color="text.secondary" data-testid="calendar-zone">
        {t('calendar.zone', { zone })}
      </Typography>
      <Box sx={{ display: 'flex', gap: 1, alignItems: 'center', flexWrap: 'wrap', my: 1 }}>
        {phone ? null : (
          <ToggleButtonGroup exclusive value={view} onChange={(_e, v: 'day' | 'week' | null) => v && setView(v)} aria-label={t('calendar.view')} size="small">
            <ToggleButton value="day">{t('doctor.day')}</ToggleButton>
            <ToggleButton value="week">{t('doctor.week')}</ToggleButton>
          </ToggleButtonGroup>
        )}
        <Button size="small" onClick={() => step(-1)} aria-label={t(view === 'week' ? 'calendar.previousWeek' : 'calendar.previousDay')}>
          ←
        </Button>
        <Button size="small" onClick={() => (setPicked(null), setSelection(null))}>
          {t('calendar.today')}
        </Button>
        <Button size="small" onClick={() => step(1)} aria-label={t(view === 'week' ? 'calendar.nextWeek' : 'calendar.nextDay')}>
          →
        </Button>
      </Box>
      <Typography variant="h6" component="h2" id="calendar-grid-title" aria-live="polite">
        {title} <Typography component="span" variant="body2">({zone})</Typography>
      </Typography>
      <Typography variant="body2" color="text.secondary" id="calendar-help" sx={{ mb: 1 }}>
        {t('calendar.help')}
      </Typography>
      <ErrorNotice error={appointments.error ?? rules.error ?? exceptions.error ?? free.error ?? profile.error} onRetry={refresh} />
      {problem ? (
        <Alert severity="error" role="alert" onClose={() => setProblem(null)} sx={{ my: 1 }}>
          {problem}
        </Alert>
      ) : null}
      {notice ? (
        <Alert severity="success" role="status" onClose={() => setNotice(null)} sx={{ my: 1 }}>
          {notice}
        </Alert>
      ) : null}
      <UndoNotice
        value={undoable}
        onDone={(undone) => {
          setUndoable(null);
          if (undone) {
            setNotice(t('calendar.undone'));
            refresh();
          }
        }}
      />
      {span ? (
        <Box role="region" aria-label={t('calendar.selectionRegion')} sx={{ display: 'flex', gap: 1, flexWrap: 'wrap', alignItems: 'center', my: 1, p: 1, bgcolor: '#fffde7', borderRadius: 1 }}>
          <Typography variant="body2" sx={{ flex: '1 1 100%' }} data-testid="calendar-selection">
            {t('calendar.selected', { when: whenOf(span.date, span.start, span.end) })}
          </Typography>
          {spanOk ? (
            <>
              <Button variant="contained" size="small" disabled={added.fetching} onClick={() => void block('BREAK')}>
                {t('calendar.addBreak')}
              </Button>
              <Button variant="outlined" size="small" disabled={added.fetching} onClick={() => void block('DAY_OFF')}>
                {t('calendar.blockTime')}
              </Button>
            </>
          ) : (
            <Typography variant="body2" role="alert">
              {t('calendar.cannotBlock')}
            </Typography>
          )}
          <Button size="small" onClick={() => setSelection(null)}>
            {t('calendar.clear')}
          </Button>
        </Box>
      ) : null}
      {open ? (
        <CellPanel
          cell={open}
          zone={zone}
          now={now}
          exception={exceptions.data?.scheduleExceptions.find((x) => x.id === open.exception?.id) ?? null}
          onClose={() => {
            setFocusRequest({ row: open.row, col: open.col, n: Date.now() });
            setOpen(null);
          }}
          onRemove={removeOpen}
          onChange={change}
          onNoShow={noShow}
        />
      ) : null}
      {loading ? <Loading /> : <CalendarGrid model={model} labelledBy="calendar-grid-title" selection={selection} onSelect={setSelection} onOpen={(c) => (clear(), setSelection(null), setOpen(c))} focusRequest={focusRequest} />}
      <Legend />
    </>
  );
}

function Legend() {
  const { t } = useTranslation();
  return (
    <Box component="ul" aria-label={t('calendar.legend')} sx={{ display: 'flex', flexWrap: 'wrap', gap: 2, listStyle: 'none', p: 0, mt: 1, fontSize: '0.8rem' }}>
      {(['free', 'working', 'booked', 'break', 'blocked', 'off'] as const).map((k) => (
        <li key={k}>
          <Box component="span" data-kind={k} sx={{ display: 'inline-block', width: 12, height: 12, mr: 0.5, border: '1px solid #9e9e9e', verticalAlign: 'middle', bgcolor: { free: '#e8f5e9', working: '#f5f5f5', booked: '#0d47a1', break: '#fff3e0', blocked: '#eeeeee', off: '#fff' }[k] }} />
          {t(`calendar.legendItem.${k}`)}
        </li>
      ))}
    </Box>
  );
}
