// Sign in: e-mail and password; when the account has two-step verification, a second step asks for
// the authenticator (or recovery) code. "Sign in with Microsoft" goes to identity's redirect flow,
// which comes back to /auth/callback with tokens in the fragment (see MicrosoftCallback). The button
// shows only when identity says Microsoft sign-in is configured (signInOptions), never as a dead link.
// Errors read as sign-in errors: a wrong password is said to be one, not an ended session. An account whose
// address is not confirmed yet is told so, with a button that sends the link again.
import { useState } from 'react';
import { Alert, Box, Button, Divider, Link as MuiLink, Paper, TextField, Typography } from '@mui/material';
import { Link } from 'react-router';
import { useMutation, useQuery } from 'urql';
import { useTranslation } from 'react-i18next';
import { CompleteMfaSignInDocument, SignInDocument, SignInOptionsDocument } from '../../gql/graphql.ts';
import { useSessionStore } from '../../api/session-react.tsx';
import { errorReason, humanError } from '../../api/errors.ts';
import { PageTitle } from '../../components/PageTitle.tsx';
import { ResendVerification } from './ResendVerification.tsx';

export function SignInPage() {
  const { t } = useTranslation();
  const session = useSessionStore();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [code, setCode] = useState('');
  const [challenge, setChallenge] = useState<string | null>(null);
  const [signInResult, signIn] = useMutation(SignInDocument);
  const [mfaResult, completeMfa] = useMutation(CompleteMfaSignInDocument);
  const [options] = useQuery({ query: SignInOptionsDocument });
  const error = humanError(challenge ? mfaResult.error : signInResult.error, t, 'signIn');
  const notVerified = !challenge && errorReason(signInResult.error) === 'EMAIL_NOT_VERIFIED';

  return (
    <Paper sx={{ maxWidth: 440, mx: 'auto', p: 3 }}>
      <PageTitle>{challenge ? t('auth.mfaTitle') : t('auth.title')}</PageTitle>
      {error ? (
        <Alert severity="error" role="alert" sx={{ mb: 2 }}>
          {error}
        </Alert>
      ) : null}
      {notVerified ? <ResendVerification email={email.trim()} /> : null}
      {challenge ? (
        <Box
          component="form"
          noValidate
          onSubmit={async (e) => {
            e.preventDefault();
            const res = await completeMfa({ challenge, code: code.trim() });
            const auth = res.data?.completeMfaSignIn;
            if (auth) session.set({ accessToken: auth.accessToken, refreshToken: auth.refreshToken });
          }}
        >
          <Typography>{t('auth.mfaHelp')}</Typography>
          <TextField
            fullWidth
            margin="normal"
            label={t('auth.mfaCode')}
            value={code}
            onChange={(e) => setCode(e.target.value)}
            autoComplete="one-time-code"
            autoFocus
            slotProps={{ htmlInput: { inputMode: 'numeric', maxLength: 32 } }}
          />
          <Button type="submit" variant="contained" fullWidth disabled={mfaResult.fetching || !code.trim()}>
            {t('auth.mfaSubmit')}
          </Button>
        </Box>
      ) : (
        <Box
          component="form"
          noValidate
          onSubmit={async (e) => {
            e.preventDefault();
            const res = await signIn({ email: email.trim(), password });
            const result = res.data?.signIn;
            if (result?.status === 'MFA_REQUIRED' && result.mfaChallenge) setChallenge(result.mfaChallenge);
            else if (result?.auth) session.set({ accessToken: result.auth.accessToken, refreshToken: result.auth.refreshToken });
          }}
        >
          <TextField fullWidth margin="normal" label={t('auth.email')} type="email" autoComplete="username" value={email} onChange={(e) => setEmail(e.target.value)} required />
          <TextField
            fullWidth
            margin="normal"
            label={t('auth.password')}
            type="password"
            autoComplete="current-password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            required
          />
          <Button type="submit" variant="contained" fullWidth sx={{ mt: 1 }} disabled={signInResult.fetching || !email || !password}>
            {t('auth.submit')}
          </Button>
          {options.data?.signInOptions.microsoft ? (
            <>
              <Divider sx={{ my: 2 }}>{t('auth.or')}</Divider>
              <Button variant="outlined" fullWidth href="/auth/microsoft/start">
                {t('auth.microsoft')}
              </Button>
            </>
          ) : null}
          <Typography sx={{ mt: 2 }}>
            <MuiLink component={Link} to="/register">
              {t('auth.noAccount')}
            </MuiLink>
          </Typography>
        </Box>
      )}
    </Paper>
  );
}
