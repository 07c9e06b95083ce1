// "Send the e-mail again": asks identity for a new verification link. The answer is the same for any
// address (it never says whether one has an account), so the note after sending is worded that way.
import { useState } from 'react';
import { Alert, Box, Button, TextField } from '@mui/material';
import { useMutation } from 'urql';
import { useTranslation } from 'react-i18next';
import { ResendVerificationEmailDocument } from '../../gql/graphql.ts';
import { humanError } from '../../api/errors.ts';

export function ResendVerification({ email: given }: { email?: string }) {
  const { t } = useTranslation();
  const [email, setEmail] = useState(given ?? '');
  const [result, resend] = useMutation(ResendVerificationEmailDocument);
  const sent = Boolean(result.data?.resendVerificationEmail);
  return (
    <Box
      component="form"
      noValidate
      sx={{ mt: 2 }}
      onSubmit={async (e) => {
        e.preventDefault();
        await resend({ email: email.trim() });
      }}
    >
      {given === undefined ? (
        <TextField fullWidth margin="normal" label={t('auth.email')} type="email" autoComplete="email" value={email} onChange={(e) => setEmail(e.target.value)} required />
      ) : null}
      {result.error ? (
        <Alert severity="error" role="alert" sx={{ mb: 1 }}>
          {humanError(result.error, t)}
        </Alert>
      ) : null}
      {sent ? (
        <Alert severity="info" role="status" sx={{ mb: 1 }}>
          {t('auth.resent')}
        </Alert>
      ) : null}
      <Button type="submit" variant="outlined" fullWidth disabled={result.fetching || !email.trim()}>
        {t('auth.resend')}
      </Button>
    </Box>
  );
}
