// The verification link's page (/verify-email?token=…): confirms the address once, which signs the patient
// in (the app then shows their home). A used or expired link says so and offers a new one.
import { useEffect, useRef } from 'react';
import { Alert, CircularProgress, Paper, Typography } from '@mui/material';
import { useSearchParams } from 'react-router';
import { useMutation } from 'urql';
import { useTranslation } from 'react-i18next';
import { VerifyEmailDocument } from '../../gql/graphql.ts';
import { useSessionStore } from '../../api/session-react.tsx';
import { humanError } from '../../api/errors.ts';
import { PageTitle } from '../../components/PageTitle.tsx';
import { ResendVerification } from './ResendVerification.tsx';

export function VerifyEmailPage() {
  const { t } = useTranslation();
  const session = useSessionStore();
  const [params] = useSearchParams();
  const token = params.get('token') ?? '';
  const [result, verify] = useMutation(VerifyEmailDocument);
  // A link works once: never send it twice (React may run effects twice in development).
  const sent = useRef(false);
  useEffect(() => {
    if (sent.current || !token) return;
    sent.current = true;
    void verify({ token }).then((res) => {
      const auth = res.data?.verifyEmail;
      if (auth) session.set({ accessToken: auth.accessToken, refreshToken: auth.refreshToken });
    });
  }, [token, verify, session]);

  const failed = !token || result.error;
  return (
    <Paper sx={{ maxWidth: 440, mx: 'auto', p: 3 }}>
      <PageTitle>{t('auth.verifyTitle')}</PageTitle>
      {failed ? (
        <>
          <Alert severity="error" role="alert" sx={{ mb: 2 }}>
            {t('auth.verifyFailed')} {result.error ? humanError(result.error, t) : t('errors.reason.INVALID_LINK')}
          </Alert>
          <ResendVerification />
        </>
      ) : (
        <Typography role="status" sx={{ display: 'flex', alignItems: 'center', gap: 1 }}>
          <CircularProgress size={20} aria-hidden />
          {t('auth.verifying')}
        </Typography>
      )}
    </Paper>
  );
}
