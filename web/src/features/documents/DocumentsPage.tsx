// The patient's documents: upload (drag and drop, progress), every document with its versions.
import { useQuery } from 'urql';
import { useTranslation } from 'react-i18next';
import { MyDocumentsDocument } from '../../gql/graphql.ts';
import { PageTitle } from '../../components/PageTitle.tsx';
import { EmptyState, ErrorNotice, Loading } from '../../components/Feedback.tsx';
import { UploadZone } from './UploadZone.tsx';
import { DocumentList } from './DocumentList.tsx';

export function DocumentsPage() {
  const { t } = useTranslation();
  const [{ data, fetching, error }, refetch] = useQuery({ query: MyDocumentsDocument, requestPolicy: 'cache-and-network' });
  const reload = () => refetch({ requestPolicy: 'network-only' });
  const documents = data?.myDocuments ?? [];
  return (
    <>
      <PageTitle>{t('documents.title')}</PageTitle>
      <UploadZone onUploaded={reload} />
      <ErrorNotice error={error} onRetry={reload} />
      {fetching && !data ? <Loading /> : null}
      {data && documents.length === 0 ? <EmptyState>{t('documents.none')}</EmptyState> : null}
      <DocumentList documents={documents} onChanged={reload} canChange />
    </>
  );
}
