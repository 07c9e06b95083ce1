// Registration and address verification on the component level: registering ends on "check your e-mail"
// (never signed in, never told whether the address has an account); the link's page sends its token once
// and signs in; a spent link offers a new one; the sign-in form offers to resend when the address is not
// confirmed yet.
import { describe, expect, test } from 'vitest';
import { fireEvent, screen, waitFor } from '@testing-library/react';
import { Route, Routes } from 'react-router';
import { RegisterPage } from './RegisterPage.tsx';
import { SignInPage } from './SignInPage.tsx';
import { VerifyEmailPage } from './VerifyEmailPage.tsx';
import { SessionsPage } from './SessionsPage.tsx';
import { fakeAccessToken, fixedClient, renderWith } from '../../test/fixed-client.tsx';

const started = (email: string) => ({ data: { registerPatient: { __typename: 'RegistrationStarted', email } } });
const resent = (email: string) => ({ data: { resendVerificationEmail: { __typename: 'RegistrationStarted', email } } });

describe('registration', () => {
  test('ends on "check your e-mail" with the address, signed out, and can send the mail again', async () => {
    const api = fixedClient({ RegisterPatient: (v) => started((v.input as { email: string }).email), ResendVerificationEmail: (v) => resent(v.email as string) });
    const { session } = renderWith(<RegisterPage />, { client: api.client, signedOut: true, path: '/register' });
    fireEvent.change(screen.getByLabelText(/^Full name/), { target: { value: 'Ana Pop' } });
    fireEvent.change(screen.getByLabelText(/^E-mail/), { target: { value: ' ana@example.test ' } });
    fireEvent.change(screen.getByLabelText(/^Password/), { target: { value: 'Correct-Horse-9' } });
    fireEvent.click(screen.getByRole('button', { name: 'Create account' }));
    expect(await screen.findByRole('heading', { name: 'Check your e-mail' })).toBeTruthy();
    expect(screen.getByRole('status').textContent).toContain('ana@example.test');
    expect(api.calls.find((c) => c.name === 'RegisterPatient')?.variables).toEqual({ input: { displayName: 'Ana Pop', email: 'ana@example.test', password: 'Correct-Horse-9' } });
    expect(session.get().accessToken).toBeNull();

    fireEvent.click(screen.getByRole('button', { name: 'Send the e-mail again' }));
    expect(await screen.findByText(/a new link is on its way/)).toBeTruthy();
    expect(api.calls.find((c) => c.name === 'ResendVerificationEmail')?.variables).toEqual({ email: 'ana@example.test' });
  });
});

describe('the verification link', () => {
  const page = (client: ReturnType<typeof fixedClient>['client'], token: string) =>
    renderWith(
      <Routes>
        <Route path="/verify-email" element={<VerifyEmailPage />} />
      </Routes>,
      { client, signedOut: true, path: `/verify-email?token=${token}` },
    );

  test('sends its token once and signs in', async () => {
    const accessToken = fakeAccessToken('u-ana', ['PATIENT']);
    const api = fixedClient({
      VerifyEmail: () => ({ data: { verifyEmail: { __typename: 'AuthPayload', accessToken, refreshToken: 'r1', accessTokenExpiresAt: '2030-01-01T00:00:00.000Z' } } }),
    });
    const { session } = page(api.client, 'tok-123');
    await waitFor(() => expect(session.get().accessToken).toBe(accessToken));
    expect(api.calls.filter((c) => c.name === 'VerifyEmail')).toEqual([{ name: 'VerifyEmail', variables: { token: 'tok-123' } }]);
  });

  test('a used or expired link says so and offers a new one', async () => {
    const api = fixedClient({
      VerifyEmail: () => ({ errorCode: 'BAD_USER_INPUT', extensions: { field: 'token', reason: 'INVALID_LINK' } }),
      ResendVerificationEmail: (v) => resent(v.email as string),
    });
    page(api.client, 'spent');
    expect((await screen.findByRole('alert')).textContent).toMatch(/could not confirm.*invalid, already used or expired/);
    fireEvent.change(screen.getByLabelText(/^E-mail/), { target: { value: 'ana@example.test' } });
    fireEvent.click(screen.getByRole('button', { name: 'Send the e-mail again' }));
    await waitFor(() => expect(api.calls.find((c) => c.name === 'ResendVerificationEmail')?.variables).toEqual({ email: 'ana@example.test' }));
  });
});

test('signing in before confirming the address says so and offers to resend the link', async () => {
  const api = fixedClient({
    SignInOptions: () => ({ data: { signInOptions: { __typename: 'SignInOptions', microsoft: false } } }),
    SignIn: () => ({ errorCode: 'FORBIDDEN', extensions: { reason: 'EMAIL_NOT_VERIFIED' } }),
    ResendVerificationEmail: (v) => resent(v.email as string),
  });
  renderWith(<SignInPage />, { client: api.client, signedOut: true, path: '/sign-in' });
  fireEvent.change(screen.getByLabelText(/^E-mail/), { target: { value: 'ana@example.test' } });
  fireEvent.change(screen.getByLabelText(/^Password/), { target: { value: 'Correct-Horse-9' } });
  fireEvent.click(screen.getByRole('button', { name: 'Sign in' }));
  expect((await screen.findByRole('alert')).textContent).toMatch(/confirm your e-mail address first/);
  fireEvent.click(screen.getByRole('button', { name: 'Send the e-mail again' }));
  await waitFor(() => expect(api.calls.find((c) => c.name === 'ResendVerificationEmail')?.variables).toEqual({ email: 'ana@example.test' }));
});

test('"sign out everywhere" ends every session and signs this device out too', async () => {
  const api = fixedClient({
    MySessions: () => ({ data: { mySessions: [{ __typename: 'Session', id: 's1', createdAt: '2026-11-30T08:00:00.000Z', lastUsedAt: '2026-11-30T08:00:00.000Z', expiresAt: '2026-12-30T08:00:00.000Z', ip: null, method: 'PASSWORD', current: true }] } }),
    Me: () => ({ data: { me: { __typename: 'User', id: 'u1', email: 'ana@example.test', displayName: 'Ana', roles: ['PATIENT'], mfaEnabled: false } } }),
    SignOutEverywhere: () => ({ data: { signOutEverywhere: true } }),
  });
  const { session } = renderWith(<SessionsPage />, { client: api.client });
  fireEvent.click(await screen.findByRole('button', { name: /Sign out everywhere/ }));
  await waitFor(() => expect(session.get().accessToken).toBeNull());
  expect(api.calls.some((c) => c.name === 'SignOutEverywhere')).toBe(true);
});
