// "Download confirmation (PDF)": asks documents to generate the appointment's confirmation in the viewer's
// language and time zone (kept as a document of the appointment), then downloads it with the session's token.
import { useState } from 'react';
import { Button } from '@mui/material';
import { useMutation } from 'urql';
import { useTranslation } from 'react-i18next';
import { GenerateConfirmationDocument } from '../../gql/graphql.ts';
import { useSession } from '../../api/session-react.tsx';
import { ErrorNotice } from '../../components/Feedback.tsx';
import { viewerTimeZone } from '../../lib/dates.ts';
import { saveFile } from './files.tsx';
import { languageOf } from './intake-schema.ts';

export function ConfirmationButton({ appointmentId, save = saveFile }: { appointmentId: string; save?: typeof saveFile }) {
  const { t, i18n } = useTranslation();
  const { accessToken } = useSession();
  const [result, generate] = useMutation(GenerateConfirmationDocument);
  const [saving, setSaving] = useState(false);
  const busy = result.fetching || saving;
  const onClick = async () => {
    const res = await generate({ appointmentId, language: languageOf(i18n.language), timeZone: viewerTimeZone() });
    const doc = res.data?.generateAppointmentConfirmation;
    if (!doc || !accessToken) return;
    setSaving(true);
    try {
      await save(doc.downloadUrl, accessToken, doc.fileName);
    } finally {
      setSaving(false);
    }
  };
  return (
    <>
      <Button variant="outlined" onClick={() => void onClick()} disabled={busy} aria-busy={busy}>
        {busy ? t('patient.preparingConfirmation') : t('patient.downloadConfirmation')}
      </Button>
      <ErrorNotice error={result.error} />
    </>
  );
}
