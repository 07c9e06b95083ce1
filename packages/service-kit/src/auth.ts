// Who is asking. Tokens are verified by every service (the router at the edge, each subgraph again):
// our identity service's JWTs against its JWKS, and Azure AD access tokens against the tenant's JWKS.
import { createLocalJWKSet, createRemoteJWKSet, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import type { AuthConfig } from './config.ts';
import { unauthenticated } from './errors.ts';
import type { RevocationCheck } from './revocation.ts';
import type { TraceContext } from './telemetry.ts';

export type Viewer =
  | { kind: 'anonymous' }
  | {
      kind: 'user';
      userId: string;
      roles: string[];
      permissions: string[];
      sessionId: string | null;
      /** Where the token came from: our identity service, or Azure AD directly. */
      issuer: 'local' | 'azure';
      /** Azure AD tenant and object id, when the token came from Azure AD. */
      azure?: { tenantId: string; objectId: string };
      expiresAt: number;
      /** When the token was issued (ms); revocations by "not before" compare with it. */
      issuedAt?: number;
      /**
       * Set on a delegated token (see ./delegation.ts): the patient acting through `actor` (the assistant's
       * client), limited to `scopes` and to DELEGATED_OPERATIONS.
       */
      delegation?: { actor: string; scopes: string[] };
    }
  | { kind: 'partner'; clientId: string; scopes: string[]; expiresAt: number; issuedAt?: number };

export const ANONYMOUS: Viewer = Object.freeze({ kind: 'anonymous' });

export type AzureUserResolver = (
  tenantId: string,
  objectId: string,
) => Promise<{ userId: string; roles: string[]; permissions: string[] } | null>;

export interface TokenVerifier {
  /** Resolves the viewer for a raw `Authorization` header value; throws UNAUTHENTICATED on a bad token. */
  /** `trace`: the request's trace context, for the spans of the revocation check (see redisSpan). */
  verify(authorization: string | undefined | null, trace?: TraceContext): Promise<Viewer>;
}

function bearer(authorization: string): string {
  const match = /^Bearer\s+([A-Za-z0-9\-_.]+)$/i.exec(authorization.trim());
  if (!match?.[1]) throw unauthenticated('Authorization header must be "Bearer <token>"');
  return match[1];
}

function stringList(value: unknown): string[] {
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  if (typeof value === 'string') return value.split(' ').filter(Boolean);
  return [];
}

function peekIssuer(token: string): string | undefined {
  try {
    const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as JWTPayload;
    return typeof payload.iss === 'string' ? payload.iss : undefined;
  } catch {
    return undefined;
  }
}

function viewerFromLocal(payload: JWTPayload): Viewer {
  const expiresAt = (payload.exp ?? 0) * 1000;
  // `iat_ms`: the precise issue time, so a cutoff spares a token issued a moment after it.
  const issuedAt = typeof payload.iat_ms === 'number' ? payload.iat_ms : (payload.iat ?? 0) * 1000;
  if (payload.token_use === 'partner') {
    return { kind: 'partner', clientId: String(payload.sub), scopes: stringList(payload.scope), expiresAt, issuedAt };
  }
  if (payload.token_use !== 'access' || typeof payload.sub !== 'string') throw unauthenticated('Not an access token');
  // RFC 8693 `act`: someone acting for the subject. Only the patient role, only the delegated scope.
  const act = payload.act as { sub?: unknown } | undefined;
  const delegation = act && typeof act === 'object' ? { actor: String(act.sub ?? ''), scopes: stringList(payload.scope) } : undefined;
  return {
    ...(delegation ? { delegation } : {}),
    kind: 'user',
    userId: payload.sub,
    roles: stringList(payload.roles),
    permissions: stringList(payload.permissions),
    sessionId: typeof payload.sid === 'string' ? payload.sid : null,
    issuer: 'local',
    expiresAt,
    issuedAt,
  };
}

async function refuseRevoked(viewer: Viewer, revocations: RevocationCheck | undefined, trace?: TraceContext): Promise<Viewer> {
  if (!revocations || viewer.kind === 'anonymous') return viewer;
  const revoked = await revocations.isRevoked({
    kind: viewer.kind,
    subject: viewer.kind === 'user' ? viewer.userId : viewer.clientId,
    sessionId: viewer.kind === 'user' ? viewer.sessionId : null,
    issuedAt: (viewer.issuedAt ?? 0) / 1000,
  }, trace);
  if (revoked) throw unauthenticated('This session has ended; sign in again');
  return viewer;
}

/** How many verified tokens a verifier remembers (a few MB at most; the oldest go first). */
const REMEMBERED_MAX = 10_000;
/**
 * How long a remembered signature is trusted before it is checked again: a signing key taken out of the
 * key set (a compromised key) stops its tokens within this, not only when they expire.
 */
const REMEMBERED_MS = 60_000;

/** Signature checks done, for every verifier of the process (tests and benches read it). */
export const tokenVerifierStats = { signatureChecks: 0 };

/**
 * Builds a verifier. `resolveAzureUser` maps an Azure AD (tid, oid) to our local user and roles;
 * services that cannot look users up themselves get it from identity (see identity's linkage).
 * `revocations`: signed-out sessions, deactivated users and revoked partners (see ./revocation.ts).
 * `rememberVerified`: a token of ours whose signature and claims were checked is remembered, by its exact
 * text, until it expires, so the signature is checked once per token instead of once per request (the
 * router sees every request). The revocation check still runs on every request: a remembered token is
 * refused within the revocation list's own bound once its session, user or partner is revoked. A remembered
 * signature is checked again after REMEMBERED_MS. Every subgraph and the router remember (a subgraph sees the
 * same token on every request the router forwards).
 */
export function createTokenVerifier(
  config: AuthConfig,
  opts: { resolveAzureUser?: AzureUserResolver; revocations?: RevocationCheck; rememberVerified?: boolean } = {},
): TokenVerifier {
  // Keyed by the whole token, signature included: the same claims under another signature are checked anew.
  const remembered = opts.rememberVerified === false ? null : new Map<string, { viewer: Viewer; until: number }>();
  const remember = (token: string, viewer: Viewer): Viewer => {
    if (!remembered || viewer.kind === 'anonymous' || viewer.expiresAt <= Date.now()) return viewer;
    if (remembered.size >= REMEMBERED_MAX) remembered.delete(remembered.keys().next().value!);
    // Shared by every request with this token: nobody may change it for the next one.
    if (viewer.kind === 'user') {
      Object.freeze(viewer.roles);
      Object.freeze(viewer.permissions);
    } else Object.freeze(viewer.scopes);
    remembered.set(token, { viewer: Object.freeze(viewer), until: Math.min(viewer.expiresAt, Date.now() + REMEMBERED_MS) });
    return viewer;
  };
  const recall = (token: string): Viewer | undefined => {
    const entry = remembered?.get(token);
    if (!entry) return undefined;
    if (entry.until > Date.now()) return entry.viewer;
    remembered!.delete(token); // expired or due: checked again below (an expired one is refused with the usual reason)
    return undefined;
  };
  let localKeys: JWTVerifyGetKey | null = null;
  if (config.jwksJson) localKeys = createLocalJWKSet(JSON.parse(config.jwksJson));
  else if (config.jwksUrl) localKeys = createRemoteJWKSet(new URL(config.jwksUrl), { cooldownDuration: 5_000 });
  const azure = config.azure;
  const azureKeys = azure ? createRemoteJWKSet(new URL(azure.jwksUrl)) : null;

  return {
    async verify(authorization, trace) {
      if (!authorization) return ANONYMOUS;
      const token = bearer(authorization);
      const known = recall(token);
      if (known) return refuseRevoked(known, opts.revocations, trace);
      const iss = peekIssuer(token);
      try {
        if (azure && azureKeys && iss === azure.issuer) {
          const { payload } = await jwtVerify(token, azureKeys, { issuer: azure.issuer, audience: azure.audience });
          const tid = String(payload.tid ?? '');
          const oid = String(payload.oid ?? '');
          if (tid !== azure.tenantId || !oid) throw unauthenticated('Azure AD token is for another tenant');
          const local = opts.resolveAzureUser ? await opts.resolveAzureUser(tid, oid) : null;
          if (!local) throw unauthenticated('This Microsoft account is not linked to a user');
          return await refuseRevoked(
            {
              kind: 'user',
              ...local,
              sessionId: null,
              issuer: 'azure',
              azure: { tenantId: tid, objectId: oid },
              expiresAt: (payload.exp ?? 0) * 1000,
              issuedAt: (payload.iat ?? 0) * 1000,
            },
            opts.revocations,
            trace,
          );
        }
        if (!localKeys) throw unauthenticated('Token verification is not configured');
        tokenVerifierStats.signatureChecks += 1;
        const { payload } = await jwtVerify(token, localKeys, { issuer: config.issuer, audience: config.audience, algorithms: ['ES256', 'RS256', 'EdDSA'] });
        return await refuseRevoked(remember(token, viewerFromLocal(payload)), opts.revocations, trace);
      } catch (error) {
        if (error instanceof Error && error.name === 'DomainError') throw error;
        if ((error as { extensions?: { code?: string } }).extensions?.code) throw error;
        const reason = (error as { code?: string }).code === 'ERR_JWT_EXPIRED' ? 'Token has expired' : 'Token is invalid';
        throw unauthenticated(reason);
      }
    },
  };
}
