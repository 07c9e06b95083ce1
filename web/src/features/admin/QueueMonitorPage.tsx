// The queue monitor: per notification queue its depth (waiting, scheduled, running), the age of the oldest
// waiting job and the failure rate; the deliveries that gave up, to retry or discard; and every service's
// outbox events that gave up, to deliver again. It reads itself again every few seconds while open.
import { useEffect, useState, type ReactNode } from 'react';
import { Alert, Box, Button, Chip, LinearProgress, Paper, Stack, Typography } from '@mui/material';
import { useMutation, useQuery, type TypedDocumentNode } from 'urql';
import { useTranslation } from 'react-i18next';
import {
  DeadOutboxEventsDocument,
  DiscardDeadLetterDocument,
  QueueMonitorDocument,
  RetryAppointmentsDeadEventDocument,
  RetryAssistantDeadEventDocument,
  RetryChatDeadEventDocument,
  RetryDeadLetterDocument,
  RetryDocumentsDeadEventDocument,
  RetryIdentityDeadEventDocument,
  type DeadOutboxEventsQuery,
} from '../../gql/graphql.ts';
import { PageTitle } from '../../components/PageTitle.tsx';
import { EmptyState, ErrorNotice, Loading } from '../../components/Feedback.tsx';
import { useConfirm } from '../../components/ConfirmDialog.tsx';
import { formatDateTime } from '../../lib/dates.ts';

const REFRESH_MS = 10_000;

type Service = keyof Omit<DeadOutboxEventsQuery, '__typename'>;
const RETRY: Record<Service, TypedDocumentNode<unknown, { id: string }>> = {
  identityDeadEvents: RetryIdentityDeadEventDocument,
  appointmentsDeadEvents: RetryAppointmentsDeadEventDocument,
  documentsDeadEvents: RetryDocumentsDeadEventDocument,
  chatDeadEvents: RetryChatDeadEventDocument,
  assistantDeadEvents: RetryAssistantDeadEventDocument,
};

function Stat({ label, children }: { label: string; children: ReactNode }) {
  return (
    <Box>
      <Typography component="dt" variant="caption" color="text.secondary">
        {label}
      </Typography>
      <Typography component="dd" sx={{ m: 0, fontWeight: 600 }}>
        {children}
      </Typography>
    </Box>
  );
}

function DeadEventRetry({ service, id, onDone }: { service: Service; id: string; onDone: () => void }) {
  const { t } = useTranslation();
  const [state, retry] = useMutation(RETRY[service]);
  return (
    <>
      <Button size="small" disabled={state.fetching} onClick={() => void retry({ id }).then(onDone)}>
        {t('console.retry')}
      </Button>
      <ErrorNotice error={state.error} />
    </>
  );
}

export function QueueMonitorPage() {
  const { t, i18n } = useTranslation();
  const [monitor, reexecute] = useQuery({ query: QueueMonitorDocument });
  const [dead, reexecuteDead] = useQuery({ query: DeadOutboxEventsDocument });
  const [retried, retry] = useMutation(RetryDeadLetterDocument);
  const [discarded, discard] = useMutation(DiscardDeadLetterDocument);
  const [notice, setNotice] = useState('');
  const [confirm, confirmDialog] = useConfirm();
  const refresh = () => {
    reexecute({ requestPolicy: 'network-only' });
    reexecuteDead({ requestPolicy: 'network-only' });
  };
  useEffect(() => {
    const timer = setInterval(() => reexecute({ requestPolicy: 'network-only' }), REFRESH_MS);
    return () => clearInterval(timer);
  }, [reexecute]);
  const busy = monitor.fetching || retried.fetching || discarded.fetching;
  const age = (seconds: number) => (seconds < 120 ? t('console.seconds', { count: Math.round(seconds) }) : t('console.minutes', { count: Math.round(seconds / 60) }));
  const percent = (rate: number) => new Intl.NumberFormat(i18n.language, { style: 'percent', maximumFractionDigits: 1 }).format(rate);
  const queues = monitor.data?.notificationQueues ?? [];
  const letters = monitor.data?.deadLetters ?? [];
  const services = dead.data ? (Object.keys(RETRY) as Service[]).map((s) => ({ service: s, events: dead.data![s] })) : [];
  const deadEvents = services.flatMap((s) => s.events.map((e) => ({ ...e, service: s.service })));

  return (
    <>
      <PageTitle>{t('console.queuesTitle')}</PageTitle>
      <Box sx={{ mb: 2 }}>
        <Button variant="outlined" onClick={refresh} disabled={monitor.fetching}>
          {t('console.refresh')}
        </Button>
      </Box>
      <ErrorNotice error={monitor.error} onRetry={refresh} />
      <ErrorNotice error={retried.error ?? discarded.error} />
      <Typography role="status" aria-live="polite" variant="body2" sx={{ minHeight: 20 }}>
        {notice}
      </Typography>
      {monitor.fetching && !monitor.data ? <Loading /> : null}
      {busy && monitor.data ? <LinearProgress aria-label={t('common.updating')} sx={{ mb: 1 }} /> : null}
      <Box component="section" aria-labelledby="queues-heading">
        <Typography variant="h6" component="h2" id="queues-heading" sx={{ mb: 1 }}>
          {t('console.queue')}
        </Typography>
        <Box sx={{ display: 'grid', gridTemplateColumns: 'repeat(auto-fill, minmax(min(100%, 260px), 1fr))', gap: 1.5 }}>
          {queues.map((q) => (
            <Paper key={q.name} variant="outlined" component="article" aria-labelledby={`queue-${q.name}`} sx={{ p: 2, minWidth: 0 }}>
              <Typography component="h3" variant="subtitle1" id={`queue-${q.name}`} sx={{ fontWeight: 600, overflowWrap: 'anywhere' }}>
                {q.name}
              </Typography>
              <Box component="dl" sx={{ display: 'grid', gridTemplateColumns: 'repeat(3, 1fr)', gap: 1, m: 0 }}>
                <Stat label={t('console.waiting')}>{q.waiting}</Stat>
                <Stat label={t('console.delayed')}>{q.delayed}</Stat>
                <Stat label={t('console.active')}>{q.active}</Stat>
                <Stat label={t('console.failed')}>{q.failed}</Stat>
                <Stat label={t('console.oldest')}>{age(q.oldestWaitingSeconds)}</Stat>
                <Stat label={t('console.failureRate')}>{percent(q.failureRate)}</Stat>
              </Box>
            </Paper>
          ))}
        </Box>
      </Box>
      <Box component="section" aria-labelledby="dead-letters-heading" sx={{ mt: 3 }}>
        <Typography variant="h6" component="h2" id="dead-letters-heading" sx={{ mb: 1 }}>
          {t('console.deadLetters')}
        </Typography>
        {monitor.data && letters.length === 0 ? <EmptyState>{t('console.noDeadLetters')}</EmptyState> : null}
        <Stack component="ul" spacing={1} sx={{ listStyle: 'none', p: 0, m: 0 }}>
          {letters.map((d) => (
            <Paper component="li" key={d.id} variant="outlined" sx={{ p: 1.5 }}>
              <Box sx={{ display: 'flex', gap: 1, flexWrap: 'wrap', alignItems: 'center' }}>
                <Typography sx={{ fontWeight: 600 }} id={`dead-${d.id}`}>
                  {t(`notifications.type.${d.type}`)} · {t(`notifications.channel.${d.channel}`)}
                </Typography>
                <Chip size="small" label={`${t('console.attempts')}: ${d.attempts}`} />
              </Box>
              <Typography variant="body2" color="text.secondary" sx={{ overflowWrap: 'anywhere' }}>
                {formatDateTime(d.updatedAt, i18n.language)}
                {d.error ? ` · ${t('console.error')}: ${d.error}` : ''}
              </Typography>
              <Box sx={{ display: 'flex', gap: 1, mt: 1 }}>
                <Button
                  size="small"
                  variant="outlined"
                  disabled={busy}
                  aria-describedby={`dead-${d.id}`}
                  onClick={async () => {
                    const res = await retry({ id: d.id });
                    if (res.data) setNotice(t('console.retried'));
                    refresh();
                  }}
                >
                  {t('console.retry')}
                </Button>
                <Button
                  size="small"
                  color="error"
                  disabled={busy}
                  aria-describedby={`dead-${d.id}`}
                  onClick={async () => {
                    const ok = await confirm({ title: t('console.discardTitle'), body: t('console.discardBody'), confirmLabel: t('console.discard'), danger: true });
                    if (!ok) return;
                    const res = await discard({ id: d.id });
                    if (res.data) setNotice(t('console.discarded'));
                    refresh();
                  }}
                >
                  {t('console.discard')}
                </Button>
              </Box>
            </Paper>
          ))}
        </Stack>
      </Box>
      <Box component="section" aria-labelledby="dead-events-heading" sx={{ mt: 3 }}>
        <Typography variant="h6" component="h2" id="dead-events-heading" sx={{ mb: 1 }}>
          {t('console.deadEvents')}
        </Typography>
        <ErrorNotice error={dead.error} onRetry={() => reexecuteDead({ requestPolicy: 'network-only' })} />
        {dead.data && deadEvents.length === 0 ? <Alert severity="success">{t('console.noDeadEvents')}</Alert> : null}
        <Stack component="ul" spacing={1} sx={{ listStyle: 'none', p: 0, m: 0 }}>
          {deadEvents.map((e) => (
            <Paper component="li" key={`${e.service}/${e.id}`} variant="outlined" sx={{ p: 1.5 }}>
              <Typography sx={{ fontWeight: 600, overflowWrap: 'anywhere' }}>
                {e.service.replace('DeadEvents', '')} · {e.topic}
              </Typography>
              <Typography variant="body2" color="text.secondary" sx={{ overflowWrap: 'anywhere' }}>
                {t('console.deadAt')}: {formatDateTime(e.deadAt, i18n.language)} · {t('console.attempts')}: {e.attempts}
                {e.lastError ? ` · ${e.lastError}` : ''}
              </Typography>
              <DeadEventRetry service={e.service} id={e.id} onDone={() => reexecuteDead({ requestPolicy: 'network-only' })} />
            </Paper>
          ))}
        </Stack>
      </Box>
      {confirmDialog}
    </>
  );
}
