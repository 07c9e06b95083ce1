// The central audit log: who did what to whose data, when, from where, and whether it was allowed. People
// are shown by name (identity resolves every actor and subject of a page in one batch; an account that no
// longer exists keeps the start of its id), actions and outcomes read as words in the UI language (the code
// stays beside it), filters narrow by period, action, outcome and person, and what is shown downloads as CSV.
import { useEffect, useMemo, useState } from 'react';
import { Box, Button, MenuItem, Paper, Table, TableBody, TableCell, TableContainer, TableHead, TableRow, TextField } from '@mui/material';
import { useQuery } from 'urql';
import { useTranslation } from 'react-i18next';
import { AuditLogDocument, type AuditLogQuery } from '../../gql/graphql.ts';
import { PageTitle } from '../../components/PageTitle.tsx';
import { EmptyState, ErrorNotice, Loading } from '../../components/Feedback.tsx';
import { addDays, formatDateTime } from '../../lib/dates.ts';
import { downloadCsv, toCsv } from '../../lib/csv.ts';
import { en } from '../../i18n/en.ts';

type Entry = AuditLogQuery['auditLog'][number];
const isoDay = (d: Date) => d.toLocaleDateString('en-CA');
const OUTCOMES = ['SUCCESS', 'DENIED', 'FAILURE'];
/** Every action the UI has words for, in code order. */
const ACTIONS = [...Object.keys(en.admin.auditAction), ...Object.keys(en.console.auditAction)].sort();
/** A name filter is sent once typing pauses, not per key. */
const TYPING_PAUSE_MS = 400;

export function AuditPage() {
  const { t, i18n } = useTranslation();
  const [from, setFrom] = useState(() => isoDay(addDays(new Date(), -7)));
  const [to, setTo] = useState(() => isoDay(addDays(new Date(), 1)));
  const [action, setAction] = useState('');
  const [outcome, setOutcome] = useState('');
  const [person, setPerson] = useState('');
  const [personApplied, setPersonApplied] = useState('');
  useEffect(() => {
    const timer = setTimeout(() => setPersonApplied(person.trim()), TYPING_PAUSE_MS);
    return () => clearTimeout(timer);
  }, [person]);
  const filter = useMemo(
    () => ({
      from: new Date(`${from}T00:00:00`).toISOString(),
      to: new Date(`${to}T00:00:00`).toISOString(),
      action: action || null,
      outcome: outcome || null,
      person: personApplied || null,
      limit: 200,
    }),
    [from, to, action, outcome, personApplied],
  );
  const [result, reexecute] = useQuery({ query: AuditLogDocument, variables: { filter } });
  const rows = result.data?.auditLog ?? [];
  const actionName = (code: string) => t(`admin.auditAction.${code}`, { defaultValue: t(`console.auditAction.${code}`, { defaultValue: code }) });
  const outcomeName = (code: string) => t(`admin.auditOutcome.${code}`, { defaultValue: code });
  const former = (id: string) => t('console.formerUser', { id: id.slice(0, 8) });
  const actorName = (r: Entry) => {
    if (r.actor) return r.actor.displayName;
    if (r.actorKind === 'user' && r.actorId) return former(r.actorId);
    return t('console.service', { kind: `${r.actorKind}${r.actorId ? ` ${r.actorId}` : ''}` });
  };
  const subjectName = (r: Entry) => r.subject?.displayName ?? (r.subjectUserId ? former(r.subjectUserId) : t('console.nobody'));
  const resource = (r: Entry) => `${r.resourceType}${r.resourceId ? ` ${r.resourceId}` : ''}`;
  const exportCsv = () =>
    downloadCsv(
      `audit-${from}-${to}.csv`,
      toCsv(
        [t('common.when'), t('admin.action'), 'code', t('admin.actor'), 'actor id', t('console.subjectCol'), 'subject id', t('admin.resource'), t('admin.outcome'), 'IP'],
        rows.map((r) => [r.occurredAt, actionName(r.action), r.action, actorName(r), r.actorId, subjectName(r), r.subjectUserId, resource(r), outcomeName(r.outcome), r.ip]),
      ),
    );
  return (
    <>
      <PageTitle>{t('admin.auditTitle')}</PageTitle>
      <Box component="form" aria-label={t('doctor.filter')} sx={{ display: 'flex', gap: 2, flexWrap: 'wrap', mb: 2 }} onSubmit={(e) => e.preventDefault()}>
        <TextField size="small" type="date" label={t('doctor.from_')} value={from} onChange={(e) => setFrom(e.target.value)} slotProps={{ inputLabel: { shrink: true } }} />
        <TextField size="small" type="date" label={t('doctor.to_')} value={to} onChange={(e) => setTo(e.target.value)} slotProps={{ inputLabel: { shrink: true } }} />
        <TextField select size="small" label={t('admin.action')} value={action} onChange={(e) => setAction(e.target.value)} sx={{ minWidth: 200 }}>
          <MenuItem value="">{t('console.anyAction')}</MenuItem>
          {ACTIONS.map((a) => (
            <MenuItem key={a} value={a}>
              {actionName(a)}
            </MenuItem>
          ))}
        </TextField>
        <TextField select size="small" label={t('admin.outcome')} value={outcome} onChange={(e) => setOutcome(e.target.value)} sx={{ minWidth: 160 }}>
          <MenuItem value="">{t('console.anyOutcome')}</MenuItem>
          {OUTCOMES.map((o) => (
            <MenuItem key={o} value={o}>
              {outcomeName(o)}
            </MenuItem>
          ))}
        </TextField>
        <TextField size="small" label={t('console.person')} value={person} onChange={(e) => setPerson(e.target.value)} />
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
                <TableCell>{t('admin.actor')}</TableCell>
                <TableCell>{t('console.subjectCol')}</TableCell>
                <TableCell>{t('admin.resource')}</TableCell>
                <TableCell>{t('admin.outcome')}</TableCell>
                <TableCell>IP</TableCell>
              </TableRow>
            </TableHead>
            <TableBody>
              {rows.map((r) => (
                <TableRow key={r.id}>
                  <TableCell>{formatDateTime(r.occurredAt, i18n.language)}</TableCell>
                  <TableCell title={r.action}>{actionName(r.action)}</TableCell>
                  <TableCell title={r.actorId ?? undefined}>{actorName(r)}</TableCell>
                  <TableCell title={r.subjectUserId ?? undefined}>{subjectName(r)}</TableCell>
                  <TableCell sx={{ overflowWrap: 'anywhere' }}>{resource(r)}</TableCell>
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
