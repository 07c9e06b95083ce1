// The signed-in person's sessions (devices), with sign-out of any other one, and two-step
// verification: scan the QR code, confirm a code, keep the recovery codes shown once.
import { useState } from 'react';
import { Alert, Box, Button, Chip, List, ListItem, ListItemText, Paper, TextField, Typography } from '@mui/material';
import { useMutation, useQuery } from 'urql';
import { useTranslation } from 'react-i18next';
import { BeginMfaEnrolmentDocument, ConfirmMfaEnrolmentDocument, MeDocument, MySessionsDocument, RevokeSessionDocument, SignOutEverywhereDocument } from '../../gql/graphql.ts';
import { useSessionStore } from '../../api/session-react.tsx';
import { PageTitle } from '../../components/PageTitle.tsx';
import { EmptyState, ErrorNotice, Loading } from '../../components/Feedback.tsx';
import { formatDateTime } from '../../lib/dates.ts';

function TwoStep() {
  const { t } = useTranslation();
  const [me, reexecuteMe] = useQuery({ query: MeDocument });
  const [enrolment, begin] = useMutation(BeginMfaEnrolmentDocument);
  const [confirmed, confirm] = useMutation(ConfirmMfaEnrolmentDocument);
  const [code, setCode] = useState('');
  if (!me.data?.me) return null;
  const recovery = confirmed.data?.confirmMfaEnrolment;
  return (
    <Paper sx={{ p: 2, my: 2 }} component="section" aria-labelledby="mfa-title">
      <Typography variant="h6" component="h2" id="mfa-title">
        {t('auth.mfaTitle')}
      </Typography>
      {recovery ? (
        <Alert severity="success">
          {t('auth.recoveryCodes')}
          <Box component="pre" sx={{ fontFamily: 'monospace' }}>
            {recovery.join('\n')}
          </Box>
        </Alert>
      ) : me.data.me.mfaEnabled ? (
        <Chip color="success" label={t('auth.mfaOn')} />
      ) : enrolment.data ? (
        <Box
          component="form"
          onSubmit={async (e) => {
            e.preventDefault();
            const res = await confirm({ code: code.trim() });
            if (res.data) reexecuteMe({ requestPolicy: 'network-only' });
          }}
        >
          <img src={enrolment.data.beginMfaEnrolment.qrCodeDataUrl} alt={t('auth.qrAlt')} width={180} height={180} />
          <Typography variant="body2" sx={{ wordBreak: 'break-all' }} data-testid="mfa-secret">
            {enrolment.data.beginMfaEnrolment.secret}
          </Typography>
          <TextField margin="normal" label={t('auth.mfaCode')} value={code} onChange={(e) => setCode(e.target.value)} autoComplete="one-time-code" />
          <Button type="submit" variant="contained" sx={{ mt: 3, ml: 1 }} disabled={!code.trim() || confirmed.fetching}>
            {t('auth.mfaSubmit')}
          </Button>
        </Box>
      ) : (
        <Button variant="outlined" onClick={() => void begin({})} disabled={enrolment.fetching}>
          {t('auth.mfaEnable')}
        </Button>
      )}
      <ErrorNotice error={enrolment.error ?? confirmed.error} />
    </Paper>
  );
}

export function SessionsPage() {
  const { t, i18n } = useTranslation();
  const [result, reexecute] = useQuery({ query: MySessionsDocument });
  const [revoked, revoke] = useMutation(RevokeSessionDocument);
  const [everywhere, signOutEverywhere] = useMutation(SignOutEverywhereDocument);
  const session = useSessionStore();
  const sessions = result.data?.mySessions ?? [];
  const refetch = () => reexecute({ requestPolicy: 'network-only' });
  return (
    <>
      <PageTitle>{t('auth.sessionsTitle')}</PageTitle>
      <ErrorNotice error={result.error} onRetry={refetch} />
      <ErrorNotice error={revoked.error} />
      <ErrorNotice error={everywhere.error} />
      {result.fetching && !result.data ? <Loading /> : null}
      {result.data && sessions.length === 0 ? <EmptyState>{t('auth.sessionsEmpty')}</EmptyState> : null}
      {sessions.length > 0 ? (
        <Paper>
          <List>
            {sessions.map((s) => (
              <ListItem
                key={s.id}
                secondaryAction={
                  s.current ? (
                    <Chip label={t('auth.sessionCurrent')} color="primary" />
                  ) : (
                    <Button color="error" onClick={async () => (await revoke({ id: s.id })).data && refetch()}>
                      {t('auth.revoke')}
                    </Button>
                  )
                }
              >
                <ListItemText
                  primary={`${s.method}${s.ip ? ` · ${s.ip}` : ''}`}
                  secondary={`${t('auth.createdAt')}: ${formatDateTime(s.createdAt, i18n.language)} · ${t('auth.lastUsedAt')}: ${formatDateTime(s.lastUsedAt, i18n.language)}`}
                />
              </ListItem>
            ))}
          </List>
        </Paper>
      ) : null}
      {/* Every device, this one included, and Microsoft sign-ins too: for a lost phone or a shared computer. */}
      <Button color="error" variant="outlined" sx={{ mt: 2 }} disabled={everywhere.fetching} onClick={async () => (await signOutEverywhere({})).data && session.clear()}>
        {t('auth.signOutEverywhere')}
      </Button>
      <TwoStep />
    </>
  );
}
