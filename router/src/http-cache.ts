// HTTP caching of availability reads. A GET of a persisted query (the client sent its hash) whose every
// field is listed below is answered with a short max-age and a strong ETag, and a matching If-None-Match
// gets 304 without a body. `public` only when the answer is the same for everyone, signed in or not;
// availability answers depend on the caller's role (staff also see emergency slots) and need a signed-in
// caller or partner, so they are `private` (a shared cache would skip the router's check). Anything else —
// any other field, an error, a mutation, a POST — keeps `no-store`.
import { createHash } from 'node:crypto';
import { TypeInfo, visit, visitWithTypeInfo, type DocumentNode, type GraphQLSchema, type OperationDefinitionNode } from 'graphql';
import type { ApolloServerPlugin } from '@apollo/server';
import type { RouterContext } from './context.ts';

type Audience = 'public' | 'private';

/**
 * Fields an availability answer may contain. A field not listed makes the answer uncacheable; the most
 * restrictive audience of the fields read wins.
 */
const CACHEABLE_FIELDS: Record<string, Audience> = {
  'Query.availableSlots': 'private',
  'Query.searchSuggestions': 'private',
  'SlotPage.slots': 'public',
  'SlotPage.endCursor': 'public',
  'SlotPage.hasNextPage': 'public',
  'Slot.startsAt': 'public',
  'Slot.endsAt': 'public',
  'Slot.localStartsAt': 'public',
  'Slot.localEndsAt': 'public',
  'Slot.consultationType': 'public',
  'Slot.emergency': 'public',
  'Slot.doctor': 'public',
  'User.id': 'public',
  'SearchSuggestion.kind': 'public',
  'SearchSuggestion.value': 'public',
};

export const AVAILABILITY_MAX_AGE_SECONDS = 10;

/** The audience of an operation's answer, or null when it must not be cached. */
export function audienceOf(schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode): Audience | null {
  if (operation.operation !== 'query') return null;
  let audience: Audience = 'public';
  let cacheable = true;
  const typeInfo = new TypeInfo(schema);
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Field(node) {
        if (node.name.value === '__typename') return;
        const parent = typeInfo.getParentType();
        const given = parent ? CACHEABLE_FIELDS[`${parent.name}.${node.name.value}`] : undefined;
        if (!given) cacheable = false;
        else if (given === 'private') audience = 'private';
      },
    }),
  );
  return cacheable ? audience : null;
}

/** A strong validator: the same bytes of data give the same tag. */
export const etagOf = (body: string) => `"${createHash('sha256').update(body).digest('base64url')}"`;

function matches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  return ifNoneMatch.split(',').some((tag) => tag.trim() === etag || tag.trim() === '*');
}

export function httpCachePlugin(maxAgeSeconds = AVAILABILITY_MAX_AGE_SECONDS): ApolloServerPlugin<RouterContext> {
  return {
    async requestDidStart({ request }) {
      const persisted = (request.extensions as { persistedQuery?: { sha256Hash?: unknown } } | undefined)?.persistedQuery?.sha256Hash;
      if (request.http?.method !== 'GET' || typeof persisted !== 'string') return;
      return {
        async willSendResponse({ response, document, operation, schema, errors }) {
          const headers = response.http.headers;
          if (response.body.kind !== 'single' || errors?.length || response.body.singleResult.errors?.length || !document || !operation) return;
          const audience = audienceOf(schema, document, operation);
          if (!audience) return;
          const etag = etagOf(JSON.stringify(response.body.singleResult.data ?? null));
          headers.set('cache-control', `${audience}, max-age=${maxAgeSeconds}`);
          headers.set('etag', etag);
          headers.set('vary', 'authorization');
          // Node sends no body with a 304.
          if (matches(request.http?.headers.get('if-none-match'), etag)) response.http.status = 304;
        },
      };
    },
  };
}
