// A week of free times, Monday to Sunday in the viewer's zone; each time is a button whose accessible
// name says the full date, so keyboard and screen-reader users know exactly what they pick.
import { Box, Button, Typography } from '@mui/material';
import { useTranslation } from 'react-i18next';
import { addDays, dayKey, formatDay, formatSlot, formatTime } from '../../lib/dates.ts';
import type { FreeSlot } from './useFreeSlots.ts';

export function WeekSlots({ weekStart, slots, onPick }: { weekStart: Date; slots: FreeSlot[]; onPick: (slot: FreeSlot) => void }) {
  const { t, i18n } = useTranslation();
  const days = Array.from({ length: 7 }, (_, i) => addDays(weekStart, i));
  const byDay = new Map<string, FreeSlot[]>();
  for (const s of [...slots].sort((a, b) => a.startsAt.localeCompare(b.startsAt))) {
    const key = dayKey(new Date(s.startsAt));
    byDay.set(key, [...(byDay.get(key) ?? []), s]);
  }
  return (
    <Box
      role="list"
      aria-label={t('patient.freeSlotsWeek')}
      sx={{ display: 'grid', gridTemplateColumns: { xs: '1fr', md: 'repeat(7, 1fr)' }, gap: 1, mt: 2 }}
    >
      {days.map((day) => {
        const daySlots = byDay.get(dayKey(day)) ?? [];
        return (
          <Box role="listitem" key={day.toISOString()} sx={{ border: 1, borderColor: 'divider', borderRadius: 1, p: 1, minHeight: 80 }}>
            <Typography variant="subtitle2" component="h3" sx={{ mb: 1 }}>
              {formatDay(day, i18n.language)}
            </Typography>
            {daySlots.length === 0 ? (
              <Typography variant="body2" color="text.secondary">
                —
              </Typography>
            ) : (
              <Box sx={{ display: 'flex', flexDirection: 'column', gap: 0.5 }}>
                {daySlots.map((s) => (
                  <Button
                    key={`${s.doctor.id}-${s.startsAt}`}
                    variant="outlined"
                    size="small"
                    onClick={() => onPick(s)}
                    aria-label={t('patient.book', { time: `${formatSlot(s.startsAt, i18n.language)}, ${s.doctor.displayName}` })}
                    data-slot={s.startsAt}
                  >
                    {formatTime(s.startsAt, i18n.language)}
                  </Button>
                ))}
              </Box>
            )}
          </Box>
        );
      })}
    </Box>
  );
}
