// Admin: the developer inbox — e-mail and SMS captured while no provider keys are configured.
import { List, ListItem, ListItemText, Paper } from '@mui/material';
import { useQuery } from 'urql';
import { useTranslation } from 'react-i18next';
import { DevInboxDocument } from '../../gql/graphql.ts';
import { PageTitle } from '../../components/PageTitle.tsx';
import { EmptyState, ErrorNotice, Loading } from '../../components/Feedback.tsx';
import { formatDateTime } from '../../lib/dates.ts';

export function DevInboxPage() {
  const { t, i18n } = useTranslation();
  const [result, reexecute] = useQuery({ query: DevInboxDocument });
  const messages = result.data?.devInbox ?? [];
  return (
    <>
      <PageTitle>{t('notifications.devInboxTitle')}</PageTitle>
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
