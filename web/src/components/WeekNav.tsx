// Previous / this / next week, with the week's dates as a live region so the change is announced.
import { Box, Button, Typography } from '@mui/material';
import { useTranslation } from 'react-i18next';
import { addDays, formatDay, startOfWeek } from '../lib/dates.ts';

export function WeekNav({ weekStart, onChange }: { weekStart: Date; onChange: (weekStart: Date) => void }) {
  const { t, i18n } = useTranslation();
  return (
    <Box sx={{ display: 'flex', alignItems: 'center', gap: 1, flexWrap: 'wrap', my: 1 }}>
      <Button onClick={() => onChange(addDays(weekStart, -7))}>{t('common.previousWeek')}</Button>
      <Button onClick={() => onChange(startOfWeek(new Date()))}>{t('common.thisWeek')}</Button>
      <Button onClick={() => onChange(addDays(weekStart, 7))}>{t('common.nextWeek')}</Button>
      <Typography aria-live="polite" sx={{ ml: 1 }}>
        {formatDay(weekStart, i18n.language)} – {formatDay(addDays(weekStart, 6), i18n.language)}
      </Typography>
    </Box>
  );
}
