// Providers shared by the browser entry and the component tests (which pass their own client).
import type { ReactNode } from 'react';
import { Provider as UrqlProvider, type Client } from 'urql';
import { I18nextProvider } from 'react-i18next';
import type { i18n as I18n } from 'i18next';
import { CssBaseline, ThemeProvider } from '@mui/material';
import { theme } from './theme.ts';
import { SessionProvider } from './api/session-react.tsx';
import type { SessionStore } from './api/session.ts';
import { App } from './App.tsx';

export function Providers({ client, session, i18n, children }: { client: Client; session: SessionStore; i18n: I18n; children: ReactNode }) {
  return (
    <I18nextProvider i18n={i18n}>
      <ThemeProvider theme={theme}>
        <CssBaseline />
        <SessionProvider store={session}>
          <UrqlProvider value={client}>{children}</UrqlProvider>
        </SessionProvider>
      </ThemeProvider>
    </I18nextProvider>
  );
}

export function Root(props: { client: Client; session: SessionStore; i18n: I18n }) {
  return (
    <Providers {...props}>
      <App />
    </Providers>
  );
}
