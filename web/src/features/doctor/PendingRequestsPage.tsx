// A doctor's undecided requests: filter by kind and dates, order by priority (default) or date, pick
// many and approve or decline them at once with one reason. Each item of a batch succeeds or fails on
// its own; failures are listed in words. New requests and changes arrive live. Each request says when it
// expires ("expires in 3 hours") and its priority in words; declining needs a reason (the patient reads
// it; the API refuses a decline without one). On a phone the requests are cards, not a wide table.
import { useMemo, useState } from 'react';
import {
  Alert,
  Box,
  Button,
  Checkbox,
  Chip,
  Dialog,
  DialogActions,
  DialogContent,
  DialogTitle,
  MenuItem,
  Paper,
  Table,
  TableBody,
  TableCell,
  TableContainer,
  TableHead,
  TableRow,
  TextField,
  Typography,
  useMediaQuery,
  useTheme,
} from '@mui/material';
import { useMutation, useQuery, useSubscription } from 'urql';
import { useTranslation } from 'react-i18next';
import {
  DecideAppointmentsDocument,
  MyAppointmentStatusChangedDocument,
  PendingRequestsDocument,
  type AppointmentCategory,
  type Decision,
  type PendingRequestOrder,
} from '../../gql/graphql.ts';
import { PageTitle } from '../../components/PageTitle.tsx';
import { EmptyState, ErrorNotice, Loading } from '../../components/Feedback.tsx';
import { formatDateTime } from '../../lib/dates.ts';
import { relativeTime } from '../../lib/relative.ts';
import { useNow } from '../../lib/useNow.ts';

const CATEGORIES: AppointmentCategory[] = ['ROUTINE', 'FOLLOW_UP', 'CONSULTATION', 'URGENT'];
const ORDERS: PendingRequestOrder[] = ['PRIORITY', 'DATE', 'PATIENT', 'CATEGORY'];

function dayStart(value: string): string | null {
  return value ? new Date(`${value}T00:00:00`).toISOString() : null;
}

/** Priority in words: the API ranks urgent (and emergency-slot) requests above the rest. */
export const priorityWord = (priority: number) => (priority > 0 ? 'urgent' : 'normal');

export function PendingRequestsPage() {
  const { t, i18n } = useTranslation();
  const now = useNow(30_000);
  const theme = useTheme();
  const phone = useMediaQuery(theme.breakpoints.down('md'));
  const expiry = (expiresAt: string | null | undefined) =>
    !expiresAt ? t('pending.noExpiry') : Date.parse(expiresAt) <= now.getTime() ? t('pending.expired') : t('pending.expires', { when: relativeTime(expiresAt, now, i18n.language) });
  const [category, setCategory] = useState<AppointmentCategory | ''>('');
  const [orderBy, setOrderBy] = useState<PendingRequestOrder>('PRIORITY');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const variables = useMemo(() => ({ category: category || null, orderBy, from: dayStart(from), to: dayStart(to) }), [category, orderBy, from, to]);
  const [result, reexecute] = useQuery({ query: PendingRequestsDocument, variables });
  const refetch = () => reexecute({ requestPolicy: 'network-only' });
  useSubscription({ query: MyAppointmentStatusChangedDocument }, (_prev, data) => {
    refetch();
    return data;
  });
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const [deciding, setDeciding] = useState<{ decision: Decision; ids: string[] } | null>(null);
  const [reason, setReason] = useState('');
  const [decided, decide] = useMutation(DecideAppointmentsDocument);
  const [failures, setFailures] = useState<{ id: string; code: string | null | undefined }[]>([]);
  const [done, setDone] = useState<ReadonlySet<string>>(new Set());

  const requests = (result.data?.pendingRequests ?? []).filter((r) => !done.has(r.id));
  const visibleSelected = requests.filter((r) => selected.has(r.id)).map((r) => r.id);
  const toggle = (id: string) =>
    setSelected((prev) => {
      const next = new Set(prev);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });

  const reasonMissing = deciding?.decision === 'DECLINE' && !reason.trim();
  const submit = async () => {
    if (!deciding || reasonMissing) return;
    const res = await decide({ decisions: deciding.ids.map((id) => ({ id, decision: deciding.decision, reason: reason.trim() || null })) });
    const items = res.data?.decideAppointments ?? [];
    setFailures(items.filter((i) => !i.ok).map((i) => ({ id: i.id, code: i.errorCode })));
    setDone((prev) => new Set([...prev, ...items.filter((i) => i.ok).map((i) => i.id)]));
    setSelected(new Set());
    if (res.data) {
      setDeciding(null);
      setReason('');
      refetch();
    }
  };
  const nameOf = (id: string) => result.data?.pendingRequests.find((r) => r.id === id)?.patient.displayName ?? id;

  return (
    <>
      <PageTitle>{t('doctor.requestsTitle')}</PageTitle>
      <Box component="form" aria-label={t('doctor.filter')} sx={{ display: 'flex', gap: 2, flexWrap: 'wrap', mb: 2 }} onSubmit={(e) => e.preventDefault()}>
        <TextField select size="small" label={t('patient.category')} value={category} onChange={(e) => setCategory(e.target.value as AppointmentCategory | '')} sx={{ minWidth: 180 }}>
          <MenuItem value="">—</MenuItem>
          {CATEGORIES.map((c) => (
            <MenuItem key={c} value={c}>
              {t(`category.${c}`)}
            </MenuItem>
          ))}
        </TextField>
        <TextField select size="small" label={t('doctor.orderBy')} value={orderBy} onChange={(e) => setOrderBy(e.target.value as PendingRequestOrder)} sx={{ minWidth: 180 }}>
          {ORDERS.map((o) => (
            <MenuItem key={o} value={o}>
              {t(`doctor.order.${o}`)}
            </MenuItem>
          ))}
        </TextField>
        <TextField size="small" type="date" label={t('doctor.from_')} value={from} onChange={(e) => setFrom(e.target.value)} slotProps={{ inputLabel: { shrink: true } }} />
        <TextField size="small" type="date" label={t('doctor.to_')} value={to} onChange={(e) => setTo(e.target.value)} slotProps={{ inputLabel: { shrink: true } }} />
      </Box>
      <Box sx={{ display: 'flex', gap: 1, mb: 1 }}>
        <Button variant="contained" color="success" disabled={visibleSelected.length === 0} onClick={() => setDeciding({ decision: 'APPROVE', ids: visibleSelected })}>
          {t('doctor.approveSelected', { count: visibleSelected.length })}
        </Button>
        <Button variant="outlined" color="error" disabled={visibleSelected.length === 0} onClick={() => setDeciding({ decision: 'DECLINE', ids: visibleSelected })}>
          {t('doctor.declineSelected', { count: visibleSelected.length })}
        </Button>
      </Box>
      <ErrorNotice error={result.error} onRetry={refetch} />
      {failures.length > 0 ? (
        <Alert severity="warning" role="alert" onClose={() => setFailures([])} sx={{ my: 1 }}>
          {failures.map((f) => (
            <div key={f.id}>
              {nameOf(f.id)}: {t(`errors.${f.code ?? 'UNKNOWN'}`, { defaultValue: t('errors.UNKNOWN') })}
            </div>
          ))}
        </Alert>
      ) : null}
      {result.fetching && !result.data ? <Loading /> : null}
      {result.data && requests.length === 0 ? <EmptyState>{t('doctor.noRequests')}</EmptyState> : null}
      {requests.length > 0 && phone ? (
        <Box component="ul" aria-label={t('doctor.requestsTitle')} sx={{ listStyle: 'none', p: 0, m: 0, display: 'grid', gap: 1 }}>
          {requests.map((r) => (
            <Paper component="li" key={r.id} variant="outlined" data-request={r.id} sx={{ p: 1.5, minWidth: 0 }}>
              <Box sx={{ display: 'flex', alignItems: 'center', gap: 1 }}>
                <Checkbox
                  checked={selected.has(r.id)}
                  onChange={() => toggle(r.id)}
                  slotProps={{ input: { 'aria-label': t('doctor.select', { name: r.patient.displayName }) } }}
                />
                <Typography component="h2" variant="subtitle1" sx={{ fontWeight: 600, overflowWrap: 'anywhere' }}>
                  {r.patient.displayName}
                </Typography>
              </Box>
              <Typography variant="body2">{formatDateTime(r.startsAt, i18n.language)}</Typography>
              <Typography variant="body2">
                {t(`category.${r.category}`)} · {t('doctor.priority')}: {t(`pending.priority.${priorityWord(r.priority)}`)}
              </Typography>
              <Typography variant="body2" data-expiry={r.id}>
                {expiry(r.expiresAt)}
              </Typography>
              {r.reason ? (
                <Typography variant="body2" color="text.secondary" sx={{ overflowWrap: 'anywhere' }}>
                  {t('common.reason')}: {r.reason}
                </Typography>
              ) : null}
              <Box sx={{ display: 'flex', gap: 1, flexWrap: 'wrap', mt: 1 }}>
                <Button size="small" variant="outlined" color="success" onClick={() => setDeciding({ decision: 'APPROVE', ids: [r.id] })} aria-label={`${t('doctor.approve')}: ${r.patient.displayName}`}>
                  {t('doctor.approve')}
                </Button>
                <Button size="small" variant="outlined" color="error" onClick={() => setDeciding({ decision: 'DECLINE', ids: [r.id] })} aria-label={`${t('doctor.decline')}: ${r.patient.displayName}`}>
                  {t('doctor.decline')}
                </Button>
              </Box>
            </Paper>
          ))}
        </Box>
      ) : null}
      {requests.length > 0 && !phone ? (
        <TableContainer component={Paper}>
          <Table aria-label={t('doctor.requestsTitle')}>
            <TableHead>
              <TableRow>
                <TableCell padding="checkbox">
                  <Checkbox
                    slotProps={{ input: { 'aria-label': t('doctor.selectAll') } }}
                    checked={visibleSelected.length === requests.length}
                    indeterminate={visibleSelected.length > 0 && visibleSelected.length < requests.length}
                    onChange={(e) => setSelected(e.target.checked ? new Set(requests.map((r) => r.id)) : new Set())}
                  />
                </TableCell>
                <TableCell>{t('common.when')}</TableCell>
                <TableCell>{t('common.patient')}</TableCell>
                <TableCell>{t('patient.category')}</TableCell>
                <TableCell>{t('doctor.priority')}</TableCell>
                <TableCell>{t('pending.expiryColumn')}</TableCell>
                <TableCell>{t('common.reason')}</TableCell>
                <TableCell>{t('common.actions')}</TableCell>
              </TableRow>
            </TableHead>
            <TableBody>
              {requests.map((r) => (
                <TableRow key={r.id} selected={selected.has(r.id)} data-request={r.id}>
                  <TableCell padding="checkbox">
                    <Checkbox
                      checked={selected.has(r.id)}
                      onChange={() => toggle(r.id)}
                      slotProps={{ input: { 'aria-label': t('doctor.select', { name: r.patient.displayName }) } }}
                    />
                  </TableCell>
                  <TableCell>{formatDateTime(r.startsAt, i18n.language)}</TableCell>
                  <TableCell>{r.patient.displayName}</TableCell>
                  <TableCell>
                    {r.category === 'URGENT' || r.emergency ? <Chip size="small" color="error" label={t(`category.${r.category}`)} /> : t(`category.${r.category}`)}
                  </TableCell>
                  <TableCell>{t(`pending.priority.${priorityWord(r.priority)}`)}</TableCell>
                  <TableCell data-expiry={r.id}>
                    {r.expiresAt ? <time dateTime={r.expiresAt} title={formatDateTime(r.expiresAt, i18n.language)}>{expiry(r.expiresAt)}</time> : expiry(r.expiresAt)}
                  </TableCell>
                  <TableCell sx={{ maxWidth: 280, overflowWrap: 'anywhere' }}>{r.reason ?? '—'}</TableCell>
                  <TableCell sx={{ whiteSpace: 'nowrap' }}>
                    <Button size="small" color="success" onClick={() => setDeciding({ decision: 'APPROVE', ids: [r.id] })} aria-label={`${t('doctor.approve')}: ${r.patient.displayName}`}>
                      {t('doctor.approve')}
                    </Button>
                    <Button size="small" color="error" onClick={() => setDeciding({ decision: 'DECLINE', ids: [r.id] })} aria-label={`${t('doctor.decline')}: ${r.patient.displayName}`}>
                      {t('doctor.decline')}
                    </Button>
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        </TableContainer>
      ) : null}
      <Dialog open={Boolean(deciding)} onClose={() => setDeciding(null)} aria-labelledby="decide-title" fullWidth maxWidth="sm">
        <DialogTitle id="decide-title">
          {deciding?.decision === 'APPROVE' ? t('doctor.approveSelected', { count: deciding.ids.length }) : t('doctor.declineSelected', { count: deciding?.ids.length ?? 0 })}
        </DialogTitle>
        <DialogContent>
          <TextField
            fullWidth
            multiline
            minRows={2}
            margin="normal"
            label={t('doctor.decisionReason')}
            required={deciding?.decision === 'DECLINE'}
            error={Boolean(reasonMissing && decided.error)}
            helperText={deciding?.decision === 'DECLINE' ? t('pending.reasonRequired') : undefined}
            value={reason}
            onChange={(e) => setReason(e.target.value.slice(0, 2000))}
            slotProps={{ htmlInput: { maxLength: 2000 } }}
          />
          <ErrorNotice error={decided.error} />
        </DialogContent>
        <DialogActions>
          <Button onClick={() => setDeciding(null)}>{t('common.cancel')}</Button>
          <Button variant="contained" color={deciding?.decision === 'APPROVE' ? 'success' : 'error'} disabled={decided.fetching || reasonMissing} onClick={() => void submit()}>
            {deciding?.decision === 'APPROVE' ? t('doctor.approve') : t('doctor.decline')}
          </Button>
        </DialogActions>
      </Dialog>
    </>
  );
}
