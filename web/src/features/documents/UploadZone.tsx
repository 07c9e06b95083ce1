// Upload with drag and drop (or a file picker) and a progress bar: asks the API for an upload URL of
// the chosen document type, then sends the bytes there. Used on the documents page and on an appointment.
import { useRef, useState, type DragEvent } from 'react';
import { Alert, Box, Button, LinearProgress, MenuItem, TextField, Typography } from '@mui/material';
import { useMutation } from 'urql';
import { useTranslation } from 'react-i18next';
import { CreateUploadDocument, CreateVersionUploadDocument, type DocumentType } from '../../gql/graphql.ts';
import { useSession } from '../../api/session-react.tsx';
import { ErrorNotice } from '../../components/Feedback.tsx';
import { sendFile, TransferError, type Sender } from './transfer.ts';

export const DOCUMENT_TYPES: DocumentType[] = ['REFERRAL', 'LAB_RESULT', 'PRESCRIPTION', 'CONSENT', 'INSURANCE', 'IMAGE', 'VISIT_SUMMARY', 'OTHER'];

interface Props {
  appointmentId?: string;
  /** Set to upload a new version of this document instead of a new document. */
  documentId?: string;
  onUploaded: (documentId: string) => void;
  send?: Sender;
}

export function UploadZone({ appointmentId, documentId, onUploaded, send = sendFile }: Props) {
  const { t } = useTranslation();
  const { accessToken } = useSession();
  const [type, setType] = useState<DocumentType>('LAB_RESULT');
  const [progress, setProgress] = useState<number | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  const [dragging, setDragging] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  const [grantResult, grant] = useMutation(CreateUploadDocument);
  const [versionResult, grantVersion] = useMutation(CreateVersionUploadDocument);

  const upload = async (file: File) => {
    setFailure(null);
    const res = documentId
      ? (await grantVersion({ documentId, fileName: file.name, size: file.size })).data?.createVersionUpload
      : (await grant({ type, fileName: file.name, size: file.size, appointmentId })).data?.createUpload;
    if (!res || !accessToken) return;
    setProgress(0);
    try {
      await send(res.url, file, accessToken, setProgress);
      setProgress(null);
      onUploaded(res.documentId);
    } catch (error) {
      setProgress(null);
      const code = error instanceof TransferError ? error.code : null;
      setFailure(t(`documents.uploadFailed.${code ?? 'other'}`, { defaultValue: t('documents.uploadFailed.other') }));
    }
  };

  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    setDragging(false);
    const file = e.dataTransfer.files[0];
    if (file) void upload(file);
  };

  return (
    <Box sx={{ my: 2 }}>
      {documentId ? null : (
        <TextField select size="small" label={t('documents.type')} value={type} onChange={(e) => setType(e.target.value as DocumentType)} sx={{ minWidth: 220, mb: 1 }}>
          {DOCUMENT_TYPES.map((value) => (
            <MenuItem key={value} value={value}>
              {t(`documents.types.${value}`)}
            </MenuItem>
          ))}
        </TextField>
      )}
      <Box
        data-testid="drop-zone"
        onDragOver={(e) => {
          e.preventDefault();
          setDragging(true);
        }}
        onDragLeave={() => setDragging(false)}
        onDrop={onDrop}
        sx={{ p: 3, border: 2, borderStyle: 'dashed', borderColor: dragging ? 'primary.main' : 'divider', borderRadius: 1, textAlign: 'center' }}
      >
        <Typography color="text.secondary">{t('documents.dropHere')}</Typography>
        <Button sx={{ mt: 1 }} onClick={() => input.current?.click()} disabled={progress !== null}>
          {t('documents.choose')}
        </Button>
        <input
          ref={input}
          type="file"
          hidden
          aria-label={t('documents.choose')}
          onChange={(e) => {
            const file = e.target.files?.[0];
            if (file) void upload(file);
            e.target.value = '';
          }}
        />
      </Box>
      {progress !== null ? (
        <Box role="status" aria-live="polite" sx={{ mt: 1 }}>
          <LinearProgress variant="determinate" value={Math.round(progress * 100)} aria-label={t('documents.uploading')} />
          <Typography variant="body2">{t('documents.progress', { percent: Math.round(progress * 100) })}</Typography>
        </Box>
      ) : null}
      <ErrorNotice error={grantResult.error ?? versionResult.error} />
      {failure ? (
        <Alert severity="error" role="alert" sx={{ mt: 1 }}>
          {failure}
        </Alert>
      ) : null}
    </Box>
  );
}
