// Admin: the developer inbox — e-mail and SMS captured while no provider keys are configured, and the
// account mails identity keeps outside production (verification and password-reset links; its
// /auth/dev/inbox answers only an administrator's token).
import { useEffect, useState } from 'react';
import { Link, List, ListItem, ListItemText, Paper, Typography } from '@mui/material';
import { useQuery } from 'urql';
import { useTranslation } from 'react-i18next';
import { DevInboxDocument } from '../../gql/graphql.ts';
import { PageTitle } from '../../components/PageTitle.tsx';
import { EmptyState, ErrorNotice, Loading } from '../../components/Feedback.tsx';
import { formatDateTime } from '../../lib/dates.ts';
import { useSessionStore } from '../../api/session-react.tsx';

interface AccountMail {
  to: string;
  subject: string;
  link: string;
  at: string;
}

function AccountMails() {
  const { t, i18n } = useTranslation();
  const session = useSessionStore();
  const [mails, setMails] = useState<AccountMail[]>([]);
  useEffect(() => {
    const token = session.get().accessToken;
    void fetch('/auth/dev/inbox', { headers: token ? { authorization: `Bearer ${token}` } : {} })
      .then((res) => (res.ok ? (res.json() as Promise<{ messages: AccountMail[] }>) : { messages: [] }))
      .then((body) => setMails([...body.messages].reverse()), () => setMails([]));
  }, [session]);
  if (!mails.length) return null;
  return (
    <Paper component="section" aria-labelledby="account-mails" sx={{ mb: 2 }}>
      <Typography variant="h6" component="h2" id="account-mails" sx={{ px: 2, pt: 2 }}>
        {t('notifications.accountMailsTitle')}
      </Typography>
      <List>
        {mails.map((m, i) => (
          <ListItem key={`${m.at}-${i}`} alignItems="flex-start">
            <ListItemText
              primary={`${m.to} · ${m.subject}`}
              secondary={
                <>
                  {formatDateTime(m.at, i18n.language)} — <Link href={m.link}>{m.link}</Link>
                </>
              }
              slotProps={{ secondary: { sx: { overflowWrap: 'anywhere' } } }}
            />
          </ListItem>
        ))}
      </List>
    </Paper>
  );
}

export function DevInboxPage() {
  const { t, i18n } = useTranslation();
  const [result, reexecute] = useQuery({ query: DevInboxDocument });
  const messages = result.data?.devInbox ?? [];
  return (
    <>
      <PageTitle>{t('notifications.devInboxTitle')}</PageTitle>
      <AccountMails />
      <ErrorNotice error={result.error} onRetry={() => reexecute({ requestPolicy: 'network-only' })} />
      {result.fetching && !result.data ? <Loading /> : null}
      {result.data && messages.length === 0 ? <EmptyState>{t('notifications.devInboxEmpty')}</EmptyState> : null}
      {messages.length ? (
        <Paper>
          <List>
            {messages.map((m) => (
              <ListItem key={m.id} alignItems="flex-start">
                <ListItemText
                  primary={`${t(`notifications.channel.${m.channel}`)} → ${m.to}${m.subject ? ` · ${m.subject}` : ''}`}
                  secondary={`${formatDateTime(m.createdAt, i18n.language)} — ${m.body}`}
                  slotProps={{ secondary: { sx: { whiteSpace: 'pre-wrap' } } }}
                />
              </ListItem>
            ))}
          </List>
        </Paper>
      ) : null}
    </>
  );
}
