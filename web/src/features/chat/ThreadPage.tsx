// A conversation's thread on any screen size: messages (mine on the right with sent/delivered/read ticks),
// who is typing, quick-action buttons, attachments with thumbnails, and a box that sends on Enter.
import { useState, type FormEvent } from 'react';
import { Box, Button, Chip, Paper, Stack, TextField, Typography } from '@mui/material';
import { useParams } from 'react-router';
import { useTranslation } from 'react-i18next';
import { useSession } from '../../api/session-react.tsx';
import { PageTitle } from '../../components/PageTitle.tsx';
import { ErrorNotice, Loading } from '../../components/Feedback.tsx';
import { formatDateTime, formatTime } from '../../lib/dates.ts';
import { StatusChip } from '../../components/StatusChip.tsx';
import { useThread, type Tick } from './useThread.ts';
import { messageText } from './message-text.ts';
import { QuickActions } from './QuickActions.tsx';
import { AttachmentPreview } from './AttachmentPreview.tsx';

const TICKS: Record<Tick, string> = { PENDING: '…', SENT: '✓', DELIVERED: '✓✓', READ: '✓✓' };

export function ThreadPage() {
  const { id = '' } = useParams();
  const { t, i18n } = useTranslation();
  const { userId } = useSession();
  const { thread, refetch, messages, send, typingNow, typingUsers, tickOf } = useThread(id, userId);
  const [draft, setDraft] = useState('');
  const conversation = thread.data?.conversation;
  const names = new Map((conversation?.participants ?? []).map((p) => [p.user.id, p.user.displayName]));
  const others = (conversation?.participants ?? []).filter((p) => p.user.id !== userId).map((p) => p.user.displayName);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const body = draft.trim();
    if (!body) return;
    setDraft('');
    void send(body);
  };

  return (
    <Box sx={{ maxWidth: 720, display: 'flex', flexDirection: 'column', gap: 1 }}>
      <PageTitle>{others.join(', ') || t('chat.desk')}</PageTitle>
      {conversation?.appointment ? (
        <Typography variant="body2" component="div" color="text.secondary" data-appointment-context>
          {t('chat.about', { when: formatDateTime(conversation.appointment.startsAt, i18n.language) })} <StatusChip status={conversation.appointment.status} />
        </Typography>
      ) : null}
      {thread.fetching && !thread.data ? <Loading /> : null}
      <ErrorNotice error={thread.error} onRetry={() => refetch({ requestPolicy: 'network-only' })} />
      <Stack component="ol" aria-label={t('chat.messages')} spacing={1} sx={{ listStyle: 'none', p: 0, m: 0 }}>
        {messages.map((m) => {
          const mine = !!m.sender && m.sender.id === userId;
          if (m.kind === 'SYSTEM') {
            return (
              <Box component="li" key={m.id} sx={{ textAlign: 'center' }}>
                <Chip size="small" label={messageText(m, t)} />
              </Box>
            );
          }
          const tick = mine ? tickOf(m) : null;
          return (
            <Box component="li" key={m.id} data-message={m.id} sx={{ display: 'flex', justifyContent: mine ? 'flex-end' : 'flex-start' }}>
              <Paper variant="outlined" sx={{ p: 1, maxWidth: '85%', bgcolor: mine ? 'primary.50' : 'background.paper', wordBreak: 'break-word' }}>
                {!mine ? <Typography variant="caption" color="text.secondary">{names.get(m.sender?.id ?? '') ?? ''}</Typography> : null}
                <Typography variant="body1" sx={{ whiteSpace: 'pre-wrap' }}>{messageText({ kind: m.kind ?? 'TEXT', body: m.body, deleted: !!m.deleted }, t)}</Typography>
                {(m.attachments ?? []).map((a) => (
                  <AttachmentPreview key={a.documentId} attachment={a} />
                ))}
                <QuickActions actions={m.actions ?? []} />
                <Typography variant="caption" color="text.secondary" component="p" sx={{ textAlign: 'right' }}>
                  {m.createdAt ? formatTime(m.createdAt, i18n.language) : ''}
                  {m.editedAt ? ` · ${t('chat.edited')}` : ''}
                  {tick ? (
                    <Box component="span" data-tick={tick} aria-label={t(`chat.tick.${tick}`)} sx={{ ml: 0.5, color: tick === 'READ' ? 'info.main' : 'inherit' }}>
                      {TICKS[tick]}
                    </Box>
                  ) : null}
                </Typography>
              </Paper>
            </Box>
          );
        })}
      </Stack>
      <Typography variant="body2" color="text.secondary" aria-live="polite" sx={{ minHeight: '1.5em' }}>
        {typingUsers.length ? t('chat.typing', { name: typingUsers.map((u) => names.get(u) ?? '').join(', ') }) : ''}
      </Typography>
      <Box component="form" onSubmit={submit} sx={{ display: 'flex', gap: 1 }}>
        <TextField
          fullWidth
          size="small"
          multiline
          maxRows={4}
          label={t('chat.write')}
          value={draft}
          onChange={(e) => {
            setDraft(e.target.value);
            typingNow();
          }}
          onKeyDown={(e) => {
            if (e.key === 'Enter' && !e.shiftKey) submit(e);
          }}
          slotProps={{ htmlInput: { maxLength: 4000 } }}
        />
        <Button type="submit" variant="contained" disabled={!draft.trim()}>
          {t('chat.send')}
        </Button>
      </Box>
    </Box>
  );
}
