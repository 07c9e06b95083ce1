// Tokens identity issues, per the token contract: ES256 access JWTs with `kid` (users and partners),
// and a short-lived MFA challenge (a different audience, so it is never accepted as an access token).
import { randomUUID } from 'node:crypto';
import { SignJWT, createLocalJWKSet, jwtVerify, type JWK } from 'jose';
import { unauthenticated } from '@clinic/service-kit';
import type { SigningKey } from './keys.ts';

export const ACCESS_TOKEN_SECONDS = 10 * 60;
export const PARTNER_TOKEN_SECONDS = 30 * 60;
const MFA_CHALLENGE_SECONDS = 5 * 60;

export interface TokenIssuer {
  key: SigningKey;
  /** Every key identity publishes (current, next, recently retired): what it signed before a rotation still verifies. */
  publicKeys?: () => JWK[];
  issuer: string;
  audience: string;
}

export interface IssuedToken {
  token: string;
  expiresAt: Date;
}

function signer(t: TokenIssuer, claims: Record<string, unknown>, subject: string, seconds: number, audience = t.audience) {
  // `iat_ms`: revocation cutoffs compare with it, so a token issued just after "sign out everywhere" works.
  return new SignJWT({ ...claims, iat_ms: Date.now() })
    .setProtectedHeader({ alg: 'ES256', kid: t.key.kid, typ: 'JWT' })
    .setSubject(subject)
    .setIssuer(t.issuer)
    .setAudience(audience)
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + seconds)
    .sign(t.key.privateKey);
}

export async function issueAccessToken(
  t: TokenIssuer,
  user: { userId: string; roles: string[]; permissions: string[]; sessionId: string },
): Promise<IssuedToken> {
  const token = await signer(t, { token_use: 'access', roles: user.roles, permissions: user.permissions, sid: user.sessionId }, user.userId, ACCESS_TOKEN_SECONDS);
  return { token, expiresAt: new Date(Date.now() + ACCESS_TOKEN_SECONDS * 1000) };
}

export async function issuePartnerToken(t: TokenIssuer, clientId: string, scopes: string[]): Promise<IssuedToken> {
  const token = await signer(t, { token_use: 'partner', scope: scopes.join(' '), roles: [], permissions: [] }, clientId, PARTNER_TOKEN_SECONDS);
  return { token, expiresAt: new Date(Date.now() + PARTNER_TOKEN_SECONDS * 1000) };
}

/**
 * The patient's token the assistant acts with for one chat turn (see delegation.ts): the patient role only,
 * their session (signing out ends it), `act` naming the assistant, and the delegated scope.
 */
export async function issueDelegatedToken(
  t: TokenIssuer,
  d: { userId: string; sessionId: string | null; permissions: string[]; actor: string; scope: string; seconds: number },
): Promise<IssuedToken> {
  const claims = { token_use: 'access', roles: ['PATIENT'], permissions: d.permissions, ...(d.sessionId ? { sid: d.sessionId } : {}), act: { sub: d.actor }, scope: d.scope };
  const token = await signer(t, claims, d.userId, d.seconds);
  return { token, expiresAt: new Date(Date.now() + d.seconds * 1000) };
}

const mfaAudience = (t: TokenIssuer) => `${t.audience}:mfa`;

/** A challenge carries an id (`jti`): completing sign-in spends it, so it cannot be used twice. */
export function issueMfaChallenge(t: TokenIssuer, userId: string): Promise<string> {
  return signer(t, { token_use: 'mfa', jti: randomUUID() }, userId, MFA_CHALLENGE_SECONDS, mfaAudience(t));
}

export interface MfaChallenge {
  userId: string;
  challengeId: string;
  expiresAt: Date;
}

export async function verifyMfaChallenge(t: TokenIssuer, challenge: string): Promise<MfaChallenge> {
  try {
    const options = { issuer: t.issuer, audience: mfaAudience(t) };
    const { payload } = t.publicKeys
      ? await jwtVerify(challenge, createLocalJWKSet({ keys: t.publicKeys() }), options)
      : await jwtVerify(challenge, t.key.publicKey, options);
    if (payload.token_use !== 'mfa' || typeof payload.sub !== 'string' || typeof payload.jti !== 'string') throw new Error('not a challenge');
    if (!/^[0-9a-f-]{36}$/i.test(payload.jti)) throw new Error('not a challenge');
    return { userId: payload.sub, challengeId: payload.jti, expiresAt: new Date((payload.exp ?? 0) * 1000) };
  } catch {
    throw unauthenticated('The sign-in challenge is invalid or has expired; sign in again');
  }
}
