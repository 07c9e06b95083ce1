// What an opened calendar cell offers: an appointment (who, when, status; a no-show once an approved
// appointment has started, confirmed because it cannot be undone) or a break / blocked time (change its
// time or remove it; both can be undone). Focus moves to the panel's heading when it opens.
import { useEffect, useRef, useState } from 'react';
import { Box, Button, Paper, TextField, Typography } from '@mui/material';
import { useTranslation } from 'react-i18next';
import type { CalendarExceptionsQuery } from '../../gql/graphql.ts';
import { useConfirm } from '../../components/ConfirmDialog.tsx';
import { StatusChip } from '../../components/StatusChip.tsx';
import { formatLocalDay, zonedParts } from '../../lib/zoned.ts';
import type { Cell } from './calendar-model.ts';

type Exception = CalendarExceptionsQuery['scheduleExceptions'][number];

export function CellPanel(props: {
  cell: Cell;
  zone: string;
  now: Date;
  exception: Exception | null;
  onClose: () => void;
  onRemove: (x: Exception) => Promise<void>;
  onChange: (x: Exception, start: string, end: string, label: string) => Promise<boolean>;
  onNoShow: (id: string, name: string) => Promise<void>;
}) {
  const { cell, zone, exception } = props;
  const { t, i18n } = useTranslation();
  const heading = useRef<HTMLHeadingElement>(null);
  const [confirm, confirmDialog] = useConfirm();
  useEffect(() => heading.current?.focus(), [cell]);
  const at = (iso: string) => zonedParts(iso, zone);
  const span = (from: string, to: string) => {
    const [a, b] = [at(from), at(to)];
    return a.date === b.date || (b.time === '00:00' && b.date > a.date)
      ? `${formatLocalDay(a.date, i18n.language)}, ${a.time}–${b.time === '00:00' ? '24:00' : b.time} (${zone})`
      : `${formatLocalDay(a.date, i18n.language)} ${a.time} – ${formatLocalDay(b.date, i18n.language)} ${b.time} (${zone})`;
  };
  const [form, setForm] = useState(() => (exception ? { start: at(exception.startsAt).time, end: at(exception.endsAt).time, label: exception.label ?? '' } : null));
  const [editing, setEditing] = useState(false);
  const [busy, setBusy] = useState(false);
  const run = async (f: () => Promise<unknown>) => {
    setBusy(true);
    try {
      await f();
    } finally {
      setBusy(false);
    }
  };

  const a = cell.appointment;
  const title = a ? t('calendar.appointmentTitle', { name: a.patient.displayName }) : `${t(`doctor.kind.${exception?.kind ?? 'BREAK'}`)}${exception?.label ? ` · ${exception.label}` : ''}`;

  return (
    <Paper component="section" aria-labelledby="cell-panel-title" sx={{ p: 2, my: 1 }} data-testid="cell-panel">
      <Typography variant="h6" component="h3" id="cell-panel-title" tabIndex={-1} ref={heading}>
        {title}
      </Typography>
      {a ? (
        <>
          <Typography component="div" sx={{ my: 1 }}>
            {span(a.startsAt, a.endsAt)} <StatusChip status={a.status as never} />
          </Typography>
          {a.status === 'APPROVED' && Date.parse(a.startsAt) <= props.now.getTime() ? (
            <Button
              variant="contained"
              color="warning"
              disabled={busy}
              onClick={async () => {
                const ok = await confirm({
                  title: t('calendar.noShowTitle', { name: a.patient.displayName }),
                  body: t('calendar.noShowBody', { when: span(a.startsAt, a.endsAt) }),
                  confirmLabel: t('calendar.markNoShow'),
                  danger: true,
                });
                if (ok) await run(() => props.onNoShow(a.id, a.patient.displayName));
              }}
            >
              {t('calendar.markNoShow')}
            </Button>
          ) : a.status === 'APPROVED' ? (
            <Typography variant="body2" color="text.secondary">
              {t('calendar.noShowLater')}
            </Typography>
          ) : null}
        </>
      ) : exception ? (
        <>
          <Typography sx={{ my: 1 }}>{exception.startDate ? `${exception.startDate} – ${exception.endDate} (${zone})` : span(exception.startsAt, exception.endsAt)}</Typography>
          {!exception.doctorId ? (
            <Typography variant="body2">{t('calendar.clinicHoliday')}</Typography>
          ) : (
            <Box sx={{ display: 'flex', gap: 1, flexWrap: 'wrap' }}>
              {!exception.startDate && !editing ? (
                <Button disabled={busy} onClick={() => setEditing(true)}>
                  {t('calendar.edit')}
                </Button>
              ) : null}
              <Button color="error" disabled={busy} onClick={() => void run(() => props.onRemove(exception))}>
                {t('calendar.remove')}
              </Button>
              {exception.startDate ? (
                <Typography variant="body2" sx={{ flex: '1 1 100%' }}>
                  {t('calendar.wholeDays')}
                </Typography>
              ) : null}
            </Box>
          )}
          {editing && form ? (
            <Box
              component="form"
              aria-label={t('calendar.edit')}
              sx={{ display: 'flex', gap: 1, flexWrap: 'wrap', mt: 1 }}
              onSubmit={async (e) => {
                e.preventDefault();
                await run(async () => {
                  if (await props.onChange(exception, form.start, form.end, form.label)) setEditing(false);
                });
              }}
            >
              <TextField size="small" type="time" label={`${t('calendar.start')} (${zone})`} value={form.start} onChange={(e) => setForm({ ...form, start: e.target.value })} slotProps={{ inputLabel: { shrink: true } }} />
              <TextField size="small" type="time" label={`${t('calendar.end')} (${zone})`} value={form.end} onChange={(e) => setForm({ ...form, end: e.target.value })} slotProps={{ inputLabel: { shrink: true } }} />
              <TextField size="small" label={t('doctor.label')} value={form.label} onChange={(e) => setForm({ ...form, label: e.target.value.slice(0, 200) })} />
              <Button type="submit" variant="contained" disabled={busy || !(form.end > form.start)}>
                {t('common.save')}
              </Button>
            </Box>
          ) : null}
        </>
      ) : null}
      <Box sx={{ mt: 1 }}>
        <Button onClick={props.onClose}>{t('calendar.close')}</Button>
      </Box>
      {confirmDialog}
    </Paper>
  );
}
