// Persisted operations on the WebSocket, as over HTTP: a `subscribe` may name a manifest operation by hash
// (`extensions: { persistedQuery: { version: 1, sha256Hash } }`, with `query: ""` since graphql-ws requires a
// string), and with PERSISTED_OPERATIONS=enforce a first-party caller (signed-in user or anonymous) may run
// only manifest operations; partners keep ad-hoc access. A refusal is a graphql-ws `error` message for that
// subscription id with code PERSISTED_QUERY_NOT_IN_LIST (unknown hash: PERSISTED_QUERY_NOT_FOUND); the
// connection stays open for the client's other subscriptions.
import { createHash } from 'node:crypto';
import { GraphQLError } from 'graphql';
import type { Viewer } from '@clinic/service-kit';
import { isKnownOperation, type PersistedOperations, type PersistedOperationsMode } from '../persisted-operations.ts';

export interface PersistedGuard {
  mode: PersistedOperationsMode;
  operations: PersistedOperations | null;
}

function hashOf(extensions: Record<string, unknown> | null | undefined): string | undefined {
  const persisted = extensions?.persistedQuery as { sha256Hash?: unknown } | undefined;
  return typeof persisted?.sha256Hash === 'string' ? persisted.sha256Hash : undefined;
}

/** The operation text to run for a subscribe message, or the error refusing it. */
export function subscriptionSource(
  guard: PersistedGuard | undefined,
  viewer: Viewer,
  payload: { query: string; extensions?: Record<string, unknown> | null },
): string | GraphQLError {
  const hash = hashOf(payload.extensions);
  let source = payload.query;
  if (hash) {
    const known = guard?.operations?.byHash.get(hash);
    if (known) source = known;
    else if (!source) return new GraphQLError('PersistedQueryNotFound', { extensions: { code: 'PERSISTED_QUERY_NOT_FOUND' } });
    else if (createHash('sha256').update(source).digest('hex') !== hash) {
      return new GraphQLError('provided sha does not match query', { extensions: { code: 'BAD_REQUEST' } });
    }
  }
  if (guard?.mode === 'enforce' && guard.operations && viewer.kind !== 'partner' && !isKnownOperation(guard.operations, source)) {
    return new GraphQLError('Only the operations of our own apps are accepted here', { extensions: { code: 'PERSISTED_QUERY_NOT_IN_LIST' } });
  }
  return source;
}
