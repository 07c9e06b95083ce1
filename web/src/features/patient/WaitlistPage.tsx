// The patient's waiting-list entries, naming the doctor and window, live: an offer arrives (or expires,
// or is booked) without a reload, and shows a countdown to its expiry. Leave one (after confirming: the
// place is lost), or accept an offered time before it expires.
import { Box, Button, Paper, Typography } from '@mui/material';
import { useMutation, useQuery, useSubscription } from 'urql';
import { useTranslation } from 'react-i18next';
import { AcceptWaitlistOfferDocument, LeaveWaitlistDocument, MyWaitlistChangedDocument, MyWaitlistEntriesDocument } from '../../gql/graphql.ts';
import { PageTitle } from '../../components/PageTitle.tsx';
import { EmptyState, ErrorNotice, Loading } from '../../components/Feedback.tsx';
import { formatDateTime } from '../../lib/dates.ts';
import { countdown } from '../../lib/relative.ts';
import { useNow } from '../../lib/useNow.ts';
import { useConfirm } from '../../components/ConfirmDialog.tsx';

export function WaitlistPage() {
  const { t, i18n } = useTranslation();
  const [result, reexecute] = useQuery({ query: MyWaitlistEntriesDocument });
  const [left, leave] = useMutation(LeaveWaitlistDocument);
  const [accepted, accept] = useMutation(AcceptWaitlistOfferDocument);
  const refetch = () => reexecute({ requestPolicy: 'network-only' });
  // The changed entry itself is in the event (urql's cache updates it by id); a refetch keeps the order.
  useSubscription({ query: MyWaitlistChangedDocument }, (_prev, data) => (refetch(), data));
  const now = useNow(1000);
  const entries = result.data?.myWaitlistEntries ?? [];
  const [confirm, confirmDialog] = useConfirm();
  const busy = result.fetching || left.fetching || accepted.fetching;
  const when = (iso: string) => formatDateTime(iso, i18n.language);
  return (
    <>
      <PageTitle>{t('patient.waitlistTitle')}</PageTitle>
      <Typography variant="body2" color="text.secondary">
        {t('waitlistLive.live')}
      </Typography>
      <ErrorNotice error={result.error} onRetry={refetch} />
      <ErrorNotice error={left.error ?? accepted.error} />
      {result.fetching && !result.data ? <Loading /> : null}
      {result.data && entries.length === 0 ? <EmptyState>{t('patient.waitlistEmpty')}</EmptyState> : null}
      <Box component="ul" aria-label={t('patient.waitlistTitle')} sx={{ listStyle: 'none', p: 0, m: 0, display: 'grid', gap: 1.5 }}>
        {entries.map((e) => {
          const open = e.status === 'OFFERED' && !!e.offerExpiresAt && Date.parse(e.offerExpiresAt) > now.getTime();
          return (
            <Paper component="li" key={e.id} data-entry={e.id} variant="outlined" sx={{ p: 2, minWidth: 0 }}>
              <Typography component="h2" variant="subtitle1" sx={{ fontWeight: 600, overflowWrap: 'anywhere' }}>
                {t('waitlistLive.window', { doctor: e.doctor.displayName, from: when(e.from), to: when(e.to) })}
              </Typography>
              <Typography variant="body2" aria-live="polite" data-status={e.status}>
                {t(`waitlistStatus.${e.status}`)}
              </Typography>
              {e.status === 'OFFERED' && e.offerStartsAt ? (
                <>
                  <Typography variant="body2">{t('waitlistLive.offer', { when: when(e.offerStartsAt) })}</Typography>
                  {open ? (
                    <Typography variant="body2" role="timer" aria-live="off" data-countdown={e.id} sx={{ fontWeight: 600 }}>
                      {t('waitlistLive.countdown', { time: countdown(e.offerExpiresAt!, now) })}
                    </Typography>
                  ) : (
                    <Typography variant="body2" role="status">
                      {t('waitlistLive.offerExpired')}
                    </Typography>
                  )}
                </>
              ) : null}
              <Box sx={{ display: 'flex', gap: 1, flexWrap: 'wrap', mt: 1 }}>
                {open ? (
                  <Button variant="contained" size="small" disabled={busy} onClick={async () => (await accept({ id: e.id })).data && refetch()}>
                    {t('waitlistLive.accept')}
                  </Button>
                ) : null}
                {e.status === 'WAITING' || e.status === 'OFFERED' ? (
                  <Button
                    color="error"
                    size="small"
                    disabled={busy}
                    onClick={async () => {
                      const ok = await confirm({
                        title: t('patient.leaveConfirmTitle'),
                        body: t('patient.leaveConfirm', { doctor: e.doctor.displayName, from: when(e.from), to: when(e.to) }),
                        confirmLabel: t('patient.leaveWaitlist'),
                        danger: true,
                      });
                      if (ok && (await leave({ id: e.id })).data) refetch();
                    }}
                  >
                    {t('patient.leaveWaitlist')}
                  </Button>
                ) : null}
              </Box>
            </Paper>
          );
        })}
      </Box>
      {confirmDialog}
    </>
  );
}
