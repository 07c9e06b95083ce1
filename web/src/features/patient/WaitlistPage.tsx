// The patient's waiting-list entries: leave one, or accept an offered time before it expires.
import { Button, List, ListItem, ListItemText, Paper } from '@mui/material';
import { useMutation, useQuery } from 'urql';
import { useTranslation } from 'react-i18next';
import { AcceptWaitlistOfferDocument, LeaveWaitlistDocument, MyWaitlistEntriesDocument } from '../../gql/graphql.ts';
import { PageTitle } from '../../components/PageTitle.tsx';
import { EmptyState, ErrorNotice, Loading } from '../../components/Feedback.tsx';
import { formatDateTime } from '../../lib/dates.ts';

export function WaitlistPage() {
  const { t, i18n } = useTranslation();
  const [result, reexecute] = useQuery({ query: MyWaitlistEntriesDocument });
  const [left, leave] = useMutation(LeaveWaitlistDocument);
  const [accepted, accept] = useMutation(AcceptWaitlistOfferDocument);
  const entries = result.data?.myWaitlistEntries ?? [];
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
                      <Button onClick={async () => (await accept({ id: e.id })).data && refetch()}>{t('patient.sendRequest')}</Button>
                    ) : null}
                    {e.status === 'WAITING' || e.status === 'OFFERED' ? (
                      <Button color="error" onClick={async () => (await leave({ id: e.id })).data && refetch()}>
                        {t('patient.leaveWaitlist')}
                      </Button>
                    ) : null}
                  </>
                }
              >
                <ListItemText
                  primary={`${formatDateTime(e.from, i18n.language)} – ${formatDateTime(e.to, i18n.language)}`}
                  secondary={`${t(`waitlistStatus.${e.status}`)}${e.offerStartsAt ? ` · ${formatDateTime(e.offerStartsAt, i18n.language)}` : ''}`}
                />
              </ListItem>
            ))}
          </List>
        </Paper>
      ) : null}
    </>
  );
}
