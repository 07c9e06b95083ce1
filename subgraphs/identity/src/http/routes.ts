// identity's HTTP routes beside /graphql: the JWKS (public, proxied by the router at /.well-known/*),
// the developer inbox (development/test only, signed-in ADMIN only, at /auth/dev/inbox through the router), and the internal
// Azure-user lookup other services use (router secret required; never proxied).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { MikroORM } from '@mikro-orm/postgresql';
import {
  ACTIVE_USERS_MAX, ACTIVE_USERS_PATH, AZURE_USER_PATH, CHAT_PROOF_TOKEN_TYPE, DELEGATED_TOKEN_PATH, TOKEN_EXCHANGE_GRANT, hasRole, hasRouterSecret, sendJson, type SubgraphDeps,
} from '@clinic/service-kit';
import type { IdentityDeps } from '../domain/deps.ts';
import type { KeyRing } from '../domain/key-store.ts';
import { resolveAzureUserFromTables } from '../domain/azure.ts';
import { microsoftRoutes } from './microsoft.ts';
import { partnerToken } from '../domain/partners.ts';
import { readBody } from '@clinic/service-kit';
import { isUuid } from '../users.ts';
import { delegationSettings, exchangeChatProof } from '../domain/delegation.ts';

export const JWKS_PATH = '/.well-known/jwks.json';
export { AZURE_USER_PATH };
export const DEV_INBOX_PATH = '/auth/dev/inbox';
export const TOKEN_PATH = '/auth/token';
/** Notifications asks for a recipient's name, e-mail and phone at send time (router secret; never proxied). */
export const USER_CONTACT_PATH = '/internal/user-contact';
/** Notifications asks who holds a staff role (e.g. the operators to tell about a hand-off); ids only. */
export const STAFF_IDS_PATH = '/internal/staff-ids';

type Route = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

/** The end client as the router's proxy reports it (identity is reached only through the router). */
const clientIpOf = (req: IncomingMessage): string | null => String(req.headers['x-forwarded-for'] ?? '').split(',')[0]?.trim() || req.socket.remoteAddress || null;

export function identityRoutes(deps: SubgraphDeps, identity: () => Promise<IdentityDeps & { keyRing: KeyRing }>, orm: () => MikroORM, env: Record<string, string | undefined>): Record<string, Route> {
  const routes: Record<string, Route> = {
    [JWKS_PATH]: async (_req, res) => {
      // The current key, the next one (published before it signs) and recently retired ones.
      const { keyRing } = await identity();
      sendJson(res, 200, { keys: keyRing.publicJwks() }, { 'cache-control': 'public, max-age=300' });
    },
    [AZURE_USER_PATH]: async (req, res) => {
      if (!hasRouterSecret(req, deps.config.routerSecret)) return sendJson(res, 403, { error: 'forbidden' });
      const url = new URL(req.url ?? '/', 'http://localhost');
      const tid = url.searchParams.get('tid') ?? '';
      const oid = url.searchParams.get('oid') ?? '';
      if (!/^[A-Za-z0-9-]{1,64}$/.test(tid) || !/^[A-Za-z0-9-]{1,64}$/.test(oid)) return sendJson(res, 400, { error: 'tid and oid are required' });
      const user = await resolveAzureUserFromTables(orm().em.fork(), tid, oid);
      sendJson(res, user ? 200 : 404, user ?? { error: 'not linked' }, { 'cache-control': 'no-store' });
    },
    [USER_CONTACT_PATH]: async (req, res) => {
      if (!hasRouterSecret(req, deps.config.routerSecret)) return sendJson(res, 403, { error: 'forbidden' });
      const id = new URL(req.url ?? '/', 'http://localhost').searchParams.get('id') ?? '';
      if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)) return sendJson(res, 400, { error: 'id must be a UUID' });
      const [row] = (await orm().em.fork().getConnection().execute(
        `select u.email, u.display_name as "displayName", p.phone from users u left join patient_profiles p on p.user_id = u.id where u.id = ? and u.status = 'ACTIVE'`,
        [id],
      )) as { email: string; displayName: string; phone: string | null }[];
      sendJson(res, row ? 200 : 404, row ?? { error: 'no such user' }, { 'cache-control': 'no-store' });
    },
    [ACTIVE_USERS_PATH]: async (req, res) => {
      if (!hasRouterSecret(req, deps.config.routerSecret)) return sendJson(res, 403, { error: 'forbidden' });
      const params = new URL(req.url ?? '/', 'http://localhost').searchParams;
      const ids = [...new Set((params.get('ids') ?? '').split(',').filter(Boolean))];
      const role = params.get('role');
      if (!ids.length || ids.length > ACTIVE_USERS_MAX || !ids.every(isUuid)) return sendJson(res, 400, { error: `ids must be 1 to ${ACTIVE_USERS_MAX} UUIDs, comma-separated` });
      if (role !== null && !/^[A-Z_]{2,40}$/.test(role)) return sendJson(res, 400, { error: 'role must be a role name such as PATIENT' });
      const rows = (await orm().em.fork().getConnection().execute(
        `select id from users u where id in (?) and status = 'ACTIVE'${role ? ' and exists (select 1 from user_roles r where r.user_id = u.id and r.role = ?)' : ''}`,
        role ? [ids, role] : [ids],
      )) as { id: string }[];
      sendJson(res, 200, { ids: rows.map((r) => r.id) }, { 'cache-control': 'no-store' });
    },
    [STAFF_IDS_PATH]: async (req, res) => {
      if (!hasRouterSecret(req, deps.config.routerSecret)) return sendJson(res, 403, { error: 'forbidden' });
      const role = new URL(req.url ?? '/', 'http://localhost').searchParams.get('role') ?? '';
      if (!/^[A-Z_]{2,40}$/.test(role)) return sendJson(res, 400, { error: 'role must be a role name such as OPERATOR' });
      const rows = (await orm().em.fork().getConnection().execute(
        `select u.id from user_roles r join users u on u.id = r.user_id where r.role = ? and u.status = 'ACTIVE' order by r.granted_at limit 500`,
        [role],
      )) as { id: string }[];
      sendJson(res, 200, { ids: rows.map((r) => r.id) }, { 'cache-control': 'no-store' });
    },
    // OAuth 2.0 client credentials for partners (RFC 6749 §4.4): Basic auth or form fields.
    [TOKEN_PATH]: async (req, res) => {
      if (req.method !== 'POST') return sendJson(res, 405, { error: 'invalid_request' });
      let form: URLSearchParams;
      try {
        form = new URLSearchParams(await readBody(req, 4_096));
      } catch {
        return sendJson(res, 413, { error: 'invalid_request' });
      }
      if (form.get('grant_type') !== 'client_credentials') return sendJson(res, 400, { error: 'unsupported_grant_type' });
      let clientId = form.get('client_id') ?? '';
      let secret = form.get('client_secret') ?? '';
      const basic = /^Basic\s+(.+)$/i.exec(req.headers.authorization ?? '');
      if (basic?.[1]) [clientId = '', secret = ''] = Buffer.from(basic[1], 'base64').toString('utf8').split(':');
      try {
        const deps = await identity();
        const client = `ip:${clientIpOf(req) ?? 'unknown'}`;
        const issued = await partnerToken(orm().em.fork(), deps.tokens, decodeURIComponent(clientId), decodeURIComponent(secret), { hashes: deps.hashes, client });
        const expiresIn = Math.round((issued.expiresAt.getTime() - Date.now()) / 1000);
        sendJson(res, 200, { access_token: issued.token, token_type: 'Bearer', expires_in: expiresIn, scope: issued.scopes.join(' ') }, { 'cache-control': 'no-store' });
      } catch (error) {
        if ((error as { extensions?: { code?: string } }).extensions?.code === 'RATE_LIMITED') return sendJson(res, 429, { error: 'slow_down' }, { 'retry-after': '1' });
        sendJson(res, 401, { error: 'invalid_client' }, { 'www-authenticate': 'Basic' });
      }
    },
    // The assistant's token exchange for one chat turn (RFC 8693 form; see domain/delegation.ts). Internal:
    // router secret, the assistant's partner token as `actor_token`, chat's proof as `subject_token`.
    [DELEGATED_TOKEN_PATH]: async (req, res) => {
      if (!hasRouterSecret(req, deps.config.routerSecret)) return sendJson(res, 403, { error: 'forbidden' });
      if (req.method !== 'POST') return sendJson(res, 405, { error: 'invalid_request' });
      let form: URLSearchParams;
      try {
        form = new URLSearchParams(await readBody(req, 8_192));
      } catch {
        return sendJson(res, 413, { error: 'invalid_request' });
      }
      if (form.get('grant_type') !== TOKEN_EXCHANGE_GRANT) return sendJson(res, 400, { error: 'unsupported_grant_type' });
      if (form.get('subject_token_type') !== CHAT_PROOF_TOKEN_TYPE) return sendJson(res, 400, { error: 'invalid_request' });
      const actor = await deps.verifier.verify(`Bearer ${form.get('actor_token') ?? ''}`).catch(() => null);
      if (!actor) return sendJson(res, 401, { error: 'invalid_client' });
      try {
        const { tokens, revocations } = await identity();
        const issued = await exchangeChatProof(orm().em.fork(), { tokens, revocations, settings: delegationSettings(env) }, actor, form.get('subject_token') ?? '');
        const expiresIn = Math.round((issued.expiresAt.getTime() - Date.now()) / 1000);
        sendJson(res, 200, {
          access_token: issued.token, issued_token_type: 'urn:ietf:params:oauth:token-type:access_token', token_type: 'Bearer', expires_in: expiresIn, scope: issued.scope,
        }, { 'cache-control': 'no-store' });
      } catch (error) {
        const code = (error as { extensions?: { code?: string } }).extensions?.code;
        if (code !== 'FORBIDDEN' && code !== 'UNAUTHENTICATED') throw error;
        sendJson(res, 400, { error: code === 'FORBIDDEN' ? 'unauthorized_client' : 'invalid_grant', error_description: (error as Error).message }, { 'cache-control': 'no-store' });
      }
    },
    ...microsoftRoutes(deps, identity, orm, env),
  };
  if (deps.config.nodeEnv !== 'production') {
    // The inbox holds live reset links: only a signed-in administrator may read it.
    routes[DEV_INBOX_PATH] = async (req, res) => {
      const viewer = await deps.verifier.verify(req.headers.authorization).catch(() => null);
      if (!viewer || viewer.kind === 'anonymous') return sendJson(res, 401, { error: 'unauthenticated' }, { 'www-authenticate': 'Bearer', 'cache-control': 'no-store' });
      if (!hasRole(viewer, 'ADMIN')) return sendJson(res, 403, { error: 'forbidden' }, { 'cache-control': 'no-store' });
      const { devInbox } = await identity();
      sendJson(res, 200, { messages: devInbox ?? [] }, { 'cache-control': 'no-store' });
    };
  }
  return routes;
}
