// Conversations: most recent activity first with unread badges (refreshed live by conversationUpdated),
// and search over your own messages (the server's blind index; results link into the thread).
import { useState } from 'react';
import { Badge, Box, List, ListItem, ListItemButton, ListItemText, TextField, Typography } from '@mui/material';
import { Link } from 'react-router';
import { useTranslation } from 'react-i18next';
import { useQuery, useSubscription } from 'urql';
import { ConversationUpdatedDocument, MyConversationsDocument, SearchMessagesDocument } from '../../gql/graphql.ts';
import { useSession } from '../../api/session-react.tsx';
import { PageTitle } from '../../components/PageTitle.tsx';
import { EmptyState, ErrorNotice, Loading } from '../../components/Feedback.tsx';
import { formatDateTime } from '../../lib/dates.ts';
import { messageText } from './message-text.ts';
import { AskAssistantButton } from '../assistant/AskAssistantButton.tsx';

export function ConversationsPage() {
  const { t, i18n } = useTranslation();
  const { userId, roles } = useSession();
  const [query, setQuery] = useState('');
  const [list, refetch] = useQuery({ query: MyConversationsDocument, variables: {} });
  const [found] = useQuery({ query: SearchMessagesDocument, variables: { query: query.trim() }, pause: query.trim().length < 2 });
  useSubscription({ query: ConversationUpdatedDocument }, (_prev, data) => {
    refetch({ requestPolicy: 'network-only' });
    return data;
  });
  const conversations = list.data?.me?.conversations.conversations ?? [];
  return (
    <Box sx={{ maxWidth: 720 }}>
      <PageTitle>{t('chat.title')}</PageTitle>
      {roles.includes('PATIENT') ? <AskAssistantButton /> : null}
      <TextField
        fullWidth
        size="small"
        type="search"
        label={t('chat.search')}
        value={query}
        onChange={(e) => setQuery(e.target.value)}
        sx={{ mb: 2 }}
      />
      {query.trim().length >= 2 ? (
        <List aria-label={t('chat.searchResults')}>
          {(found.data?.searchMessages ?? []).map((m) => (
            <ListItem key={m.id} disablePadding>
              <ListItemButton component={Link} to={`/messages/${m.conversationId}`}>
                <ListItemText primary={m.body} secondary={formatDateTime(m.createdAt, i18n.language)} />
              </ListItemButton>
            </ListItem>
          ))}
        </List>
      ) : null}
      {query.trim().length >= 2 && found.data && !found.data.searchMessages.length ? <Typography color="text.secondary">{t('chat.noResults')}</Typography> : null}
      {list.fetching && !list.data ? <Loading /> : null}
      <ErrorNotice error={list.error} onRetry={() => refetch({ requestPolicy: 'network-only' })} />
      {list.data && !conversations.length ? <EmptyState>{t('chat.empty')}</EmptyState> : null}
      <List aria-label={t('chat.title')}>
        {conversations.map((c) => {
          const others = c.participants.filter((p) => p.user.id !== userId).map((p) => p.user.displayName);
          const title = c.kind === 'DESK' && !others.length ? t('chat.desk') : others.join(', ');
          return (
            <ListItem key={c.id} disablePadding>
            <ListItemButton component={Link} to={`/messages/${c.id}`} data-conversation={c.id}>
              <ListItemText
                primary={title}
                secondary={c.lastMessage ? messageText(c.lastMessage, t) : formatDateTime(c.lastActivityAt, i18n.language)}
                slotProps={{ secondary: { noWrap: true } }}
              />
              <Badge color="primary" badgeContent={c.unreadCount} aria-label={t('chat.unread', { count: c.unreadCount })} sx={{ mr: 2 }} />
            </ListItemButton>
            </ListItem>
          );
        })}
      </List>
    </Box>
  );
}
