// Delegation: the clinic assistant acting in chat for ONE patient turn with that patient's own rights, and less.
//
// Why this shape: the assistant must never hold a standing credential that can act for any patient. Only chat
// knows that a patient has just written to the assistant, so chat signs a proof of that message (conversation,
// message, sender, the sender's session, when) with ASSISTANT_DELEGATION_SECRET, a key chat and identity share
// and the assistant never gets. The proof rides on the `chat.message_to_assistant` event. The assistant trades
// it at identity (an RFC 8693-style token exchange on an internal route, authenticated by its own partner
// token as the actor) for a short access token of that patient: `roles: [PATIENT]`, the patient's session id
// (so signing out ends it), `act: { sub: <assistant client> }` and the one scope `appointments:self`. Identity
// spends each proof once and only while it is fresh. The router and every subgraph treat such a token as the
// patient, but let it run only the operations below (DELEGATED_OPERATIONS): search free time, list the
// patient's appointments, request, cancel, reschedule. No subscriptions, no account changes, nothing else.
import { SignJWT, jwtVerify } from 'jose';
import { GraphQLError, Kind, type DocumentNode, type FragmentDefinitionNode, type OperationDefinitionNode, type SelectionSetNode } from 'graphql';
import type { Viewer } from './auth.ts';

/** The only scope a delegated token carries. */
export const DELEGATED_SCOPE = 'appointments:self';
/** How long a delegated token lives (seconds). */
export const DELEGATED_TOKEN_SECONDS = 5 * 60;
/** How long after the patient's message its proof can still be exchanged (seconds). */
export const DELEGATION_PROOF_SECONDS = 2 * 60;
/** identity's internal token-exchange route (router secret + the assistant's partner token; never proxied). */
export const DELEGATED_TOKEN_PATH = '/internal/delegated-token';
export const TOKEN_EXCHANGE_GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange';
export const CHAT_PROOF_TOKEN_TYPE = 'urn:clinic:params:token-type:chat-message-proof';

/** What a delegated token may run: root fields per operation type (`_entities` is the router asking a subgraph). */
export const DELEGATED_OPERATIONS: Record<'query' | 'mutation', readonly string[]> = {
  query: ['availableSlots', 'myAppointments', '_entities', '__typename'],
  mutation: ['requestAppointment', 'cancelAppointment', 'rescheduleAppointment'],
};

const PROOF_ISSUER = 'clinic-chat';
const PROOF_AUDIENCE = 'clinic-identity:delegation';

export interface ChatMessageProof {
  conversationId: string;
  messageId: string;
  senderId: string;
  /** The sender's identity session (null for an Azure AD token, which has none). */
  sessionId: string | null;
  /** When the message was sent (ms). */
  sentAt: number;
}

const keyOf = (secret: string) => new TextEncoder().encode(secret);

/** Chat signs one patient message to the assistant (HS256, lives DELEGATION_PROOF_SECONDS). */
export function signChatMessageProof(secret: string, proof: ChatMessageProof): Promise<string> {
  const iat = Math.floor(proof.sentAt / 1000);
  return new SignJWT({ conv: proof.conversationId, sid: proof.sessionId, sent_ms: proof.sentAt })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuer(PROOF_ISSUER)
    .setAudience(PROOF_AUDIENCE)
    .setSubject(proof.senderId)
    .setJti(proof.messageId)
    .setIssuedAt(iat)
    .setExpirationTime(iat + DELEGATION_PROOF_SECONDS)
    .sign(keyOf(secret));
}

/** Identity checks a proof's signature and freshness; null when it is forged, malformed or stale. */
export async function verifyChatMessageProof(secret: string, token: string, now: Date = new Date()): Promise<ChatMessageProof | null> {
  try {
    const { payload } = await jwtVerify(token, keyOf(secret), {
      issuer: PROOF_ISSUER, audience: PROOF_AUDIENCE, algorithms: ['HS256'], currentDate: now, maxTokenAge: DELEGATION_PROOF_SECONDS,
    });
    const uuid = /^[0-9a-f-]{36}$/i;
    if (typeof payload.sub !== 'string' || typeof payload.jti !== 'string' || typeof payload.conv !== 'string') return null;
    if (!uuid.test(payload.sub) || !uuid.test(payload.jti) || !uuid.test(payload.conv)) return null;
    const sid = typeof payload.sid === 'string' ? payload.sid : null;
    return { conversationId: payload.conv, messageId: payload.jti, senderId: payload.sub, sessionId: sid, sentAt: Number(payload.sent_ms) };
  } catch {
    return null;
  }
}

/** A delegated viewer: the patient, acting through `actor` (the assistant's client id). */
export const isDelegated = (viewer: Viewer | undefined | null): boolean => viewer?.kind === 'user' && Boolean(viewer.delegation);

function rootFields(selections: SelectionSetNode, fragments: Map<string, FragmentDefinitionNode>, seen = new Set<string>()): string[] {
  return selections.selections.flatMap((s) => {
    if (s.kind === Kind.FIELD) return [s.name.value];
    if (s.kind === Kind.INLINE_FRAGMENT) return rootFields(s.selectionSet, fragments, seen);
    const name = s.name.value;
    const fragment = fragments.get(name);
    if (!fragment || seen.has(name)) return [];
    seen.add(name);
    return rootFields(fragment.selectionSet, fragments, seen);
  });
}

/** Throws FORBIDDEN when a delegated viewer's operation reaches outside DELEGATED_OPERATIONS. */
export function checkDelegatedOperation(viewer: Viewer | undefined | null, document: DocumentNode, operation: OperationDefinitionNode | null | undefined): void {
  if (!isDelegated(viewer) || !operation) return;
  const allowed = operation.operation === 'subscription' ? [] : DELEGATED_OPERATIONS[operation.operation];
  const fragments = new Map(document.definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION).map((d) => [d.name.value, d]));
  const outside = rootFields(operation.selectionSet, fragments).filter((f) => !allowed.includes(f));
  if (outside.length) {
    throw new GraphQLError(`The assistant's token for this patient may not use ${outside.join(', ')}`, { extensions: { code: 'FORBIDDEN', http: { status: 403 } } });
  }
}

/** An Apollo Server plugin (router and subgraphs) applying checkDelegatedOperation to every request. */
export function delegatedAccessPlugin<T extends { viewer?: Viewer }>() {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation(ctx: { contextValue: T; document: DocumentNode; operation?: OperationDefinitionNode | null }) {
          checkDelegatedOperation(ctx.contextValue.viewer, ctx.document, ctx.operation);
        },
      };
    },
  };
}
