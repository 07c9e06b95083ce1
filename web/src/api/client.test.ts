// The auth exchange: an UNAUTHENTICATED answer trades the refresh token once and retries with the new
// access token; a refused refresh signs the person out. Requests are POSTs (the router's CSRF rule).
import { afterEach, describe, expect, test, vi } from 'vitest';
import { createApiClient } from './client.ts';
import { createSessionStore } from './session.ts';
import { refreshTokens } from '../features/auth/refresh.ts';
import { MeDocument } from '../gql/graphql.ts';
import { fakeAccessToken } from '../test/fixed-client.tsx';

const json = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

afterEach(() => vi.unstubAllGlobals());

describe('api client', () => {
  test('refreshes once on UNAUTHENTICATED and retries with the new token', async () => {
    const oldToken = fakeAccessToken('u1', ['PATIENT']);
    const newToken = fakeAccessToken('u1', ['PATIENT', 'DOCTOR']);
    const seen: { auth: string | null; body: string; method: string }[] = [];
    vi.stubGlobal(
      'fetch',
      vi.fn(async (_url: string, init: RequestInit) => {
        const headers = new Headers(init.headers);
        const body = String(init.body);
        seen.push({ auth: headers.get('authorization'), body, method: init.method ?? 'GET' });
        if (body.includes('RefreshSession')) {
          expect(body).toContain('"refreshToken":"r1"');
          return json({ data: { refreshSession: { __typename: 'AuthPayload', accessToken: newToken, refreshToken: 'r2', accessTokenExpiresAt: '2099-01-01T00:00:00Z' } } });
        }
        if (headers.get('authorization') === `Bearer ${newToken}`) return json({ data: { me: { __typename: 'User', id: 'u1', email: 'a@b.c', displayName: 'A', roles: ['PATIENT'], mfaEnabled: false } } });
        return json({ errors: [{ message: 'Token has expired', extensions: { code: 'UNAUTHENTICATED' } }] }, 401);
      }),
    );
    const session = createSessionStore(false);
    session.set({ accessToken: oldToken, refreshToken: 'r1' });
    const client = createApiClient({ url: 'http://clinic.test/graphql', session, refresh: refreshTokens });

    const result = await client.query(MeDocument, {}).toPromise();
    expect(result.data?.me?.id).toBe('u1');
    expect(session.get().accessToken).toBe(newToken);
    expect(session.get().refreshToken).toBe('r2');
    expect(session.get().roles).toEqual(['PATIENT', 'DOCTOR']);
    expect(seen.filter((s) => s.body.includes('RefreshSession'))).toHaveLength(1);
    expect(seen.every((s) => s.method === 'POST')).toBe(true);
    expect(seen.at(-1)?.auth).toBe(`Bearer ${newToken}`);
  });

  test('a refused refresh signs the person out', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(async (_url: string, init: RequestInit) =>
        String(init.body).includes('RefreshSession')
          ? json({ errors: [{ message: 'Refresh token was revoked', extensions: { code: 'UNAUTHENTICATED' } }] })
          : json({ errors: [{ message: 'expired', extensions: { code: 'UNAUTHENTICATED' } }] }, 401),
      ),
    );
    const session = createSessionStore(false);
    session.set({ accessToken: fakeAccessToken('u1', ['PATIENT']), refreshToken: 'r1' });
    const client = createApiClient({ url: 'http://clinic.test/graphql', session, refresh: refreshTokens });
    const result = await client.query(MeDocument, {}).toPromise();
    expect(result.error?.graphQLErrors[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(session.get().accessToken).toBeNull();
  });

  test('a sign-in the router cannot check right now (Redis away) neither refreshes nor signs the person out', async () => {
    const seen: string[] = [];
    vi.stubGlobal(
      'fetch',
      vi.fn(async (_url: string, init: RequestInit) => {
        seen.push(String(init.body));
        return json({ errors: [{ message: 'Sign-in cannot be checked right now; try again in a moment', extensions: { code: 'UNAUTHENTICATED', reason: 'REVOCATION_UNAVAILABLE', retryable: true } }] }, 401);
      }),
    );
    const session = createSessionStore(false);
    const token = fakeAccessToken('u1', ['PATIENT']);
    session.set({ accessToken: token, refreshToken: 'r1' });
    const client = createApiClient({ url: 'http://clinic.test/graphql', session, refresh: refreshTokens });
    const result = await client.query(MeDocument, {}).toPromise();
    expect(result.error?.graphQLErrors[0]?.extensions?.reason).toBe('REVOCATION_UNAVAILABLE');
    expect(seen.some((body) => body.includes('RefreshSession'))).toBe(false);
    expect(session.get().accessToken).toBe(token);
    expect(session.get().refreshToken).toBe('r1');
  });
});
