// The three states every list and form has besides "data": still loading (with a progress bar that
// screen readers announce), failed (a human sentence and a retry), and empty (what to do next).
import type { ReactNode } from 'react';
import { Alert, Box, Button, LinearProgress, Typography } from '@mui/material';
import type { CombinedError } from 'urql';
import { useTranslation } from 'react-i18next';
import { humanError } from '../api/errors.ts';

export function Loading({ label }: { label?: string }) {
  const { t } = useTranslation();
  return (
    <Box role="status" aria-live="polite" sx={{ my: 2 }}>
      <LinearProgress aria-label={label ?? t('app.loading')} />
      <Typography variant="body2" sx={{ mt: 1 }} color="text.secondary">
        {label ?? t('app.loading')}
      </Typography>
    </Box>
  );
}

export function ErrorNotice({ error, onRetry }: { error: CombinedError | undefined | null; onRetry?: () => void }) {
  const { t } = useTranslation();
  const text = humanError(error, t);
  if (!text) return null;
  return (
    <Alert
      severity="error"
      role="alert"
      sx={{ my: 2 }}
      action={onRetry ? <Button color="inherit" size="small" onClick={onRetry}>{t('common.retry')}</Button> : undefined}
    >
      {text}
    </Alert>
  );
}

export function EmptyState({ children, action }: { children: ReactNode; action?: ReactNode }) {
  return (
    <Box sx={{ my: 3, p: 3, border: 1, borderColor: 'divider', borderRadius: 1, textAlign: 'center' }}>
      <Typography color="text.secondary">{children}</Typography>
      {action ? <Box sx={{ mt: 2 }}>{action}</Box> : null}
    </Box>
  );
}
