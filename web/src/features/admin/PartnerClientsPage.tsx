// Partner clients (other systems reading availability): issue one (its secret is shown once), revoke.
import { useState } from 'react';
import { Alert, Box, Button, List, ListItem, ListItemText, MenuItem, Paper, TextField } from '@mui/material';
import { useMutation, useQuery } from 'urql';
import { useTranslation } from 'react-i18next';
import { IssuePartnerClientDocument, PartnerClientsDocument, RevokePartnerClientDocument } from '../../gql/graphql.ts';
import { PageTitle } from '../../components/PageTitle.tsx';
import { EmptyState, ErrorNotice, Loading } from '../../components/Feedback.tsx';
import { formatDateTime } from '../../lib/dates.ts';
import { useConfirm } from '../../components/ConfirmDialog.tsx';

const SCOPES = ['availability:read'];

export function PartnerClientsPage() {
  const { t, i18n } = useTranslation();
  const [clients, reexecute] = useQuery({ query: PartnerClientsDocument });
  const [issued, issue] = useMutation(IssuePartnerClientDocument);
  const [revoked, revoke] = useMutation(RevokePartnerClientDocument);
  const [confirm, confirmDialog] = useConfirm();
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<string[]>(SCOPES);
  const refetch = () => reexecute({ requestPolicy: 'network-only' });
  const list = clients.data?.partnerClients ?? [];
  return (
    <>
      <PageTitle>{t('admin.partnersTitle')}</PageTitle>
      <Box
        component="form"
        aria-label={t('admin.newPartner')}
        sx={{ display: 'flex', gap: 2, flexWrap: 'wrap', mb: 2 }}
        onSubmit={async (e) => {
          e.preventDefault();
          const res = await issue({ name: name.trim(), scopes });
          if (res.data) {
            setName('');
            refetch();
          }
        }}
      >
        <TextField size="small" label={t('admin.name')} value={name} onChange={(e) => setName(e.target.value)} required />
        <TextField
          select
          size="small"
          label={t('admin.scopes')}
          value={scopes}
          onChange={(e) => setScopes(typeof e.target.value === 'string' ? [e.target.value] : (e.target.value as string[]))}
          slotProps={{ select: { multiple: true } }}
          sx={{ minWidth: 200 }}
        >
          {SCOPES.map((s) => (
            <MenuItem key={s} value={s}>
              {s}
            </MenuItem>
          ))}
        </TextField>
        <Button type="submit" variant="contained" disabled={!name.trim() || scopes.length === 0 || issued.fetching}>
          {t('admin.newPartner')}
        </Button>
      </Box>
      {issued.data ? (
        <Alert severity="warning" role="status" sx={{ mb: 2 }}>
          {t('admin.secretOnce')} <code>{issued.data.issuePartnerClient.client.id}</code> / <code>{issued.data.issuePartnerClient.clientSecret}</code>
        </Alert>
      ) : null}
      <ErrorNotice error={clients.error ?? issued.error ?? revoked.error} onRetry={refetch} />
      {clients.fetching && !clients.data ? <Loading /> : null}
      {clients.data && list.length === 0 ? <EmptyState>{t('admin.noPartners')}</EmptyState> : null}
      {list.length > 0 ? (
        <Paper>
          <List>
            {list.map((c) => (
              <ListItem
                key={c.id}
                secondaryAction={
                  c.revokedAt ? null : (
                    <Button
                      color="error"
                      disabled={revoked.fetching || clients.fetching}
                      onClick={async () => {
                        const ok = await confirm({ title: t('admin.revokeTitle', { name: c.name }), body: t('admin.revokeBody'), confirmLabel: t('admin.revoke'), danger: true });
                        if (ok && (await revoke({ id: c.id })).data) refetch();
                      }}
                    >
                      {t('admin.revoke')}
                    </Button>
                  )
                }
              >
                <ListItemText
                  primary={`${c.name} · ${c.scopes.join(', ')}`}
                  secondary={`${c.id} · ${formatDateTime(c.createdAt, i18n.language)}${c.revokedAt ? ` · ${t('admin.revokedAt', { when: formatDateTime(c.revokedAt, i18n.language) })}` : ''}`}
                />
              </ListItem>
            ))}
          </List>
        </Paper>
      ) : null}
      {confirmDialog}
    </>
  );
}
