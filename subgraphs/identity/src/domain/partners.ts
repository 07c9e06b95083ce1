// Partner clients: an admin issues an id + secret (the secret is shown once and stored as an argon2id
// hash); the partner exchanges them for a short-lived `token_use: partner` JWT carrying read-only scopes.
import { randomBytes } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { badUserInput, unauthenticated, revocationCutoff, traceOfEntityManager, type RevocationList } from '@clinic/service-kit';
import { query, queryOne, json } from '../db.ts';
import { hashPassword, verifyPassword, randomSecret } from './passwords.ts';
import { issuePartnerToken, type IssuedToken, type TokenIssuer } from './tokens.ts';
import { text } from './validation.ts';
import type { HashGate } from './hash-gate.ts';

/** What partners may be granted: read-only scopes. */
export const PARTNER_SCOPES = ['availability:read', 'doctors:read'];

export interface PartnerClientRecord {
  id: string;
  name: string;
  scopes: string[];
  createdAt: Date;
  revokedAt: Date | null;
}

export async function issuePartnerClient(em: EntityManager, createdBy: string, name: string, scopes: string[]): Promise<{ client: PartnerClientRecord; secret: string }> {
  const bad = scopes.filter((s) => !PARTNER_SCOPES.includes(s));
  if (!scopes.length || bad.length) throw badUserInput(`Partner scopes must be among ${PARTNER_SCOPES.join(', ')}`, { field: 'scopes' });
  const id = `pc_${randomBytes(12).toString('hex')}`;
  const secret = randomSecret(32);
  const client = await queryOne<PartnerClientRecord>(
    em,
    `insert into partner_clients (id, name, secret_hash, scopes, created_by) values (?, ?, ?, ?::jsonb, ?)
     returning id, name, scopes, created_at as "createdAt", revoked_at as "revokedAt"`,
    [id, text(name, 'name', 200), await hashPassword(secret), json([...new Set(scopes)]), createdBy],
  );
  return { client: client!, secret };
}

export function listPartnerClients(em: EntityManager): Promise<PartnerClientRecord[]> {
  return query<PartnerClientRecord>(em, `select id, name, scopes, created_at as "createdAt", revoked_at as "revokedAt" from partner_clients order by created_at desc`);
}

/** Revokes the client: no new tokens, and the ones it holds stop within a second. */
export async function revokePartnerClient(em: EntityManager, id: string, revocations?: RevocationList): Promise<boolean> {
  const done = (await query(em, `update partner_clients set revoked_at = now() where id = ? and revoked_at is null returning id`, [id])).length > 0;
  if (done) await revocations?.revoke([{ kind: 'partner', clientId: id, notBefore: revocationCutoff() }]);
  return done;
}

export async function partnerToken(
  em: EntityManager,
  tokens: TokenIssuer,
  clientId: string,
  secret: string,
  gate?: { hashes: HashGate; client: string },
): Promise<IssuedToken & { scopes: string[] }> {
  if (clientId.length > 64 || secret.length > 200) throw unauthenticated('Client credentials are wrong');
  const client = await queryOne<{ hash: string; scopes: string[]; revokedAt: Date | null }>(
    em,
    `select secret_hash as hash, scopes, revoked_at as "revokedAt" from partner_clients where id = ?`,
    [clientId],
  );
  const verify = () => verifyPassword(client?.hash ?? null, secret);
  const ok = gate ? await gate.hashes.run(gate.client, verify, traceOfEntityManager(em)) : await verify();
  if (!client || !ok || client.revokedAt) throw unauthenticated('Client credentials are wrong');
  return { ...(await issuePartnerToken(tokens, clientId, client.scopes)), scopes: client.scopes };
}
