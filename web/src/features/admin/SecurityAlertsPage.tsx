// Security alerts (password guessing, sign-in from a new network, a stolen session suspected, a locked
// account) as cards an admin works through: acknowledge ("I am on it"), then resolve with what was done.
// Who did each step and when is shown; the list refreshes on its own so two admins see each other's work,
// and a step someone else already took is explained rather than reported as a failure.
import { useEffect, useRef, useState } from 'react';
import { Alert, Box, Button, Chip, Dialog, DialogActions, DialogContent, DialogTitle, LinearProgress, MenuItem, Paper, Stack, TextField, Typography } from '@mui/material';
import { useMutation, useQuery } from 'urql';
import { useTranslation } from 'react-i18next';
import { AcknowledgeAlertDocument, ResolveAlertDocument, SecurityAlertsDocument, type SecurityAlertKind, type SecurityAlertsQuery, type SecurityAlertState } from '../../gql/graphql.ts';

type AlertRow = SecurityAlertsQuery['securityAlerts'][number];
import { PageTitle } from '../../components/PageTitle.tsx';
import { EmptyState, ErrorNotice, Loading } from '../../components/Feedback.tsx';
import { formatDateTime } from '../../lib/dates.ts';
import { errorReason } from '../../api/errors.ts';

const KINDS: SecurityAlertKind[] = ['BRUTE_FORCE', 'NEW_IP_RANGE', 'TOKEN_REUSE', 'ACCOUNT_LOCKED'];
const STATES: SecurityAlertState[] = ['OPEN', 'ACKNOWLEDGED', 'RESOLVED'];
/** How often the list is read again while open, so another admin's steps show up. */
const REFRESH_MS = 20_000;
const STATE_COLOR = { OPEN: 'error', ACKNOWLEDGED: 'warning', RESOLVED: 'success' } as const;

function ResolveDialog({ alert, onClose }: { alert: AlertRow | null; onClose: (note: string | null) => void }) {
  const { t } = useTranslation();
  const [note, setNote] = useState('');
  useEffect(() => setNote(''), [alert?.id]);
  return (
    <Dialog open={alert !== null} onClose={() => onClose(null)} aria-labelledby="resolve-title" fullWidth maxWidth="sm">
      <Box
        component="form"
        onSubmit={(e) => {
          e.preventDefault();
          if (note.trim()) onClose(note.trim());
        }}
      >
        <DialogTitle id="resolve-title">{t('console.resolveTitle')}</DialogTitle>
        <DialogContent>
          <TextField autoFocus required fullWidth multiline minRows={2} margin="dense" label={t('console.resolveNote')} helperText={t('console.resolveNoteHelp')} value={note} onChange={(e) => setNote(e.target.value)} />
        </DialogContent>
        <DialogActions>
          <Button onClick={() => onClose(null)}>{t('common.cancel')}</Button>
          <Button type="submit" variant="contained" disabled={!note.trim()}>
            {t('console.resolve')}
          </Button>
        </DialogActions>
      </Box>
    </Dialog>
  );
}

export function SecurityAlertsPage() {
  const { t, i18n } = useTranslation();
  const [kind, setKind] = useState<SecurityAlertKind | ''>('');
  const [state, setState] = useState<SecurityAlertState | ''>('');
  const [result, reexecute] = useQuery({ query: SecurityAlertsDocument, variables: { kind: kind || null, state: state || null } });
  const [acked, acknowledge] = useMutation(AcknowledgeAlertDocument);
  const [resolved, resolve] = useMutation(ResolveAlertDocument);
  const [resolving, setResolving] = useState<AlertRow | null>(null);
  const status = useRef<HTMLElement>(null);
  const [notice, setNotice] = useState('');
  const refetch = () => reexecute({ requestPolicy: 'network-only' });
  useEffect(() => {
    const timer = setInterval(() => reexecute({ requestPolicy: 'network-only' }), REFRESH_MS);
    return () => clearInterval(timer);
  }, [reexecute]);
  const rows = result.data?.securityAlerts ?? [];
  const busy = result.fetching || result.stale || acked.fetching || resolved.fetching;
  const stepError = acked.error ?? resolved.error;
  const alreadyResolved = errorReason(stepError) === 'ALERT_RESOLVED';
  const who = (a: AlertRow) => a.user?.displayName ?? (a.userId ? t('console.formerUser', { id: a.userId.slice(0, 8) }) : t('console.addressOnly', { ip: a.ip ?? '—' }));
  const nameOf = (u: { displayName: string } | null | undefined) => u?.displayName ?? t('console.formerUser', { id: '…' });

  return (
    <>
      <PageTitle>{t('admin.alertsTitle')}</PageTitle>
      <Box component="form" aria-label={t('doctor.filter')} sx={{ display: 'flex', gap: 2, flexWrap: 'wrap', mb: 2 }} onSubmit={(e) => e.preventDefault()}>
        <TextField select size="small" label={t('admin.kind')} value={kind} onChange={(e) => setKind(e.target.value as SecurityAlertKind | '')} sx={{ minWidth: 200 }}>
          <MenuItem value="">{t('console.anyKind')}</MenuItem>
          {KINDS.map((k) => (
            <MenuItem key={k} value={k}>
              {t(`admin.alertKind.${k}`)}
            </MenuItem>
          ))}
        </TextField>
        <TextField select size="small" label={t('console.state')} value={state} onChange={(e) => setState(e.target.value as SecurityAlertState | '')} sx={{ minWidth: 160 }}>
          <MenuItem value="">{t('console.anyState')}</MenuItem>
          {STATES.map((s) => (
            <MenuItem key={s} value={s}>
              {t(`console.alertState.${s}`)}
            </MenuItem>
          ))}
        </TextField>
        <Button onClick={refetch} disabled={result.fetching}>
          {t('console.refresh')}
        </Button>
      </Box>
      <ErrorNotice error={result.error} onRetry={refetch} />
      {stepError && alreadyResolved ? (
        <Alert severity="info" role="alert" sx={{ my: 2 }}>
          {t('console.alertAlreadyResolved')}
        </Alert>
      ) : (
        <ErrorNotice error={stepError} />
      )}
      <Typography ref={status} tabIndex={-1} role="status" aria-live="polite" variant="body2" sx={{ mb: 1, minHeight: 20 }}>
        {notice}
      </Typography>
      {result.fetching && !result.data ? <Loading /> : null}
      {busy && result.data ? <LinearProgress aria-label={t('common.updating')} sx={{ mb: 1 }} /> : null}
      {result.data && rows.length === 0 ? <EmptyState>{t('admin.noAlerts')}</EmptyState> : null}
      <Stack component="ul" spacing={1.5} sx={{ listStyle: 'none', p: 0, m: 0 }} aria-label={t('admin.alertsTitle')} aria-busy={busy}>
        {rows.map((a) => (
          <Paper component="li" key={a.id} variant="outlined" sx={{ p: 2 }} aria-labelledby={`alert-${a.id}`}>
            <Box sx={{ display: 'flex', gap: 1, flexWrap: 'wrap', alignItems: 'center' }}>
              <Typography component="h2" variant="subtitle1" id={`alert-${a.id}`} sx={{ fontWeight: 600, overflowWrap: 'anywhere' }}>
                {t('console.alertFor', { kind: t(`admin.alertKind.${a.kind}`), who: who(a) })}
              </Typography>
              <Chip size="small" color={STATE_COLOR[a.state]} label={t(`console.alertState.${a.state}`)} />
            </Box>
            <Typography variant="body2" color="text.secondary" sx={{ overflowWrap: 'anywhere' }}>
              {formatDateTime(a.createdAt, i18n.language)}
              {a.ip ? ` · IP ${a.ip}` : ''}
            </Typography>
            {a.acknowledgedAt ? (
              <Typography variant="body2">{t('console.acknowledgedBy', { name: nameOf(a.acknowledgedBy), when: formatDateTime(a.acknowledgedAt, i18n.language) })}</Typography>
            ) : null}
            {a.resolvedAt ? (
              <Typography variant="body2" sx={{ overflowWrap: 'anywhere' }}>
                {t('console.resolvedBy', { name: nameOf(a.resolvedBy), when: formatDateTime(a.resolvedAt, i18n.language), note: a.resolutionNote ?? '' })}
              </Typography>
            ) : null}
            {a.state !== 'RESOLVED' ? (
              <Box sx={{ display: 'flex', gap: 1, mt: 1, flexWrap: 'wrap' }}>
                {a.state === 'OPEN' ? (
                  <Button size="small" variant="outlined" disabled={busy} aria-describedby={`alert-${a.id}`} onClick={() => void acknowledge({ id: a.id }).then((r) => {
                      if (r.data) setNotice(t('console.alertState.ACKNOWLEDGED'));
                      refetch();
                    })}>
                    {t('console.acknowledge')}
                  </Button>
                ) : null}
                <Button size="small" variant="contained" disabled={busy} aria-describedby={`alert-${a.id}`} onClick={() => setResolving(a)}>
                  {t('console.resolve')}
                </Button>
              </Box>
            ) : null}
          </Paper>
        ))}
      </Stack>
      <ResolveDialog
        alert={resolving}
        onClose={(note) => {
          const alert = resolving;
          setResolving(null);
          if (alert && note) {
            void resolve({ id: alert.id, note }).then((r) => {
              if (r.data) setNotice(t('console.alertState.RESOLVED'));
              refetch();
              // The button that opened the dialog is gone once resolved: move focus somewhere that stays.
              status.current?.focus();
            });
          }
        }}
      />
    </>
  );
}
