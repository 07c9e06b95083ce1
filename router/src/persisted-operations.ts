// Persisted operations. The web build's manifest (codegen's persisted documents: sha256 hash → operation)
// preloads the automatic-persisted-query cache, so a first-party client may send just the hash. With
// PERSISTED_OPERATIONS=enforce, a first-party caller (a signed-in user or an anonymous client) may run
// only operations in the manifest (sent as text or by hash); partners (partner tokens) keep their scoped
// ad-hoc access. Anything else is refused with 400 PERSISTED_QUERY_NOT_IN_LIST before any subgraph call.
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { GraphQLError, parse, print, type DocumentNode } from 'graphql';
import type { ApolloServerPlugin } from '@apollo/server';
import { InMemoryLRUCache, type KeyValueCache } from '@apollo/utils.keyvaluecache';
import { ConfigError } from '@clinic/service-kit';
import type { RouterContext } from './context.ts';

export type PersistedOperationsMode = 'off' | 'enforce';

export interface PersistedOperations {
  /** hash (hex sha256 of the text) → operation text. */
  byHash: Map<string, string>;
  /** Operations as written, and in canonical print (so formatting does not matter). */
  texts: Set<string>;
  canonical: Set<string>;
}

const canonicalOf = (text: string): string | null => {
  try {
    return print(parse(text));
  } catch {
    return null;
  }
};

export function loadPersistedOperations(manifestPath: string): PersistedOperations {
  let raw: Record<string, string>;
  try {
    raw = JSON.parse(readFileSync(manifestPath, 'utf8')) as Record<string, string>;
  } catch (error) {
    throw new ConfigError(`PERSISTED_OPERATIONS_MANIFEST: cannot read ${manifestPath} (${(error as Error).message})`);
  }
  const byHash = new Map<string, string>();
  const texts = new Set<string>();
  const canonical = new Set<string>();
  for (const [key, text] of Object.entries(raw)) {
    const hash = key.replace(/^sha256:/, '');
    if (createHash('sha256').update(text).digest('hex') !== hash) throw new ConfigError(`PERSISTED_OPERATIONS_MANIFEST: ${key} is not the sha256 of its operation`);
    byHash.set(hash, text);
    texts.add(text);
    const printed = canonicalOf(text);
    if (printed) canonical.add(printed);
  }
  return { byHash, texts, canonical };
}

/** The APQ cache: the manifest's operations are always there; clients' own registrations live in an LRU. */
export function persistedQueryCache(operations: PersistedOperations | null): KeyValueCache<string> {
  const registered = new InMemoryLRUCache<string>();
  return {
    async get(key) {
      // Apollo Server prefixes APQ keys with `apq:`.
      const known = key.startsWith('apq:') ? operations?.byHash.get(key.slice(4)) : undefined;
      return known ?? registered.get(key);
    },
    set: (key, value, opts) => registered.set(key, value, opts),
    delete: (key) => registered.delete(key),
  };
}

/** Whether an operation (its text, or that text in canonical print) is one of the manifest's. */
export function isKnownOperation(operations: PersistedOperations, source: string, document?: DocumentNode): boolean {
  if (operations.texts.has(source)) return true;
  const printed = document ? print(document) : canonicalOf(source);
  return printed !== null && operations.canonical.has(printed);
}

/** Refuses operations outside the manifest for first-party callers when enforcing. */
export function persistedOperationsPlugin(mode: PersistedOperationsMode, operations: PersistedOperations | null): ApolloServerPlugin<RouterContext> {
  return {
    async requestDidStart() {
      if (mode !== 'enforce' || !operations) return;
      return {
        async didResolveOperation({ contextValue, source, document }) {
          if (contextValue.viewer.kind === 'partner') return;
          if (isKnownOperation(operations, source, document)) return;
          throw new GraphQLError('Only the operations of our own apps are accepted here', {
            extensions: { code: 'PERSISTED_QUERY_NOT_IN_LIST', http: { status: 400 } },
          });
        },
      };
    },
  };
}
