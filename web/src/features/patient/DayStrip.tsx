// Phone-first choice of a time: a strip of the week's days (wrapping, never scrolling sideways), the
// chosen day's times as buttons, and "First available". Times are shown in a zone the patient can
// switch between their own and the doctor's; each button's accessible name is the full date and time.
import { useState } from 'react';
import { Box, Button, MenuItem, TextField, ToggleButton, ToggleButtonGroup, Typography } from '@mui/material';
import { useTranslation } from 'react-i18next';
import { addDays, dayKey, formatDateTime, formatDay, formatSlot, formatTime, viewerTimeZone } from '../../lib/dates.ts';
import type { FreeSlot } from './useFreeSlots.ts';

export function DayStrip({ weekStart, slots, doctorZone, onPick }: { weekStart: Date; slots: FreeSlot[]; doctorZone?: string | null; onPick: (slot: FreeSlot) => void }) {
  const { t, i18n } = useTranslation();
  const mine = viewerTimeZone();
  const [zone, setZone] = useState(mine);
  const sorted = [...slots].sort((a, b) => a.startsAt.localeCompare(b.startsAt));
  const days = Array.from({ length: 7 }, (_, i) => addDays(weekStart, i));
  const keyOf = (iso: string) => dayKey(new Date(iso), zone);
  const [chosenDay, setChosenDay] = useState<string | null>(null);
  const first = sorted[0];
  const day = chosenDay ?? (first ? keyOf(first.startsAt) : dayKey(days[0]!, zone));
  const daySlots = sorted.filter((s) => keyOf(s.startsAt) === day);
  const zones = doctorZone && doctorZone !== mine ? [mine, doctorZone] : [mine];

  return (
    <Box sx={{ mt: 1 }}>
      <Box sx={{ display: 'flex', gap: 1, flexWrap: 'wrap', alignItems: 'center', mb: 1 }}>
        <TextField select size="small" label={t('patient.timesIn')} value={zone} onChange={(e) => setZone(e.target.value)} sx={{ minWidth: 220, maxWidth: '100%' }}>
          {zones.map((z) => (
            <MenuItem key={z} value={z}>
              {z === mine ? t('patient.zoneYours', { zone: z }) : t('patient.zoneDoctor', { zone: z })}
            </MenuItem>
          ))}
        </TextField>
        {first ? (
          <Button variant="outlined" onClick={() => onPick(first)}>
            {t('patient.firstAvailable')}: {formatDateTime(first.startsAt, i18n.language, zone)}
          </Button>
        ) : null}
      </Box>
      <ToggleButtonGroup
        exclusive
        aria-label={t('patient.days')}
        value={day}
        onChange={(_e, value: string | null) => value && setChosenDay(value)}
        sx={{ display: 'grid', gridTemplateColumns: 'repeat(auto-fill, minmax(84px, 1fr))', gap: 0.5, '& .MuiToggleButton-root': { border: 1, borderColor: 'divider', borderRadius: 1 } }}
      >
        {days.map((d) => {
          const key = dayKey(d, zone);
          const count = sorted.filter((s) => keyOf(s.startsAt) === key).length;
          return (
            <ToggleButton key={key} value={key} size="small" sx={{ flexDirection: 'column', textTransform: 'none' }}>
              <span>{formatDay(d, i18n.language, zone)}</span>
              <Typography variant="caption" component="span" color={count ? 'success.dark' : 'text.secondary'}>
                {t('patient.freeCount', { count })}
              </Typography>
            </ToggleButton>
          );
        })}
      </ToggleButtonGroup>
      <Box role="list" aria-label={t('patient.freeSlotsWeek')} sx={{ display: 'grid', gridTemplateColumns: 'repeat(auto-fill, minmax(88px, 1fr))', gap: 1, mt: 1 }}>
        {daySlots.length === 0 ? (
          <Typography variant="body2" color="text.secondary" sx={{ gridColumn: '1 / -1' }}>
            {t('patient.noTimesDay')}
          </Typography>
        ) : (
          daySlots.map((s) => (
            <Box role="listitem" key={`${s.doctor.id}|${s.startsAt}`}>
              <Button
                fullWidth
                variant="outlined"
                data-slot={s.startsAt}
                aria-label={t('patient.book', { time: `${formatSlot(s.startsAt, i18n.language, zone)} · ${s.doctor.displayName}` })}
                onClick={() => onPick(s)}
              >
                {formatTime(s.startsAt, i18n.language, zone)}
              </Button>
            </Box>
          ))
        )}
      </Box>
    </Box>
  );
}
