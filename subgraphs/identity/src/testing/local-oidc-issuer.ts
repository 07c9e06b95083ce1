// A local stand-in for an Azure AD tenant, for tests: HTTPS (self-signed, so MSAL accepts the authority)
// serving the discovery document, authorize and token endpoints (authorization code + PKCE), plus a
// plain-HTTP twin serving the JWKS. It signs ID and access tokens with its own RS256 key.
import https from 'node:https';
import http from 'node:http';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type KeyLike } from 'jose';

export interface LocalUser {
  oid: string;
  email: string;
  name: string;
}

export interface LocalIssuer {
  tenantId: string;
  clientId: string;
  clientSecret: string;
  authorityHost: string;
  issuer: string;
  jwksUrl: string;
  caPem: string;
  /** Who "signs in" at the authorize endpoint next. */
  nextUser: LocalUser;
  /** `issuedAt`: the `iat` (epoch seconds) Azure AD would have stamped; now by default. */
  signAccessToken(user: LocalUser, overrides?: { audience?: string; tenantId?: string; issuedAt?: number }): Promise<string>;
  env(redirectUri: string): Record<string, string>;
  stop(): Promise<void>;
}

function selfSignedCert(): { key: string; cert: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'oidc-'));
  try {
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
      '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem'),
      '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1',
    ], { stdio: 'ignore' });
    return { key: readFileSync(path.join(dir, 'key.pem'), 'utf8'), cert: readFileSync(path.join(dir, 'cert.pem'), 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const listen = (server: http.Server | https.Server) =>
  new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));

export async function startLocalIssuer(): Promise<LocalIssuer> {
  const tenantId = randomUUID();
  const clientId = randomUUID();
  const clientSecret = randomBytes(16).toString('hex');
  const { publicKey, privateKey } = await generateKeyPair('RS256');
  const kid = randomUUID();
  const jwks = { keys: [{ ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' }] };
  const tls = selfSignedCert();
  const codes = new Map<string, { challenge: string; nonce: string; redirectUri: string; user: LocalUser }>();

  const jwksServer = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(jwks));
  });
  const jwksPort = await listen(jwksServer);
  const server = https.createServer({ key: tls.key, cert: tls.cert });
  const port = await listen(server);
  const authorityHost = `https://127.0.0.1:${port}`;
  const base = `${authorityHost}/${tenantId}`;
  const issuer = `${base}/v2.0`;
  const jwksUrl = `http://127.0.0.1:${jwksPort}/${tenantId}/discovery/v2.0/keys`;

  const sign = (claims: Record<string, unknown>, audience: string, key: KeyLike = privateKey, iss = issuer, issuedAt?: number) =>
    new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid, typ: 'JWT' }).setIssuer(iss).setAudience(audience).setIssuedAt(issuedAt).setExpirationTime('1h').sign(key);

  const self: LocalIssuer = {
    tenantId,
    clientId,
    clientSecret,
    authorityHost,
    issuer,
    jwksUrl,
    caPem: tls.cert,
    nextUser: { oid: randomUUID(), email: 'someone@contoso.test', name: 'Some One' },
    signAccessToken: (user, o = {}) =>
      sign({ tid: o.tenantId ?? tenantId, oid: user.oid, sub: user.oid, scp: 'access_as_user', ver: '2.0' }, o.audience ?? `api://${clientId}`, privateKey, issuer, o.issuedAt),
    env: (redirectUri) => ({
      AZURE_AD_TENANT_ID: tenantId,
      AZURE_AD_CLIENT_ID: clientId,
      AZURE_AD_CLIENT_SECRET: clientSecret,
      AZURE_AD_AUTHORITY_HOST: authorityHost,
      AZURE_AD_JWKS_URL: jwksUrl,
      AZURE_AD_CA_PEM: tls.cert,
      AZURE_AD_REDIRECT_URI: redirectUri,
    }),
    async stop() {
      server.closeAllConnections();
      jwksServer.closeAllConnections();
      await new Promise((r) => server.close(r));
      await new Promise((r) => jwksServer.close(r));
    },
  };

  const json = (res: http.ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };

  server.on('request', (req, res) => {
    const url = new URL(req.url ?? '/', authorityHost);
    const p = url.pathname;
    if (p.endsWith('/.well-known/openid-configuration')) {
      return json(res, 200, {
        issuer,
        authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
        token_endpoint: `${base}/oauth2/v2.0/token`,
        end_session_endpoint: `${base}/oauth2/v2.0/logout`,
        jwks_uri: jwksUrl,
        response_types_supported: ['code'],
        subject_types_supported: ['pairwise'],
        id_token_signing_alg_values_supported: ['RS256'],
        scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
        code_challenge_methods_supported: ['S256'],
      });
    }
    if (p === `/${tenantId}/oauth2/v2.0/authorize`) {
      const q = url.searchParams;
      if (q.get('client_id') !== clientId || q.get('code_challenge_method') !== 'S256' || !q.get('code_challenge')) return json(res, 400, { error: 'invalid_request' });
      const code = randomBytes(16).toString('hex');
      codes.set(code, { challenge: q.get('code_challenge')!, nonce: q.get('nonce') ?? '', redirectUri: q.get('redirect_uri')!, user: self.nextUser });
      const back = new URL(q.get('redirect_uri')!);
      back.searchParams.set('code', code);
      back.searchParams.set('state', q.get('state') ?? '');
      res.writeHead(302, { location: back.toString() });
      return res.end();
    }
    if (p === `/${tenantId}/oauth2/v2.0/token` && req.method === 'POST') {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        void (async () => {
          const form = new URLSearchParams(body);
          const grant = codes.get(form.get('code') ?? '');
          codes.delete(form.get('code') ?? '');
          const verifier = form.get('code_verifier') ?? '';
          const challenge = createHash('sha256').update(verifier).digest('base64url');
          if (!grant || form.get('client_id') !== clientId || form.get('client_secret') !== clientSecret || grant.challenge !== challenge || grant.redirectUri !== form.get('redirect_uri')) {
            return json(res, 400, { error: 'invalid_grant' });
          }
          const u = grant.user;
          const idToken = await sign({ tid: tenantId, oid: u.oid, sub: u.oid, nonce: grant.nonce, email: u.email, name: u.name, preferred_username: u.email, ver: '2.0' }, clientId);
          json(res, 200, {
            token_type: 'Bearer',
            scope: 'openid profile email',
            expires_in: 3600,
            ext_expires_in: 3600,
            access_token: await self.signAccessToken(u),
            id_token: idToken,
            client_info: Buffer.from(JSON.stringify({ uid: u.oid, utid: tenantId })).toString('base64url'),
          });
        })();
      });
      return;
    }
    json(res, 404, { error: 'not_found' });
  });
  return self;
}
