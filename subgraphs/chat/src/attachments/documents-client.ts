// Asks the documents service, with the sender's own bearer token, to check and share a message's
// attachments (kit's CONVERSATION_SHARES_PATH). Documents owns the rule of who may read a document; chat
// only learns yes or no. Without a documents URL configured, attachments are refused.
import { CONVERSATION_SHARES_PATH, DomainError, ROUTER_SECRET_HEADER, type ConversationShareRequest } from '@clinic/service-kit';

export interface DocumentsClient {
  /** Resolves when shared; throws FORBIDDEN when the sender may not read one of the documents. */
  share(authorization: string | undefined, request: ConversationShareRequest): Promise<void>;
}

export function createDocumentsClient(opts: { documentsUrl: () => string | undefined; routerSecret: string; timeoutMs?: number }): DocumentsClient {
  return {
    async share(authorization, request) {
      const base = opts.documentsUrl();
      if (!base) throw new DomainError('FORBIDDEN', 'Attachments are not available: the documents service is not configured');
      if (!authorization) throw new DomainError('UNAUTHENTICATED', 'Sign in to attach documents');
      const res = await fetch(new URL(CONVERSATION_SHARES_PATH, new URL(base).origin), {
        method: 'POST',
        headers: { 'content-type': 'application/json', [ROUTER_SECRET_HEADER]: opts.routerSecret, authorization },
        body: JSON.stringify(request),
        signal: AbortSignal.timeout(opts.timeoutMs ?? 5_000),
      });
      if (res.status === 204) return;
      const body = (await res.json().catch(() => ({}))) as { code?: string; message?: string; documentIds?: string[] };
      if (res.status === 403) throw new DomainError('FORBIDDEN', body.message ?? 'You may attach only documents you can read', { documentIds: body.documentIds ?? [] });
      if (res.status === 400) throw new DomainError('BAD_USER_INPUT', body.message ?? 'Invalid attachments');
      throw new Error(`documents answered ${res.status} to the attachment check`);
    },
  };
}
