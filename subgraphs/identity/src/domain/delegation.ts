// The assistant's token exchange (RFC 8693 style; the design is in the kit's delegation.ts): the assistant,
// authenticated by its own partner token (the actor), presents chat's proof that a patient has just written
// to it (the subject) and gets a short access token of that patient with the patient role only, the
// patient's session, `act: { sub: <assistant client> }` and the `appointments:self` scope. Refused unless
// the actor is the assistant's own client, the proof is chat's, fresh and unspent, and the patient is an
// active patient whose session (and every token of theirs) has not been revoked since they wrote.
import type { EntityManager } from '@mikro-orm/postgresql';
import {
  DELEGATED_SCOPE, DELEGATED_TOKEN_SECONDS, forbidden, unauthenticated, verifyChatMessageProof,
  type RevocationCheck, type Viewer,
} from '@clinic/service-kit';
import { query, queryOne } from '../db.ts';
import { issueDelegatedToken, type IssuedToken, type TokenIssuer } from './tokens.ts';

export interface DelegationSettings {
  /** ASSISTANT_DELEGATION_SECRET: the key chat signs its proofs with (null: no delegation). */
  proofSecret: string | null;
  /** IDENTITY_ASSISTANT_CLIENT_ID: the only partner client that may exchange proofs. */
  assistantClientId: string | null;
}

export function delegationSettings(env: Record<string, string | undefined>): DelegationSettings {
  return { proofSecret: env.ASSISTANT_DELEGATION_SECRET || null, assistantClientId: env.IDENTITY_ASSISTANT_CLIENT_ID || null };
}

export async function exchangeChatProof(
  em: EntityManager,
  deps: { tokens: TokenIssuer; revocations: RevocationCheck; settings: DelegationSettings; now?: () => Date },
  actor: Viewer,
  proofToken: string,
): Promise<IssuedToken & { userId: string; scope: string }> {
  const { settings } = deps;
  if (!settings.proofSecret || !settings.assistantClientId) throw forbidden('Delegation is not configured');
  if (actor.kind !== 'partner' || actor.clientId !== settings.assistantClientId) throw forbidden('Only the clinic assistant may exchange a chat proof');
  const proof = await verifyChatMessageProof(settings.proofSecret, proofToken, deps.now?.() ?? new Date());
  if (!proof) throw unauthenticated('The proof is invalid or has expired');
  // Single use: the message id is spent once; a replay (or a second exchange for the same turn) is refused.
  const spent = await query(em, `insert into delegation_proofs (message_id, user_id) values (?, ?) on conflict do nothing returning message_id`, [proof.messageId, proof.senderId]);
  if (!spent.length) throw unauthenticated('This proof was already used');
  await query(em, `delete from delegation_proofs where used_at < now() - interval '1 day'`);
  const user = await queryOne<{ status: string; patient: boolean }>(
    em,
    `select status, exists (select 1 from user_roles r where r.user_id = u.id and r.role = 'PATIENT') as patient from users u where id = ?`,
    [proof.senderId],
  );
  if (!user || user.status !== 'ACTIVE' || !user.patient) throw forbidden('The assistant acts only for active patients');
  // Signed out (this session, or everywhere) since the message was written: no token.
  if (proof.sessionId && !(await queryOne(em, `select 1 from sessions where id = ? and user_id = ? and revoked_at is null and expires_at > now()`, [proof.sessionId, proof.senderId]))) {
    throw unauthenticated('The patient has signed out');
  }
  if (await deps.revocations.isRevoked({ kind: 'user', subject: proof.senderId, sessionId: proof.sessionId, issuedAt: proof.sentAt / 1000 })) {
    throw unauthenticated('The patient has signed out');
  }
  const permissions = (await query<{ permission: string }>(em, `select permission from role_permissions where role = 'PATIENT' order by 1`)).map((r) => r.permission);
  const issued = await issueDelegatedToken(deps.tokens, {
    userId: proof.senderId, sessionId: proof.sessionId, permissions, actor: actor.clientId, scope: DELEGATED_SCOPE, seconds: DELEGATED_TOKEN_SECONDS,
  });
  return { ...issued, userId: proof.senderId, scope: DELEGATED_SCOPE };
}
