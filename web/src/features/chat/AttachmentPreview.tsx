// A document attached to a message: its thumbnail (an image, or a PDF's first page) and its name, which
// downloads it. Both come from the documents service, which shows them only to members of the
// conversation; someone who may no longer read it sees the name alone.
import { Box, Button, Chip } from '@mui/material';
import { useTranslation } from 'react-i18next';
import { useSession } from '../../api/session-react.tsx';
import { saveFile, Thumbnail } from '../documents/files.tsx';

export interface AttachmentView {
  documentId: string;
  name: string;
  document?: { id: string; fileName: string; previewUrl?: string | null; downloadUrl: string } | null;
}

export function AttachmentPreview({ attachment }: { attachment: AttachmentView }) {
  const { t } = useTranslation();
  const { accessToken } = useSession();
  const doc = attachment.document;
  if (!doc || !accessToken) return <Chip size="small" label={`📎 ${attachment.name}`} sx={{ mr: 0.5, mt: 0.5 }} />;
  return (
    <Box data-attachment={attachment.documentId} sx={{ display: 'flex', alignItems: 'center', gap: 1, mt: 0.5, flexWrap: 'wrap' }}>
      <Thumbnail url={doc.previewUrl} alt={t('documents.previewOf', { name: attachment.name })} size={72} />
      <Button size="small" onClick={() => void saveFile(doc.downloadUrl, accessToken, doc.fileName)} sx={{ textTransform: 'none', overflowWrap: 'anywhere' }}>
        📎 {attachment.name}
      </Button>
    </Box>
  );
}
