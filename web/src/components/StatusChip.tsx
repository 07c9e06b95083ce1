// An appointment status as a coloured chip with its word (colour is never the only signal).
import { Chip } from '@mui/material';
import { useTranslation } from 'react-i18next';

const COLOURS: Record<string, 'default' | 'success' | 'warning' | 'error' | 'info'> = {
  REQUESTED: 'warning',
  APPROVED: 'success',
  DECLINED: 'error',
  CANCELLED: 'default',
  COMPLETED: 'info',
  NO_SHOW: 'error',
  EXPIRED: 'default',
};

export function StatusChip({ status }: { status: string }) {
  const { t } = useTranslation();
  return <Chip size="small" label={t(`status.${status}`)} color={COLOURS[status] ?? 'default'} data-status={status} />;
}
