// Documents as cards: thumbnail (images), type, size, and every version with download and restore.
// Downloads and thumbnails are fetched with the session's token (their URLs are bound to this user).
import { useState } from 'react';
import { Box, Button, Card, CardContent, Stack, Table, TableBody, TableCell, TableHead, TableRow, Typography } from '@mui/material';
import { useMutation } from 'urql';
import { useTranslation } from 'react-i18next';
import { DocumentRowFragmentDoc, RestoreDocumentVersionDocument } from '../../gql/graphql.ts';
import { useFragment, type FragmentType } from '../../gql/fragment-masking.ts';
import { useSession } from '../../api/session-react.tsx';
import { ErrorNotice } from '../../components/Feedback.tsx';
import { formatDateTime } from '../../lib/dates.ts';
import { saveFile, Thumbnail } from './files.tsx';
import { UploadZone } from './UploadZone.tsx';

const kb = (size: number) => `${Math.max(1, Math.round(size / 1024))} KB`;

export function DocumentList({ documents: masked, onChanged, canChange }: { documents: FragmentType<typeof DocumentRowFragmentDoc>[]; onChanged: () => void; canChange: boolean }) {
  const documents = useFragment(DocumentRowFragmentDoc, masked);
  const { t, i18n } = useTranslation();
  const { accessToken } = useSession();
  const [restoreResult, restore] = useMutation(RestoreDocumentVersionDocument);
  const [adding, setAdding] = useState<string | null>(null);
  return (
    <Stack spacing={2}>
      <ErrorNotice error={restoreResult.error} />
      {documents.map((doc) => (
        <Card key={doc.id} data-document={doc.id} variant="outlined">
          <CardContent>
            <Stack direction="row" spacing={2} sx={{ alignItems: 'flex-start' }}>
              <Thumbnail url={doc.previewUrl} alt={t('documents.previewOf', { name: doc.fileName })} />
              <Box sx={{ flex: 1 }}>
                <Typography variant="h6" component="h2">
                  {doc.fileName}
                </Typography>
                <Typography variant="body2" color="text.secondary">
                  {t(`documents.types.${doc.type}`)} · {kb(doc.size)} · {formatDateTime(doc.updatedAt, i18n.language)}
                </Typography>
                <Table size="small" aria-label={t('documents.versions')}>
                  <TableHead>
                    <TableRow>
                      <TableCell>{t('documents.version')}</TableCell>
                      <TableCell>{t('documents.file')}</TableCell>
                      <TableCell>{t('documents.uploadedAt')}</TableCell>
                      <TableCell>{t('common.actions')}</TableCell>
                    </TableRow>
                  </TableHead>
                  <TableBody>
                    {doc.versions.map((v, index) => (
                      <TableRow key={v.version}>
                        <TableCell>
                          {v.version}
                          {v.restoredFrom ? ` (${t('documents.restoredFrom', { version: v.restoredFrom })})` : ''}
                        </TableCell>
                        <TableCell>{v.fileName}</TableCell>
                        <TableCell>{formatDateTime(v.uploadedAt, i18n.language)}</TableCell>
                        <TableCell>
                          {v.downloadUrl && accessToken ? (
                            <Button size="small" onClick={() => void saveFile(v.downloadUrl!, accessToken, v.fileName)}>
                              {t('documents.download')}
                            </Button>
                          ) : null}
                          {canChange && index > 0 ? (
                            <Button size="small" disabled={restoreResult.fetching} onClick={async () => {
                              const res = await restore({ documentId: doc.id, version: v.version });
                              if (res.data) onChanged();
                            }}>
                              {t('documents.restore')}
                            </Button>
                          ) : null}
                        </TableCell>
                      </TableRow>
                    ))}
                  </TableBody>
                </Table>
                {canChange ? (
                  adding === doc.id ? (
                    <UploadZone documentId={doc.id} onUploaded={() => { setAdding(null); onChanged(); }} />
                  ) : (
                    <Button size="small" sx={{ mt: 1 }} onClick={() => setAdding(doc.id)}>
                      {t('documents.newVersion')}
                    </Button>
                  )
                ) : null}
              </Box>
            </Stack>
          </CardContent>
        </Card>
      ))}
    </Stack>
  );
}
