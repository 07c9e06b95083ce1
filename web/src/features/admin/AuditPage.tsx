// The central audit log: who did what to which record, when, from where, and whether it was allowed.
// Actions and outcomes read as words in the UI language (the code stays beside it for search), and what
// is shown can be downloaded as CSV.
import { useMemo, useState } from 'react';
import { Box, Button, Paper, Table, TableBody, TableCell, TableContainer, TableHead, TableRow, TextField } from '@mui/material';
import { useQuery } from 'urql';
import { useTranslation } from 'react-i18next';
import { AuditLogDocument } from '../../gql/graphql.ts';
import { PageTitle } from '../../components/PageTitle.tsx';
import { EmptyState, ErrorNotice, Loading } from '../../components/Feedback.tsx';
import { addDays, formatDateTime } from '../../lib/dates.ts';
import { downloadCsv, toCsv } from '../../lib/csv.ts';

const isoDay = (d: Date) => d.toLocaleDateString('en-CA');

export function AuditPage() {
  const { t, i18n } = useTranslation();
  const [from, setFrom] = useState(() => isoDay(addDays(new Date(), -7)));
  const [to, setTo] = useState(() => isoDay(addDays(new Date(), 1)));
  const [action, setAction] = useState('');
  const [subject, setSubject] = useState('');
  const filter = useMemo(
    () => ({
      from: new Date(`${from}T00:00:00`).toISOString(),
      to: new Date(`${to}T00:00:00`).toISOString(),
      action: action.trim() || null,
      subjectUserId: /^[0-9a-f-]{36}$/i.test(subject.trim()) ? subject.trim() : null,
      limit: 200,
    }),
    [from, to, action, subject],
  );
  const [result, reexecute] = useQuery({ query: AuditLogDocument, variables: { filter } });
  const rows = result.data?.auditLog ?? [];
  const actionName = (code: string) => t(`admin.auditAction.${code}`, { defaultValue: code });
  const outcomeName = (code: string) => t(`admin.auditOutcome.${code}`, { defaultValue: code });
  const exportCsv = () =>
    downloadCsv(
      `audit-${from}-${to}.csv`,
      toCsv(
        [t('common.when'), t('admin.action'), 'code', t('admin.resource'), t('admin.actor'), t('admin.outcome'), 'IP'],
        rows.map((r) => [r.occurredAt, actionName(r.action), r.action, `${r.resourceType}${r.resourceId ? ` ${r.resourceId}` : ''}`, `${r.actorKind}${r.actorId ? ` ${r.actorId}` : ''}`, outcomeName(r.outcome), r.ip]),
      ),
    );
  return (
    <>
      <PageTitle>{t('admin.auditTitle')}</PageTitle>
      <Box component="form" aria-label={t('doctor.filter')} sx={{ display: 'flex', gap: 2, flexWrap: 'wrap', mb: 2 }} onSubmit={(e) => e.preventDefault()}>
        <TextField size="small" type="date" label={t('doctor.from_')} value={from} onChange={(e) => setFrom(e.target.value)} slotProps={{ inputLabel: { shrink: true } }} />
        <TextField size="small" type="date" label={t('doctor.to_')} value={to} onChange={(e) => setTo(e.target.value)} slotProps={{ inputLabel: { shrink: true } }} />
        <TextField size="small" label={t('admin.action')} value={action} onChange={(e) => setAction(e.target.value)} />
        <TextField size="small" label={t('admin.subject')} value={subject} onChange={(e) => setSubject(e.target.value)} />
        <Button variant="outlined" disabled={rows.length === 0 || result.fetching} onClick={exportCsv}>
          {t('admin.exportCsv')}
        </Button>
      </Box>
      <ErrorNotice error={result.error} onRetry={() => reexecute({ requestPolicy: 'network-only' })} />
      {result.fetching && !result.data ? <Loading /> : null}
      {result.data && rows.length === 0 ? <EmptyState>{t('admin.empty')}</EmptyState> : null}
      {rows.length > 0 ? (
        <TableContainer component={Paper}>
          <Table size="small" aria-label={t('admin.auditTitle')}>
            <TableHead>
              <TableRow>
                <TableCell>{t('common.when')}</TableCell>
                <TableCell>{t('admin.action')}</TableCell>
                <TableCell>{t('admin.resource')}</TableCell>
                <TableCell>{t('admin.actor')}</TableCell>
                <TableCell>{t('admin.outcome')}</TableCell>
                <TableCell>IP</TableCell>
              </TableRow>
            </TableHead>
            <TableBody>
              {rows.map((r) => (
                <TableRow key={r.id}>
                  <TableCell>{formatDateTime(r.occurredAt, i18n.language)}</TableCell>
                  <TableCell title={r.action}>{actionName(r.action)}</TableCell>
                  <TableCell>
                    {r.resourceType}
                    {r.resourceId ? ` ${r.resourceId}` : ''}
                  </TableCell>
                  <TableCell>
                    {r.actorKind}
                    {r.actorId ? ` ${r.actorId}` : ''}
                  </TableCell>
                  <TableCell>{outcomeName(r.outcome)}</TableCell>
                  <TableCell>{r.ip ?? '—'}</TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        </TableContainer>
      ) : null}
    </>
  );
}
