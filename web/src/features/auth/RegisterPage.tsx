// Registration as a patient (staff accounts are created by administrators). The answer never says whether
// the address already has an account: every registration ends on "check your e-mail", and the link in
// the mail (VerifyEmailPage) signs the patient in.
import { useState } from 'react';
import { Alert, Box, Button, Link as MuiLink, Paper, TextField, Typography } from '@mui/material';
import { Link } from 'react-router';
import { useMutation } from 'urql';
import { useTranslation } from 'react-i18next';
import { RegisterPatientDocument } from '../../gql/graphql.ts';
import { humanError } from '../../api/errors.ts';
import { PageTitle } from '../../components/PageTitle.tsx';
import { ResendVerification } from './ResendVerification.tsx';

export function RegisterPage() {
  const { t } = useTranslation();
  const [form, setForm] = useState({ displayName: '', email: '', password: '' });
  const [result, register] = useMutation(RegisterPatientDocument);
  const started = result.data?.registerPatient;
  if (started) {
    return (
      <Paper sx={{ maxWidth: 440, mx: 'auto', p: 3 }}>
        <PageTitle>{t('auth.checkEmailTitle')}</PageTitle>
        <Typography role="status">{t('auth.checkEmailBody', { email: started.email })}</Typography>
        <Typography sx={{ mt: 2 }}>{t('auth.checkEmailSpam')}</Typography>
        <ResendVerification email={started.email} />
        <Typography sx={{ mt: 2 }}>
          <MuiLink component={Link} to="/sign-in">
            {t('auth.haveAccount')}
          </MuiLink>
        </Typography>
      </Paper>
    );
  }
  return (
    <Paper sx={{ maxWidth: 440, mx: 'auto', p: 3 }}>
      <PageTitle>{t('auth.registerTitle')}</PageTitle>
      {result.error ? (
        <Alert severity="error" role="alert" sx={{ mb: 2 }}>
          {humanError(result.error, t, 'register')}
        </Alert>
      ) : null}
      <Box
        component="form"
        noValidate
        onSubmit={async (e) => {
          e.preventDefault();
          await register({ input: { displayName: form.displayName.trim(), email: form.email.trim(), password: form.password } });
        }}
      >
        <TextField fullWidth margin="normal" label={t('auth.displayName')} autoComplete="name" value={form.displayName} onChange={(e) => setForm({ ...form, displayName: e.target.value })} required slotProps={{ htmlInput: { maxLength: 200 } }} />
        <TextField fullWidth margin="normal" label={t('auth.email')} type="email" autoComplete="email" value={form.email} onChange={(e) => setForm({ ...form, email: e.target.value })} required />
        <TextField
          fullWidth
          margin="normal"
          label={t('auth.password')}
          type="password"
          autoComplete="new-password"
          helperText={t('auth.passwordHelp')}
          value={form.password}
          onChange={(e) => setForm({ ...form, password: e.target.value })}
          required
        />
        <Button type="submit" variant="contained" fullWidth sx={{ mt: 1 }} disabled={result.fetching || !form.email || !form.password || !form.displayName}>
          {t('auth.registerSubmit')}
        </Button>
        <Typography sx={{ mt: 2 }}>
          <MuiLink component={Link} to="/sign-in">
            {t('auth.haveAccount')}
          </MuiLink>
        </Typography>
      </Box>
    </Paper>
  );
}
