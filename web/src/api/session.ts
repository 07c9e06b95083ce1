// The signed-in session lives here: the short-lived access token in memory, the rotating refresh token
// in localStorage (so a reload keeps you signed in), and listeners so React and the WebSocket client
// follow sign-in, refresh and sign-out. Roles come from the access token's claims, which the API
// re-checks anyway: the UI uses them only to choose which screens to show.
export interface Tokens {
  accessToken: string;
  refreshToken: string | null;
}

export interface SessionState {
  accessToken: string | null;
  refreshToken: string | null;
  userId: string | null;
  roles: string[];
  /** Access token expiry, ms since epoch (0 when unknown). */
  expiresAt: number;
}

const REFRESH_KEY = 'clinic.refreshToken';
const ACCESS_KEY = 'clinic.accessToken';

interface Claims {
  sub?: string;
  roles?: string[];
  exp?: number;
}

export function decodeClaims(token: string): Claims {
  try {
    const part = token.split('.')[1] ?? '';
    const json = atob(part.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(part.length / 4) * 4, '='));
    return JSON.parse(json) as Claims;
  } catch {
    return {};
  }
}

function stateOf(accessToken: string | null, refreshToken: string | null): SessionState {
  const claims = accessToken ? decodeClaims(accessToken) : {};
  return {
    accessToken,
    refreshToken,
    userId: claims.sub ?? null,
    roles: Array.isArray(claims.roles) ? claims.roles : [],
    expiresAt: claims.exp ? claims.exp * 1000 : 0,
  };
}

export interface SessionStore {
  get(): SessionState;
  set(tokens: Tokens): void;
  clear(): void;
  subscribe(listener: (state: SessionState) => void): () => void;
}

function storage(): Storage | null {
  try {
    return typeof window !== 'undefined' ? window.localStorage : null;
  } catch {
    return null;
  }
}

export function createSessionStore(persist = true): SessionStore {
  const store = persist ? storage() : null;
  // The access token is kept in sessionStorage only, so a new tab starts from the refresh token.
  const tabStore = persist && typeof window !== 'undefined' ? window.sessionStorage : null;
  let state = stateOf(tabStore?.getItem(ACCESS_KEY) ?? null, store?.getItem(REFRESH_KEY) ?? null);
  const listeners = new Set<(s: SessionState) => void>();
  const emit = () => listeners.forEach((l) => l(state));
  // Another tab rotated (or cleared) the shared refresh token: follow it, so this tab never presents a
  // spent refresh token (which identity would treat as theft and revoke the whole session).
  if (store && typeof window !== 'undefined') {
    window.addEventListener('storage', (event) => {
      if (event.key !== REFRESH_KEY) return;
      if (event.newValue) state = { ...state, refreshToken: event.newValue };
      else {
        state = stateOf(null, null);
        tabStore?.removeItem(ACCESS_KEY);
      }
      emit();
    });
  }
  return {
    get: () => state,
    set(tokens) {
      state = stateOf(tokens.accessToken, tokens.refreshToken ?? state.refreshToken);
      tabStore?.setItem(ACCESS_KEY, tokens.accessToken);
      if (state.refreshToken) store?.setItem(REFRESH_KEY, state.refreshToken);
      emit();
    },
    clear() {
      state = stateOf(null, null);
      tabStore?.removeItem(ACCESS_KEY);
      store?.removeItem(REFRESH_KEY);
      emit();
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
