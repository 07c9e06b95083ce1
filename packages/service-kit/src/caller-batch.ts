// Many callers' reads in one HTTP request from the router: the per-event fill of a subscription event that
// reached many subscribers (their `_entities` fetches) arrives as one POST instead of one per subscriber.
// The request is the router's (x-router-secret, checked by the server before this runs); each item names
// its own caller ({ authorization, requestId, clientIp }), exactly what a single request carries in its
// headers, and runs under a context built for that caller alone: its own verified viewer, identity map and
// loaders, so nothing one caller may read is ever resolved or cached for another. Only queries are served.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { getOperationAST, parse, type FormattedExecutionResult } from 'graphql';
import type { ApolloServer, BaseContext } from '@apollo/server';
import { BodyTooLargeError, readBody, requestIdOf, sendGraphQLError, sendJson } from './http.ts';
import { DomainError } from './errors.ts';

/** The header that marks a POST as a batch of per-caller operations. */
export const CALLER_BATCH_HEADER = 'x-clinic-caller-batch';
/** Items per batch the subgraph accepts (the router sends fewer). */
export const CALLER_BATCH_MAX_ITEMS = 2_000;

export interface CallerBatchItem {
  query: string;
  variables?: Record<string, unknown>;
  operationName?: string;
  caller: { authorization?: string; requestId?: string; clientIp?: string | null };
}

const failure = (code: string, message: string): FormattedExecutionResult => ({ errors: [{ message, extensions: { code } }] });

function isQuery(query: string, operationName: string | undefined): boolean {
  try {
    return getOperationAST(parse(query), operationName)?.operation === 'query';
  } catch {
    return false;
  }
}

export async function serveCallerBatch<TContext extends BaseContext>(
  apollo: ApolloServer<TContext>,
  req: IncomingMessage,
  res: ServerResponse,
  opts: { maxBodyBytes: number; context: (authorization: string | undefined, requestId: string, ip: string | null) => Promise<TContext> },
): Promise<void> {
  let items: unknown;
  try {
    items = JSON.parse(await readBody(req, opts.maxBodyBytes));
  } catch (error) {
    if (error instanceof BodyTooLargeError) return sendGraphQLError(res, 413, 'PAYLOAD_TOO_LARGE', `Request body is larger than ${opts.maxBodyBytes} bytes`);
    return sendGraphQLError(res, 400, 'BAD_REQUEST', 'A caller batch is a JSON array of operations');
  }
  if (!Array.isArray(items) || items.length > CALLER_BATCH_MAX_ITEMS) {
    return sendGraphQLError(res, 400, 'BAD_REQUEST', `A caller batch is a JSON array of at most ${CALLER_BATCH_MAX_ITEMS} operations`);
  }
  const fallbackRequestId = requestIdOf(req);
  const results = await Promise.all(
    (items as Partial<CallerBatchItem>[]).map(async (item): Promise<FormattedExecutionResult> => {
      if (!item || typeof item.query !== 'string' || !isQuery(item.query, item.operationName)) {
        return failure('BAD_REQUEST', 'A caller batch carries queries only');
      }
      const caller = item.caller ?? {};
      let contextValue: TContext;
      try {
        contextValue = await opts.context(
          typeof caller.authorization === 'string' ? caller.authorization : undefined,
          typeof caller.requestId === 'string' && /^[A-Za-z0-9\-_.:]{1,128}$/.test(caller.requestId) ? caller.requestId : fallbackRequestId,
          typeof caller.clientIp === 'string' && caller.clientIp.length <= 100 ? caller.clientIp : null,
        );
      } catch (error) {
        return error instanceof DomainError ? { errors: [{ message: error.message, extensions: error.extensions }] } : failure('UNAUTHENTICATED', 'Token is invalid');
      }
      const response = await apollo.executeOperation({ query: item.query, variables: item.variables, operationName: item.operationName }, { contextValue });
      return response.body.kind === 'single' ? response.body.singleResult : failure('BAD_REQUEST', 'Incremental delivery is not served in a caller batch');
    }),
  );
  sendJson(res, 200, results);
}
