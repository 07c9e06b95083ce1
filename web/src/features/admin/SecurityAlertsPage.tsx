// Security alerts (brute force, sign-in from a new network, refresh-token reuse, locked accounts).
import { useState } from 'react';
import { Chip, MenuItem, Paper, Table, TableBody, TableCell, TableContainer, TableHead, TableRow, TextField } from '@mui/material';
import { useQuery } from 'urql';
import { useTranslation } from 'react-i18next';
import { SecurityAlertsDocument, type SecurityAlertKind } from '../../gql/graphql.ts';
import { PageTitle } from '../../components/PageTitle.tsx';
import { EmptyState, ErrorNotice, Loading } from '../../components/Feedback.tsx';
import { formatDateTime } from '../../lib/dates.ts';

const KINDS: SecurityAlertKind[] = ['BRUTE_FORCE', 'NEW_IP_RANGE', 'TOKEN_REUSE', 'ACCOUNT_LOCKED'];

export function SecurityAlertsPage() {
  const { t, i18n } = useTranslation();
  const [kind, setKind] = useState<SecurityAlertKind | ''>('');
  const [result, reexecute] = useQuery({ query: SecurityAlertsDocument, variables: { kind: kind || null } });
  const rows = result.data?.securityAlerts ?? [];
  return (
    <>
      <PageTitle>{t('admin.alertsTitle')}</PageTitle>
      <TextField select size="small" label={t('admin.kind')} value={kind} onChange={(e) => setKind(e.target.value as SecurityAlertKind | '')} sx={{ minWidth: 200, mb: 2 }}>
        <MenuItem value="">—</MenuItem>
        {KINDS.map((k) => (
          <MenuItem key={k} value={k}>
            {t(`admin.alertKind.${k}`)}
          </MenuItem>
        ))}
      </TextField>
      <ErrorNotice error={result.error} onRetry={() => reexecute({ requestPolicy: 'network-only' })} />
      {result.fetching && !result.data ? <Loading /> : null}
      {result.data && rows.length === 0 ? <EmptyState>{t('admin.noAlerts')}</EmptyState> : null}
      {rows.length > 0 ? (
        <TableContainer component={Paper}>
          <Table size="small" aria-label={t('admin.alertsTitle')}>
            <TableHead>
              <TableRow>
                <TableCell>{t('common.when')}</TableCell>
                <TableCell>{t('admin.kind')}</TableCell>
                <TableCell>{t('admin.user')}</TableCell>
                <TableCell>IP</TableCell>
              </TableRow>
            </TableHead>
            <TableBody>
              {rows.map((a) => (
                <TableRow key={a.id}>
                  <TableCell>{formatDateTime(a.createdAt, i18n.language)}</TableCell>
                  <TableCell>
                    <Chip size="small" color={a.kind === 'TOKEN_REUSE' || a.kind === 'BRUTE_FORCE' ? 'error' : 'warning'} label={t(`admin.alertKind.${a.kind}`)} />
                  </TableCell>
                  <TableCell>{a.userId ?? '—'}</TableCell>
                  <TableCell>{a.ip ?? '—'}</TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        </TableContainer>
      ) : null}
    </>
  );
}
