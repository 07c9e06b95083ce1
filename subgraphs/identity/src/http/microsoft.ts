// Sign-in with Microsoft Identity (Azure AD): authorization code + PKCE through @azure/msal-node.
// /auth/microsoft/start redirects to the tenant's authorize endpoint; /auth/microsoft/callback redeems the
// code, verifies the ID token against the tenant's JWKS, maps (tid, oid) to a local user (link or provision,
// by policy), opens a session and redirects to the web app with our tokens in the URL fragment.
import https from 'node:https';
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ConfidentialClientApplication, CryptoProvider, type INetworkModule, type NetworkResponse } from '@azure/msal-node';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import type { MikroORM } from '@mikro-orm/postgresql';
import { loadAuthConfig, requestIdOf, sendJson, DomainError, type SubgraphDeps, type AzureAdConfig } from '@clinic/service-kit';
import type { IdentityDeps } from '../domain/deps.ts';
import { inTransaction, query, queryOne } from '../db.ts';
import { sha256, randomSecret } from '../domain/passwords.ts';
import { linkOrProvision } from '../domain/azure.ts';
import { startSession } from '../domain/auth.ts';

export const MICROSOFT_START_PATH = '/auth/microsoft/start';
export const MICROSOFT_CALLBACK_PATH = '/auth/microsoft/callback';
const SCOPES = ['openid', 'profile', 'email'];
const STATE_MINUTES = 10;

type Route = (req: IncomingMessage, res: ServerResponse) => Promise<void>;
type Env = Record<string, string | undefined>;

/** MSAL's HTTP client, trusting an extra CA when configured (a private cloud, or the tests' local issuer). */
function networkClient(ca: string | undefined): INetworkModule {
  const send = <T>(method: 'GET' | 'POST', url: string, options?: { headers?: Record<string, string>; body?: string }): Promise<NetworkResponse<T>> =>
    new Promise((resolve, reject) => {
      const req = https.request(url, { method, headers: options?.headers, ca, timeout: 10_000 }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const headers: Record<string, string> = {};
          for (const [k, v] of Object.entries(res.headers)) if (typeof v === 'string') headers[k] = v;
          const text = Buffer.concat(chunks).toString('utf8');
          try {
            resolve({ headers, status: res.statusCode ?? 0, body: (text ? JSON.parse(text) : {}) as T });
          } catch (error) {
            reject(error);
          }
        });
      });
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', reject);
      if (options?.body) req.write(options.body);
      req.end();
    });
  return { sendGetRequestAsync: (url, options) => send('GET', url, options), sendPostRequestAsync: (url, options) => send('POST', url, options) };
}

export interface MicrosoftSettings {
  azure: AzureAdConfig;
  clientSecret: string;
  redirectUri: string;
  ca: string | undefined;
}

export function microsoftSettings(env: Env): MicrosoftSettings | null {
  const azure = loadAuthConfig(env).azure;
  if (!azure || !env.AZURE_AD_CLIENT_SECRET) return null;
  return {
    azure,
    clientSecret: env.AZURE_AD_CLIENT_SECRET,
    redirectUri: env.AZURE_AD_REDIRECT_URI ?? 'http://localhost:4000/auth/microsoft/callback',
    ca: env.AZURE_AD_CA_FILE ? readFileSync(env.AZURE_AD_CA_FILE, 'utf8') : env.AZURE_AD_CA_PEM,
  };
}

function redirect(res: ServerResponse, location: string): void {
  res.writeHead(302, { location, 'cache-control': 'no-store' });
  res.end();
}

export function microsoftRoutes(deps: SubgraphDeps, identity: () => Promise<IdentityDeps>, orm: () => MikroORM, env: Env): Record<string, Route> {
  const settings = microsoftSettings(env);
  if (!settings) return {};
  const { azure } = settings;
  const msal = new ConfidentialClientApplication({
    auth: {
      clientId: azure.clientId,
      clientSecret: settings.clientSecret,
      authority: azure.authority,
      knownAuthorities: [new URL(azure.authority).host],
    },
    system: { networkClient: networkClient(settings.ca) },
  });
  const crypto = new CryptoProvider();
  const tenantKeys = createRemoteJWKSet(new URL(azure.jwksUrl));

  const start: Route = async (_req, res) => {
    const { verifier, challenge } = await crypto.generatePkceCodes();
    const state = randomSecret(24);
    const nonce = randomSecret(16);
    await query(orm().em.fork(), `insert into oauth_states (state_hash, code_verifier, nonce, expires_at) values (?, ?, ?, now() + interval '${STATE_MINUTES} minutes')`, [
      sha256(state),
      verifier,
      nonce,
    ]);
    const url = await msal.getAuthCodeUrl({
      scopes: SCOPES,
      redirectUri: settings.redirectUri,
      codeChallenge: challenge,
      codeChallengeMethod: 'S256',
      state,
      nonce,
      responseMode: 'query',
    });
    redirect(res, url);
  };

  const callback: Route = async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const code = url.searchParams.get('code') ?? '';
    const state = url.searchParams.get('state') ?? '';
    const ip = (req.headers['x-forwarded-for'] as string | undefined)?.split(',')[0]?.trim() || req.socket.remoteAddress || null;
    const meta = { ip, requestId: requestIdOf(req) };
    if (!code || code.length > 4000 || !state || state.length > 200) return sendJson(res, 400, { error: 'code and state are required' });
    const em = orm().em.fork();
    const pending = await queryOne<{ verifier: string; nonce: string }>(
      em,
      `delete from oauth_states where state_hash = ? and expires_at > now() returning code_verifier as verifier, nonce`,
      [sha256(state)],
    );
    if (!pending) return sendJson(res, 400, { error: 'this sign-in has expired; start again' });
    let claims: { tid: string; oid: string; email: string | null; name: string | null };
    try {
      const result = await msal.acquireTokenByCode(
        { code, redirectUri: settings.redirectUri, scopes: SCOPES, codeVerifier: pending.verifier, nonce: pending.nonce, state },
        { code, state },
      );
      // Trust nothing MSAL decoded without checking: the ID token's signature, issuer, audience and nonce.
      const { payload } = await jwtVerify(result.idToken, tenantKeys, { issuer: azure.issuer, audience: azure.clientId });
      if (payload.nonce !== pending.nonce) throw new Error('nonce mismatch');
      if (payload.tid !== azure.tenantId || typeof payload.oid !== 'string') throw new Error('wrong tenant');
      const email = typeof payload.email === 'string' ? payload.email : typeof payload.preferred_username === 'string' ? payload.preferred_username : null;
      claims = { tid: String(payload.tid), oid: payload.oid, email, name: typeof payload.name === 'string' ? payload.name : null };
    } catch (error) {
      deps.logger.warn({ err: error, requestId: meta.requestId }, 'microsoft sign-in failed');
      return sendJson(res, 401, { error: 'Microsoft sign-in failed' });
    }
    const ident = await identity();
    try {
      const tokens = await inTransaction(em, async (tx) => {
        const userId = await linkOrProvision(tx, ident, { tenantId: claims.tid, objectId: claims.oid, email: claims.email, emailVerified: Boolean(claims.email), name: claims.name }, meta);
        return startSession(tx, ident, userId, meta, 'MICROSOFT');
      });
      const fragment = new URLSearchParams({
        access_token: tokens.accessToken,
        refresh_token: tokens.refreshToken,
        expires_at: tokens.accessTokenExpiresAt.toISOString(),
      });
      redirect(res, `${ident.publicUrl}/auth/complete#${fragment.toString()}`);
    } catch (error) {
      if (error instanceof DomainError) return sendJson(res, error.code === 'FORBIDDEN' ? 403 : 400, { error: error.message });
      throw error;
    }
  };

  return { [MICROSOFT_START_PATH]: start, [MICROSOFT_CALLBACK_PATH]: callback };
}
