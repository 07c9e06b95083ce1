// An appointment's documents: upload to it (drag and drop, progress) and see what is attached.
import { Button, Dialog, DialogActions, DialogContent, DialogTitle } from '@mui/material';
import { useQuery } from 'urql';
import { useTranslation } from 'react-i18next';
import { AppointmentDocumentsDocument } from '../../gql/graphql.ts';
import { ErrorNotice, Loading } from '../../components/Feedback.tsx';
import { UploadZone } from './UploadZone.tsx';
import { DocumentList } from './DocumentList.tsx';

export function AppointmentDocumentsDialog({ appointmentId, onClose }: { appointmentId: string | null; onClose: () => void }) {
  const { t } = useTranslation();
  const [{ data, fetching, error }, refetch] = useQuery({ query: AppointmentDocumentsDocument, variables: { id: appointmentId ?? '' }, pause: !appointmentId });
  const reload = () => refetch({ requestPolicy: 'network-only' });
  return (
    <Dialog open={appointmentId !== null} onClose={onClose} fullWidth maxWidth="md">
      <DialogTitle>{t('documents.forAppointment')}</DialogTitle>
      <DialogContent>
        {appointmentId ? <UploadZone appointmentId={appointmentId} onUploaded={reload} /> : null}
        <ErrorNotice error={error} onRetry={reload} />
        {fetching ? <Loading /> : null}
        <DocumentList documents={data?.appointment?.documents ?? []} onChanged={reload} canChange={false} />
      </DialogContent>
      <DialogActions>
        <Button onClick={onClose}>{t('common.close')}</Button>
      </DialogActions>
    </Dialog>
  );
}
