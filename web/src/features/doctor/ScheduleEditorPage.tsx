// The doctor's weekly schedule: working hours per weekday (in the doctor's local time; the API
// expands them in the doctor's IANA zone), and exceptions (breaks, days off, extra or emergency
// hours). Before an exception is saved the preview lists booked appointments it would hit, and the
// doctor chooses to refuse, cancel them, or keep them. Rules are labelled with the schedule's zone (the
// doctor's profile zone, not the browser's); removing hours is confirmed and can be undone; breaks and
// other exceptions can be edited (replaced) and removed.
import { useState } from 'react';
import { useConfirm } from '../../components/ConfirmDialog.tsx';
import {
  Alert,
  Box,
  Button,
  Checkbox,
  FormControlLabel,
  FormGroup,
  FormLabel,
  List,
  ListItem,
  ListItemText,
  MenuItem,
  Paper,
  TextField,
  Typography,
} from '@mui/material';
import { useClient, useMutation, useQuery } from 'urql';
import { useTranslation } from 'react-i18next';
import {
  AddScheduleExceptionDocument,
  MyDoctorProfileDocument,
  UpdateDoctorProfileDocument,
  type ConsultationType,
  AddScheduleRuleDocument,
  PreviewScheduleExceptionDocument,
  RemoveScheduleRuleDocument,
  RemoveScheduleExceptionDocument,
  type ScheduleRulesQuery,
  ScheduleExceptionsDocument,
  ScheduleRulesDocument,
  type AffectedAppointments,
  type PreviewScheduleExceptionQuery,
  type ScheduleExceptionKind,
} from '../../gql/graphql.ts';
import { useSession } from '../../api/session-react.tsx';
import { humanError } from '../../api/errors.ts';
import { PageTitle } from '../../components/PageTitle.tsx';
import { EmptyState, ErrorNotice, Loading } from '../../components/Feedback.tsx';
import { addDays, formatDateTime } from '../../lib/dates.ts';
import { todayIn, zonedInstant, zonedParts } from '../../lib/zoned.ts';

const CONSULTATION_TYPES: ConsultationType[] = ['IN_PERSON', 'VIDEO', 'PHONE', 'CHAT'];
const list = (value: string) => value.split(',').map((v) => v.trim()).filter(Boolean);

/** The doctor's directory entry (identity): what patients search by, and the zone the schedule uses. */
function ProfileSection({ doctorId }: { doctorId: string }) {
  const { t } = useTranslation();
  const [profile] = useQuery({ query: MyDoctorProfileDocument });
  const [saved, save] = useMutation(UpdateDoctorProfileDocument);
  const current = profile.data?.me?.doctorProfile;
  const [form, setForm] = useState<{ specialisations: string; languages: string; timeZone: string; consultationTypes: ConsultationType[] } | null>(null);
  const value = form ?? {
    specialisations: current?.specialisations.join(', ') ?? '',
    languages: current?.languages.join(', ') ?? '',
    timeZone: current?.timeZone && current.timeZone !== 'UTC' ? current.timeZone : Intl.DateTimeFormat().resolvedOptions().timeZone,
    consultationTypes: current?.consultationTypes.length ? current.consultationTypes : (['IN_PERSON'] as ConsultationType[]),
  };
  if (profile.fetching && !profile.data) return <Loading />;
  return (
    <Paper sx={{ p: 2, my: 2 }} component="section" aria-labelledby="profile-title">
      <Typography variant="h6" component="h2" id="profile-title">
        {t('doctor.profileTitle')}
      </Typography>
      <Box
        component="form"
        sx={{ display: 'flex', gap: 2, flexWrap: 'wrap', mt: 1 }}
        onSubmit={async (e) => {
          e.preventDefault();
          await save({
            doctorId,
            input: { specialisations: list(value.specialisations), languages: list(value.languages), timeZone: value.timeZone.trim(), consultationTypes: value.consultationTypes },
          });
        }}
      >
        <TextField size="small" label={t('patient.specialization')} helperText={t('doctor.commaSeparated')} value={value.specialisations} onChange={(e) => setForm({ ...value, specialisations: e.target.value })} />
        <TextField size="small" label={t('patient.language')} helperText={t('doctor.commaSeparated')} value={value.languages} onChange={(e) => setForm({ ...value, languages: e.target.value })} />
        <TextField size="small" label={t('doctor.timeZone')} value={value.timeZone} onChange={(e) => setForm({ ...value, timeZone: e.target.value })} />
        <TextField
          select
          size="small"
          label={t('doctor.consultationType')}
          value={value.consultationTypes}
          onChange={(e) => setForm({ ...value, consultationTypes: (typeof e.target.value === 'string' ? [e.target.value] : e.target.value) as ConsultationType[] })}
          slotProps={{ select: { multiple: true } }}
          sx={{ minWidth: 200 }}
        >
          {CONSULTATION_TYPES.map((c) => (
            <MenuItem key={c} value={c}>
              {t(`consultation.${c}`)}
            </MenuItem>
          ))}
        </TextField>
        <Button type="submit" variant="contained" disabled={saved.fetching}>
          {t('common.save')}
        </Button>
      </Box>
      <ErrorNotice error={profile.error ?? saved.error} />
      {saved.data ? (
        <Alert severity="success" role="status" sx={{ mt: 1 }}>
          {t('doctor.profileSaved')}
        </Alert>
      ) : null}
    </Paper>
  );
}

const KINDS: ScheduleExceptionKind[] = ['BREAK', 'DAY_OFF', 'HOLIDAY', 'EXTRA_HOURS', 'EMERGENCY'];
/** Kinds that take time away can be given as whole local days; extra and emergency hours are times. */
const BY_DATES = new Set<ScheduleExceptionKind>(['BREAK', 'DAY_OFF', 'HOLIDAY']);
const today = () => new Date().toLocaleDateString('en-CA');

function RulesSection({ doctorId }: { doctorId: string }) {
  const { t } = useTranslation();
  const weekdays = t('weekday', { returnObjects: true }) as string[];
  const [rules, reexecute] = useQuery({ query: ScheduleRulesDocument, variables: { doctorId } });
  const [added, addRule] = useMutation(AddScheduleRuleDocument);
  const [removed, removeRule] = useMutation(RemoveScheduleRuleDocument);
  const [profile] = useQuery({ query: MyDoctorProfileDocument });
  const zone = profile.data?.me?.doctorProfile?.timeZone ?? 'UTC';
  const [confirm, confirmDialog] = useConfirm();
  const [undoable, setUndoable] = useState<ScheduleRulesQuery['scheduleRules'][number] | null>(null);
  const describe = (r: ScheduleRulesQuery['scheduleRules'][number]) =>
    `${r.kind === 'WEEKLY' ? r.weekdays.map((d) => weekdays[d - 1]).join(', ') : r.rrule} · ${r.startTime}–${r.endTime}`;
  const remove = async (r: ScheduleRulesQuery['scheduleRules'][number]) => {
    const ok = await confirm({ title: t('doctor.removeRuleTitle'), body: t('doctor.removeRuleBody', { what: describe(r), zone }), confirmLabel: t('doctor.remove'), danger: true });
    if (!ok) return;
    setSaved(false);
    if ((await removeRule({ id: r.id })).data) {
      setUndoable(r);
      refetch();
    }
  };
  const undo = async (r: ScheduleRulesQuery['scheduleRules'][number]) => {
    const { id: _id, __typename: _t, ...shape } = r as typeof r & { __typename?: string };
    const res = await addRule({ input: { doctorId, ...shape, rrule: shape.rrule ?? null, validUntil: shape.validUntil ?? null, allowOverlap: true } });
    if (res.data) {
      setUndoable(null);
      refetch();
    }
  };
  const [form, setForm] = useState({ weekdays: [1, 2, 3, 4, 5], startTime: '09:00', endTime: '17:00', slotMinutes: 30, consultationType: 'IN_PERSON', validFrom: today() });
  const [saved, setSaved] = useState(false);
  const refetch = () => reexecute({ requestPolicy: 'network-only' });

  return (
    <Paper sx={{ p: 2, my: 2 }} component="section" aria-labelledby="rules-title">
      <Typography variant="h6" component="h2" id="rules-title">
        {t('doctor.scheduleTitle')}
      </Typography>
      <Typography variant="body2" color="text.secondary" data-testid="rules-zone">
        {t('doctor.rulesZone', { zone })}
      </Typography>
      <ErrorNotice error={rules.error} onRetry={refetch} />
      {rules.fetching && !rules.data ? <Loading /> : null}
      {undoable ? (
        <Alert
          severity="info"
          role="status"
          sx={{ mt: 1 }}
          action={
            <Button color="inherit" size="small" disabled={added.fetching} onClick={() => void undo(undoable)}>
              {t('common.undo')}
            </Button>
          }
        >
          {t('doctor.ruleRemoved')}
        </Alert>
      ) : null}
      {rules.data && rules.data.scheduleRules.length === 0 ? <EmptyState>{t('doctor.noRules')}</EmptyState> : null}
      <List dense>
        {rules.data?.scheduleRules.map((r) => (
          <ListItem
            key={r.id}
            secondaryAction={
              <Button color="error" disabled={removed.fetching || rules.fetching} onClick={() => void remove(r)} aria-label={`${t('doctor.remove')}: ${describe(r)}`}>
                {t('doctor.remove')}
              </Button>
            }
          >
            <ListItemText
              primary={`${describe(r)} (${zone})`}
              secondary={`${r.slotMinutes} min · ${t(`consultation.${r.consultationType}`, { defaultValue: r.consultationType })} · ${r.validFrom}${r.validUntil ? ` → ${r.validUntil}` : ''}`}
            />
          </ListItem>
        ))}
      </List>
      <Box
        component="form"
        aria-label={t('doctor.addRule')}
        onSubmit={async (e) => {
          e.preventDefault();
          setSaved(false);
          const res = await addRule({ input: { doctorId, kind: 'WEEKLY', ...form, weekdays: [...form.weekdays].sort() } });
          if (res.data) {
            setSaved(true);
            refetch();
          }
        }}
      >
        <FormLabel component="legend">{t('doctor.weekday')}</FormLabel>
        <FormGroup row>
          {weekdays.map((name, i) => (
            <FormControlLabel
              key={name}
              label={name}
              control={
                <Checkbox
                  checked={form.weekdays.includes(i + 1)}
                  onChange={(e) => setForm({ ...form, weekdays: e.target.checked ? [...form.weekdays, i + 1] : form.weekdays.filter((d) => d !== i + 1) })}
                />
              }
            />
          ))}
        </FormGroup>
        <Box sx={{ display: 'flex', gap: 2, flexWrap: 'wrap', mt: 1 }}>
          <TextField size="small" type="time" label={t('doctor.from')} value={form.startTime} onChange={(e) => setForm({ ...form, startTime: e.target.value })} slotProps={{ inputLabel: { shrink: true } }} />
          <TextField size="small" type="time" label={t('doctor.to')} value={form.endTime} onChange={(e) => setForm({ ...form, endTime: e.target.value })} slotProps={{ inputLabel: { shrink: true } }} />
          <TextField
            size="small"
            type="number"
            label={t('doctor.slotMinutes')}
            value={form.slotMinutes}
            onChange={(e) => setForm({ ...form, slotMinutes: Number(e.target.value) })}
            slotProps={{ htmlInput: { min: 5, max: 480, step: 5 } }}
          />
          <TextField select size="small" label={t('doctor.consultationType')} value={form.consultationType} onChange={(e) => setForm({ ...form, consultationType: e.target.value })} sx={{ minWidth: 160 }}>
            {CONSULTATION_TYPES.map((c) => (
              <MenuItem key={c} value={c}>
                {t(`consultation.${c}`)}
              </MenuItem>
            ))}
          </TextField>
          <TextField size="small" type="date" label={t('doctor.validFrom')} value={form.validFrom} onChange={(e) => setForm({ ...form, validFrom: e.target.value })} slotProps={{ inputLabel: { shrink: true } }} />
          <Button type="submit" variant="contained" disabled={added.fetching || form.weekdays.length === 0}>
            {t('doctor.addRule')}
          </Button>
        </Box>
        {added.error || removed.error ? (
          <Alert severity="error" role="alert" sx={{ mt: 1 }}>
            {humanError(added.error ?? removed.error, t)}
          </Alert>
        ) : null}
        {saved ? (
          <Alert severity="success" role="status" sx={{ mt: 1 }}>
            {t('doctor.saved')}
          </Alert>
        ) : null}
      </Box>
      {confirmDialog}
    </Paper>
  );
}

function ExceptionsSection({ doctorId }: { doctorId: string }) {
  const { t, i18n } = useTranslation();
  const client = useClient();
  const [range] = useState(() => ({ from: new Date().toISOString(), to: addDays(new Date(), 90).toISOString() }));
  const [list, reexecute] = useQuery({ query: ScheduleExceptionsDocument, variables: { doctorId, ...range } });
  const [added, addException] = useMutation(AddScheduleExceptionDocument);
  const [removed, removeException] = useMutation(RemoveScheduleExceptionDocument);
  const [confirm, confirmDialog] = useConfirm();
  const [notice, setNotice] = useState<string | null>(null);
  // Dates and times are the doctor's own (the profile's zone), never the browser's: whole days go to the
  // API as local dates (startDate/endDate), times on one day become instants in that zone.
  const [profile] = useQuery({ query: MyDoctorProfileDocument });
  const zone = profile.data?.me?.doctorProfile?.timeZone ?? 'UTC';
  const empty = { kind: 'BREAK' as ScheduleExceptionKind, mode: 'times' as 'times' | 'dates', day: '', startTime: '', endTime: '', startDate: '', endDate: '', label: '' };
  const [form, setForm] = useState(empty);
  /** The exception being edited: saving adds the new one, then removes this one. */
  const [editing, setEditing] = useState<string | null>(null);
  const refetch = () => reexecute({ requestPolicy: 'network-only' });
  const when = (x: { startsAt: string; endsAt: string; startDate?: string | null; endDate?: string | null }) =>
    x.startDate
      ? `${x.startDate}${x.endDate && x.endDate !== x.startDate ? ` – ${x.endDate}` : ''} (${zone})`
      : `${formatDateTime(x.startsAt, i18n.language, zone)} – ${formatDateTime(x.endsAt, i18n.language, zone)} (${zone})`;
  const remove = async (x: { id: string; kind: ScheduleExceptionKind; startsAt: string; endsAt: string }) => {
    const kind = t(`doctor.kind.${x.kind}`);
    const ok = await confirm({ title: t('doctor.removeExceptionTitle', { kind: kind.toLowerCase() }), body: t('doctor.removeExceptionBody', { when: when(x) }), confirmLabel: t('doctor.remove'), danger: true });
    if (ok && (await removeException({ id: x.id })).data) {
      setNotice(t('doctor.exceptionRemoved'));
      refetch();
    }
  };
  const [affected, setAffected] = useState<AffectedAppointments>('REFUSE');
  const [preview, setPreview] = useState<PreviewScheduleExceptionQuery['previewScheduleException'] | null>(null);
  const [previewError, setPreviewError] = useState<string | null>(null);
  const byDates = form.mode === 'dates' && BY_DATES.has(form.kind);
  const input = () => ({
    doctorId,
    kind: form.kind,
    ...(byDates
      ? { startDate: form.startDate, endDate: form.endDate || form.startDate }
      : { startsAt: zonedInstant(form.day, form.startTime, zone).toISOString(), endsAt: zonedInstant(form.day, form.endTime, zone).toISOString() }),
    label: form.label.trim() || null,
  });
  const valid = byDates
    ? Boolean(form.startDate && (!form.endDate || form.endDate >= form.startDate))
    : Boolean(form.day && form.startTime && form.endTime && form.endTime > form.startTime);

  return (
    <Paper sx={{ p: 2, my: 2 }} component="section" aria-labelledby="exceptions-title">
      <Typography variant="h6" component="h2" id="exceptions-title">
        {t('doctor.exceptions')}
      </Typography>
      <Typography variant="body2" color="text.secondary" data-testid="exceptions-zone">
        {t('exceptionDates.zoneNote', { zone })}
      </Typography>
      <ErrorNotice error={list.error} />
      {list.data && list.data.scheduleExceptions.length === 0 ? <EmptyState>{t('doctor.noExceptions')}</EmptyState> : null}
      <List dense>
        {list.data?.scheduleExceptions.map((x) => (
          <ListItem
            key={x.id}
            data-exception={x.id}
            secondaryAction={
              <>
                <Button
                  disabled={list.fetching || removed.fetching}
                  aria-label={`${t('common.edit')}: ${t(`doctor.kind.${x.kind}`)} ${when(x)}`}
                  onClick={() => {
                    setEditing(x.id);
                    setPreview(null);
                    const [from, to] = [zonedParts(x.startsAt, zone), zonedParts(x.endsAt, zone)];
                    setForm(
                      x.startDate
                        ? { ...empty, kind: x.kind, mode: 'dates', startDate: x.startDate, endDate: x.endDate ?? x.startDate, label: x.label ?? '' }
                        : { ...empty, kind: x.kind, mode: 'times', day: from.date, startTime: from.time, endTime: to.date > from.date && to.time === '00:00' ? '23:59' : to.time, label: x.label ?? '' },
                    );
                  }}
                >
                  {t('common.edit')}
                </Button>
                <Button color="error" disabled={list.fetching || removed.fetching} aria-label={`${t('doctor.remove')}: ${t(`doctor.kind.${x.kind}`)} ${when(x)}`} onClick={() => void remove(x)}>
                  {t('doctor.remove')}
                </Button>
              </>
            }
          >
            <ListItemText primary={`${t(`doctor.kind.${x.kind}`)}${x.label ? ` · ${x.label}` : ''}`} secondary={when(x)} />
          </ListItem>
        ))}
      </List>
      {editing ? (
        <Alert severity="info" sx={{ mb: 1 }} action={<Button color="inherit" size="small" onClick={() => { setEditing(null); setForm(empty); setPreview(null); }}>{t('common.cancel')}</Button>}>
          {t('doctor.editing')}
        </Alert>
      ) : null}
      <Box component="form" aria-label={t('doctor.addException')} sx={{ display: 'flex', gap: 2, flexWrap: 'wrap' }} onSubmit={(e) => e.preventDefault()}>
        <TextField select size="small" label={t('doctor.exceptionKind')} value={form.kind} onChange={(e) => setForm({ ...form, kind: e.target.value as ScheduleExceptionKind })} sx={{ minWidth: 160 }}>
          {KINDS.map((k) => (
            <MenuItem key={k} value={k}>
              {t(`doctor.kind.${k}`)}
            </MenuItem>
          ))}
        </TextField>
        {BY_DATES.has(form.kind) ? (
          <TextField select size="small" label={t('exceptionDates.mode')} value={form.mode} onChange={(e) => setForm({ ...form, mode: e.target.value as 'times' | 'dates' })} sx={{ minWidth: 160 }}>
            <MenuItem value="times">{t('exceptionDates.byTime')}</MenuItem>
            <MenuItem value="dates">{t('exceptionDates.byDates')}</MenuItem>
          </TextField>
        ) : null}
        {byDates ? (
          <>
            <TextField size="small" type="date" label={t('exceptionDates.startDate')} value={form.startDate} onChange={(e) => setForm({ ...form, startDate: e.target.value })} slotProps={{ inputLabel: { shrink: true }, htmlInput: { lang: i18n.language === 'ro' ? 'ro-RO' : undefined } }} />
            <TextField size="small" type="date" label={t('exceptionDates.endDate')} value={form.endDate} onChange={(e) => setForm({ ...form, endDate: e.target.value })} slotProps={{ inputLabel: { shrink: true }, htmlInput: { min: form.startDate || undefined, lang: i18n.language === 'ro' ? 'ro-RO' : undefined } }} />
          </>
        ) : (
          <>
            <TextField size="small" type="date" label={t('exceptionDates.day')} value={form.day} onChange={(e) => setForm({ ...form, day: e.target.value })} slotProps={{ inputLabel: { shrink: true }, htmlInput: { min: todayIn(zone), lang: i18n.language === 'ro' ? 'ro-RO' : undefined } }} />
            <TextField size="small" type="time" label={t('exceptionDates.startTime')} value={form.startTime} onChange={(e) => setForm({ ...form, startTime: e.target.value })} slotProps={{ inputLabel: { shrink: true } }} />
            <TextField size="small" type="time" label={t('exceptionDates.endTime')} value={form.endTime} onChange={(e) => setForm({ ...form, endTime: e.target.value })} slotProps={{ inputLabel: { shrink: true } }} />
          </>
        )}
        <TextField size="small" label={t('doctor.label')} value={form.label} onChange={(e) => setForm({ ...form, label: e.target.value.slice(0, 200) })} />
        <Button
          disabled={!valid}
          onClick={async () => {
            setPreviewError(null);
            const res = await client.query(PreviewScheduleExceptionDocument, { input: input() }, { requestPolicy: 'network-only' }).toPromise();
            if (res.error) setPreviewError(humanError(res.error, t));
            setPreview(res.data?.previewScheduleException ?? null);
          }}
        >
          {t('doctor.preview')}
        </Button>
      </Box>
      {previewError ? (
        <Alert severity="error" role="alert" sx={{ mt: 1 }}>
          {previewError}
        </Alert>
      ) : null}
      {preview ? (
        <Box sx={{ mt: 2 }} aria-live="polite">
          {preview.length === 0 ? (
            <Alert severity="success">{t('doctor.noConflicts')}</Alert>
          ) : (
            <Alert severity="warning">
              {t('doctor.conflicts')}
              <ul>
                {preview.map((a) => (
                  <li key={a.id}>
                    {formatDateTime(a.startsAt, i18n.language)} · {a.patient.displayName} · {t(`status.${a.status}`)}
                  </li>
                ))}
              </ul>
              <TextField select size="small" label={t('doctor.affected')} value={affected} onChange={(e) => setAffected(e.target.value as AffectedAppointments)} sx={{ minWidth: 220, mt: 1 }}>
                {(['REFUSE', 'CANCEL', 'KEEP'] as const).map((a) => (
                  <MenuItem key={a} value={a}>
                    {t(`doctor.affectedOption.${a}`)}
                  </MenuItem>
                ))}
              </TextField>
            </Alert>
          )}
          <Button
            variant="contained"
            sx={{ mt: 1 }}
            disabled={added.fetching}
            onClick={async () => {
              const res = await addException({ input: input(), affected });
              if (res.data) {
                if (editing) await removeException({ id: editing });
                setEditing(null);
                setForm(empty);
                setPreview(null);
                refetch();
              }
            }}
          >
            {t('common.save')}
          </Button>
        </Box>
      ) : null}
      <ErrorNotice error={added.error ?? removed.error} />
      {notice ? (
        <Alert severity="success" role="status" sx={{ mt: 1 }} onClose={() => setNotice(null)}>
          {notice}
        </Alert>
      ) : null}
      {confirmDialog}
    </Paper>
  );
}

export function ScheduleEditorPage() {
  const { t } = useTranslation();
  const { userId } = useSession();
  if (!userId) return null;
  return (
    <>
      <PageTitle>{t('nav.schedule')}</PageTitle>
      <ProfileSection doctorId={userId} />
      <RulesSection doctorId={userId} />
      <ExceptionsSection doctorId={userId} />
    </>
  );
}
