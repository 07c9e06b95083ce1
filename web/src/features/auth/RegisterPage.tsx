// Registration as a patient (staff accounts are created by administrators); signs in on success.
import { useState } from 'react';
import { Alert, Box, Button, Link as MuiLink, Paper, TextField, Typography } from '@mui/material';
import { Link } from 'react-router';
import { useMutation } from 'urql';
import { useTranslation } from 'react-i18next';
import { RegisterPatientDocument } from '../../gql/graphql.ts';
import { useSessionStore } from '../../api/session-react.tsx';
import { humanError } from '../../api/errors.ts';
import { PageTitle } from '../../components/PageTitle.tsx';

export function RegisterPage() {
  const { t } = useTranslation();
  const session = useSessionStore();
  const [form, setForm] = useState({ displayName: '', email: '', password: '' });
  const [result, register] = useMutation(RegisterPatientDocument);
  const alreadyRegistered = result.error?.graphQLErrors.some((e) => e.extensions?.code === 'CONFLICT');
  return (
    <Paper sx={{ maxWidth: 440, mx: 'auto', p: 3 }}>
      <PageTitle>{t('auth.registerTitle')}</PageTitle>
      {result.error ? (
        <Alert severity="error" role="alert" sx={{ mb: 2 }}>
          {humanError(result.error, t, 'register')}
          {alreadyRegistered ? (
            <>
              {' '}
              <MuiLink component={Link} to="/sign-in">
                {t('auth.haveAccount')}
              </MuiLink>
            </>
          ) : null}
        </Alert>
      ) : null}
      <Box
        component="form"
        noValidate
        onSubmit={async (e) => {
          e.preventDefault();
          const res = await register({ input: { displayName: form.displayName.trim(), email: form.email.trim(), password: form.password } });
          const auth = res.data?.registerPatient;
          if (auth) session.set({ accessToken: auth.accessToken, refreshToken: auth.refreshToken });
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
