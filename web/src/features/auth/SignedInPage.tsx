// Landing page after "Sign in with Microsoft": identity's callback redirects to
// /auth/complete#access_token=…&refresh_token=…&expires_at=… (a fragment never reaches servers or
// logs). The tokens are stored, the fragment is wiped from history, and the app opens; anything else
// (e.g. #error=…) shows a sentence and the way back to sign-in.
import { useEffect, useState } from 'react';
import { Alert, Link as MuiLink } from '@mui/material';
import { Link, Navigate } from 'react-router';
import { useTranslation } from 'react-i18next';
import { useSessionStore } from '../../api/session-react.tsx';

export function SignedInPage() {
  const { t } = useTranslation();
  const session = useSessionStore();
  const [outcome, setOutcome] = useState<'pending' | 'ok' | 'failed'>('pending');
  useEffect(() => {
    const params = new URLSearchParams(window.location.hash.slice(1));
    window.history.replaceState(null, '', window.location.pathname);
    const accessToken = params.get('access_token');
    if (accessToken) {
      session.set({ accessToken, refreshToken: params.get('refresh_token') });
      setOutcome('ok');
    } else setOutcome('failed');
  }, [session]);
  if (outcome === 'ok') return <Navigate to="/" replace />;
  if (outcome === 'pending') return null;
  return (
    <Alert severity="error" role="alert">
      {t('auth.microsoftFailed')}{' '}
      <MuiLink component={Link} to="/sign-in">
        {t('app.signIn')}
      </MuiLink>
    </Alert>
  );
}
