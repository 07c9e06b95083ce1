// The patient's waiting-list entries, naming the doctor and window: leave one (after confirming: the
// place is lost), or accept an offered time before it expires.
import { Button, List, ListItem, ListItemText, Paper } from '@mui/material';
import { useMutation, useQuery } from 'urql';
import { useTranslation } from 'react-i18next';
import { AcceptWaitlistOfferDocument, LeaveWaitlistDocument, MyWaitlistEntriesDocument } from '../../gql/graphql.ts';
import { PageTitle } from '../../components/PageTitle.tsx';
import { EmptyState, ErrorNotice, Loading } from '../../components/Feedback.tsx';
import { formatDateTime } from '../../lib/dates.ts';
import { useConfirm } from '../../components/ConfirmDialog.tsx';

export function WaitlistPage() {
  const { t, i18n } = useTranslation();
  const [result, reexecute] = useQuery({ query: MyWaitlistEntriesDocument });
  const [left, leave] = useMutation(LeaveWaitlistDocument);
  const [accepted, accept] = useMutation(AcceptWaitlistOfferDocument);
  const entries = result.data?.myWaitlistEntries ?? [];
  const [confirm, confirmDialog] = useConfirm();
  const busy = result.fetching || left.fetching || accepted.fetching;
  const refetch = () => reexecute({ requestPolicy: 'network-only' });
  return (
    <>
      <PageTitle>{t('patient.waitlistTitle')}</PageTitle>
      <ErrorNotice error={result.error} onRetry={refetch} />
      <ErrorNotice error={left.error ?? accepted.error} />
      {result.fetching && !result.data ? <Loading /> : null}
      {result.data && entries.length === 0 ? <EmptyState>{t('patient.waitlistEmpty')}</EmptyState> : null}
      {entries.length > 0 ? (
        <Paper>
          <List>
            {entries.map((e) => (
              <ListItem
                key={e.id}
                secondaryAction={
                  <>
                    {e.status === 'OFFERED' ? (
                      <Button disabled={busy} onClick={async () => (await accept({ id: e.id })).data && refetch()}>{t('patient.sendRequest')}</Button>
                    ) : null}
                    {e.status === 'WAITING' || e.status === 'OFFERED' ? (
                      <Button
                        color="error"
                        disabled={busy}
                        onClick={async () => {
                          const ok = await confirm({
                            title: t('patient.leaveConfirmTitle'),
                            body: t('patient.leaveConfirm', { doctor: e.doctor.displayName, from: formatDateTime(e.from, i18n.language), to: formatDateTime(e.to, i18n.language) }),
                            confirmLabel: t('patient.leaveWaitlist'),
                            danger: true,
                          });
                          if (ok && (await leave({ id: e.id })).data) refetch();
                        }}
                      >
                        {t('patient.leaveWaitlist')}
                      </Button>
                    ) : null}
                  </>
                }
              >
                <ListItemText
                  primary={`${e.doctor.displayName} · ${formatDateTime(e.from, i18n.language)} – ${formatDateTime(e.to, i18n.language)}`}
                  secondary={`${t(`waitlistStatus.${e.status}`)}${e.offerStartsAt ? ` · ${formatDateTime(e.offerStartsAt, i18n.language)}` : ''}`}
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
