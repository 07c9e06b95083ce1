// The patient's own token for one chat turn (design in the kit's delegation.ts): chat's proof that the patient
// just wrote to the assistant, traded at identity's internal token exchange, with the assistant's own partner
// token as the actor. What comes back is the patient's token with the patient role and the appointment
// operations only, for five minutes. Null when delegation is not set up or identity refuses (a stale, replayed
// or forged proof, a signed-out patient): the turn then only offers, as before.
import { CHAT_PROOF_TOKEN_TYPE, DELEGATED_TOKEN_PATH, ROUTER_SECRET_HEADER, TOKEN_EXCHANGE_GRANT, type Logger } from '@clinic/service-kit';

export type DelegatedTokens = (proof: string) => Promise<string | null>;

export function delegatedTokens(
  identityUrl: () => string | null,
  routerSecret: string,
  actorToken: () => Promise<string | null>,
  logger?: Pick<Logger, 'warn'>,
): DelegatedTokens {
  return async (proof) => {
    const url = identityUrl();
    const actor = await actorToken();
    if (!url || !actor) return null;
    try {
      const res = await fetch(new URL(DELEGATED_TOKEN_PATH, new URL(url).origin), {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', [ROUTER_SECRET_HEADER]: routerSecret },
        body: new URLSearchParams({
          grant_type: TOKEN_EXCHANGE_GRANT,
          subject_token: proof,
          subject_token_type: CHAT_PROOF_TOKEN_TYPE,
          actor_token: actor.replace(/^Bearer\s+/i, ''),
        }).toString(),
        signal: AbortSignal.timeout(10_000),
      });
      const body = (await res.json()) as { access_token?: string; error?: string; error_description?: string };
      if (!res.ok || !body.access_token) {
        logger?.warn({ status: res.status, error: body.error, reason: body.error_description }, 'identity refused the delegated token');
        return null;
      }
      return `Bearer ${body.access_token}`;
    } catch (error) {
      logger?.warn({ err: error }, 'identity did not answer the token exchange');
      return null;
    }
  };
}
