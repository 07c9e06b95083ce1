// Browser entry: one session store, one urql client, one i18n instance, then the app.
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { BrowserRouter } from 'react-router';
import { Root } from './Root.tsx';
import { createSessionStore } from './api/session.ts';
import { createApiClient } from './api/client.ts';
import { refreshTokens } from './features/auth/refresh.ts';
import { createI18n } from './i18n/index.ts';
import { liveStatus } from './api/live.ts';

const session = createSessionStore();
const client = createApiClient({ session, refresh: refreshTokens, onLiveChange: liveStatus.set, onSubscribed: liveStatus.subscribed });
const i18n = createI18n();

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <BrowserRouter>
      <Root client={client} session={session} i18n={i18n} />
    </BrowserRouter>
  </StrictMode>,
);
