// POST /internal/conversation-shares: chat's synchronous question "may this sender attach these
// documents?", answered by sharing them (204) or refusing (403, with the refused ids). Only callers
// holding the router secret reach it (chat), and only with the sender's own bearer token: documents
// decides with the sender's identity, never with one chat asserts. Not a public route of the router.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { CONVERSATION_SHARES_PATH, DomainError, hasRouterSecret, readBody, requestIdOf, sendJson, type SubgraphDeps } from '@clinic/service-kit';
import type { DocumentsSettings } from '../settings.ts';
import type { Actor } from '../actor.ts';
import { shareInConversation, shareRequest } from './conversation-shares.ts';

export function conversationSharesRoute(deps: SubgraphDeps, settings: DocumentsSettings) {
  return {
    [CONVERSATION_SHARES_PATH]: async (req: IncomingMessage, res: ServerResponse) => {
      if (!hasRouterSecret(req, deps.config.routerSecret)) return sendJson(res, 403, { code: 'FORBIDDEN', message: 'internal route' });
      if (req.method !== 'POST') return sendJson(res, 405, { code: 'METHOD_NOT_ALLOWED', message: 'Use POST' });
      const viewer = await deps.verifier.verify(req.headers.authorization).catch(() => null);
      if (!viewer || viewer.kind !== 'user') return sendJson(res, 401, { code: 'UNAUTHENTICATED', message: 'Send the sender’s bearer token' });
      let body: unknown;
      try {
        body = JSON.parse(await readBody(req, 64 * 1024));
      } catch {
        return sendJson(res, 400, { code: 'BAD_USER_INPUT', message: 'The body must be JSON' });
      }
      const parsed = shareRequest.safeParse(body);
      if (!parsed.success) return sendJson(res, 400, { code: 'BAD_USER_INPUT', message: parsed.error.issues[0]!.message });
      const actor: Actor = { viewer, requestId: requestIdOf(req), ip: null };
      try {
        await shareInConversation(deps.orm.em.fork(), actor, settings, parsed.data);
      } catch (error) {
        if (error instanceof DomainError) return sendJson(res, 403, { code: error.extensions.code, message: error.message, documentIds: error.extensions.documentIds ?? [] });
        throw error;
      }
      res.writeHead(204).end();
    },
  };
}
