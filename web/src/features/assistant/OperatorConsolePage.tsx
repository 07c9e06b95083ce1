// The operator console: hand-offs waiting for a human (urgent first), each with its transcript; take one over
// (the assistant goes silent in that conversation), answer, and hand it back to the assistant.
import { useState } from 'react';
import { Box, Button, Chip, Paper, Stack, TextField, Typography } from '@mui/material';
import { useTranslation } from 'react-i18next';
import { useMutation, useQuery } from 'urql';
import { HandBackHandoffDocument, HandoffQueueDocument, OperatorReplyDocument, TakeOverHandoffDocument } from '../../gql/graphql.ts';
import { useSession } from '../../api/session-react.tsx';
import { PageTitle } from '../../components/PageTitle.tsx';
import { EmptyState, ErrorNotice, Loading } from '../../components/Feedback.tsx';
import { formatDateTime } from '../../lib/dates.ts';

export function OperatorConsolePage() {
  const { t, i18n } = useTranslation();
  const { userId } = useSession();
  const [queue, reexecute] = useQuery({ query: HandoffQueueDocument });
  const [took, takeOver] = useMutation(TakeOverHandoffDocument);
  const [back, handBack] = useMutation(HandBackHandoffDocument);
  const [sent, reply] = useMutation(OperatorReplyDocument);
  const [drafts, setDrafts] = useState<Record<string, string>>({});
  const refetch = () => reexecute({ requestPolicy: 'network-only' });
  const list = queue.data?.handoffQueue ?? [];
  return (
    <Box sx={{ maxWidth: 900 }}>
      <PageTitle>{t('assistant.consoleTitle')}</PageTitle>
      <Button onClick={refetch} sx={{ mb: 1 }}>{t('assistant.refresh')}</Button>
      {queue.fetching && !queue.data ? <Loading /> : null}
      <ErrorNotice error={queue.error ?? took.error ?? back.error ?? sent.error} onRetry={refetch} />
      {queue.data && !list.length ? <EmptyState>{t('assistant.queueEmpty')}</EmptyState> : null}
      <Stack component="ol" spacing={2} aria-label={t('assistant.queue')} sx={{ listStyle: 'none', p: 0, m: 0 }}>
        {list.map((h) => {
          const mine = h.status === 'ACTIVE' && h.operatorId === userId;
          const headingId = `handoff-${h.id}`;
          return (
            <Paper component="li" key={h.id} variant="outlined" sx={{ p: 2 }} aria-labelledby={headingId} data-handoff={h.id}>
              <Stack direction="row" spacing={1} sx={{ flexWrap: 'wrap', alignItems: 'center', mb: 1 }}>
                <Typography component="h2" variant="subtitle1" id={headingId}>
                  {t(`assistant.reason.${h.reason}`, { defaultValue: h.reason })} · {h.topic} · {h.language.toUpperCase()}
                </Typography>
                <Chip size="small" color={h.priority === 'URGENT' ? 'error' : 'default'} label={t(`assistant.priority.${h.priority}`)} />
                <Chip size="small" label={t(`assistant.status.${h.status}`)} />
                <Typography variant="caption" color="text.secondary">{formatDateTime(h.createdAt, i18n.language)}</Typography>
              </Stack>
              <Box component="ol" aria-label={t('assistant.transcript')} sx={{ pl: 2, my: 1 }}>
                {h.transcript.map((turn) => (
                  <li key={turn.id}>
                    {turn.message ? <Typography variant="body2"><strong>{t('assistant.patient')}:</strong> {turn.message}</Typography> : null}
                    {turn.reply ? (
                      <Typography variant="body2" sx={{ whiteSpace: 'pre-wrap' }}>
                        <strong>{turn.author === 'OPERATOR' ? t('assistant.operator') : t('assistant.name')}:</strong> {turn.reply}
                      </Typography>
                    ) : null}
                  </li>
                ))}
              </Box>
              <Stack direction="row" spacing={1} sx={{ flexWrap: 'wrap' }}>
                {h.status === 'QUEUED' || mine ? null : <Typography variant="body2" color="text.secondary">{t('assistant.takenByOther')}</Typography>}
                {h.status === 'QUEUED' ? (
                  <Button variant="contained" disabled={took.fetching} onClick={async () => { await takeOver({ id: h.id }); refetch(); }}>
                    {t('assistant.takeOver')}
                  </Button>
                ) : null}
                {h.status === 'QUEUED' || mine ? (
                  <Button disabled={back.fetching} onClick={async () => { await handBack({ id: h.id }); refetch(); }}>
                    {t('assistant.handBack')}
                  </Button>
                ) : null}
              </Stack>
              {mine ? (
                <Box
                  component="form"
                  sx={{ display: 'flex', gap: 1, mt: 1 }}
                  onSubmit={async (e) => {
                    e.preventDefault();
                    const message = (drafts[h.id] ?? '').trim();
                    if (!message) return;
                    const res = await reply({ handoffId: h.id, message });
                    if (res.data) {
                      setDrafts({ ...drafts, [h.id]: '' });
                      refetch();
                    }
                  }}
                >
                  <TextField fullWidth size="small" label={t('assistant.answer')} value={drafts[h.id] ?? ''} onChange={(e) => setDrafts({ ...drafts, [h.id]: e.target.value })} />
                  <Button type="submit" variant="contained" disabled={!(drafts[h.id] ?? '').trim() || sent.fetching}>{t('assistant.send')}</Button>
                </Box>
              ) : null}
            </Paper>
          );
        })}
      </Stack>
    </Box>
  );
}
