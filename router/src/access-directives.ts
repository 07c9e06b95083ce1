// @authenticated and @requiresScopes, declared in subgraph SDLs and visible in the supergraph, are
// enforced here at the edge (subgraphs check again in their resolvers). @apollo/gateway refuses
// supergraphs whose SECURITY features it does not implement, so the router — which does implement
// these two — hands the gateway the supergraph with those links marked as plain features.
import {
  buildASTSchema,
  getNamedType,
  GraphQLError,
  parse,
  TypeInfo,
  visit,
  visitWithTypeInfo,
  type DocumentNode,
  type GraphQLNamedType,
  type GraphQLSchema,
  type ValueNode,
  type ConstDirectiveNode,
} from 'graphql';
import type { ApolloServerPlugin } from '@apollo/server';
import type { Viewer } from '@clinic/service-kit';
import type { RouterContext } from './context.ts';

const ENFORCED_SPECS = /(@link\(url: "https:\/\/specs\.apollo\.dev\/(?:authenticated|requiresScopes)\/v[0-9.]+"), for: SECURITY\)/g;

export function withRouterEnforcedSecurity(supergraphSdl: string): string {
  return supergraphSdl.replace(ENFORCED_SPECS, '$1)');
}

export interface AccessRequirement {
  authenticated: boolean;
  /** Any one of these sets, each of which must be held whole. Empty: no scope needed. */
  scopes: string[][];
}

function directiveOf(node: { astNode?: { directives?: readonly ConstDirectiveNode[] } | null } | undefined | null, name: string) {
  return node?.astNode?.directives?.find((d) => d.name.value === name);
}

function scopeSets(value: ValueNode | undefined): string[][] {
  if (value?.kind !== 'ListValue') return [];
  return value.values.map((inner) => (inner.kind === 'ListValue' ? inner.values.flatMap((v) => (v.kind === 'StringValue' ? [v.value] : [])) : []));
}

function requirementOf(
  element: { astNode?: { directives?: readonly ConstDirectiveNode[] } | null } | GraphQLNamedType | undefined | null,
  into: AccessRequirement,
): void {
  if (!element) return;
  if (directiveOf(element, 'authenticated')) into.authenticated = true;
  const scopes = directiveOf(element, 'requiresScopes');
  if (scopes) {
    into.authenticated = true;
    into.scopes.push(...scopeSets(scopes.arguments?.find((a) => a.name.value === 'scopes')?.value));
  }
}

export function viewerScopes(viewer: Viewer): string[] {
  if (viewer.kind === 'partner') return viewer.scopes;
  if (viewer.kind === 'user') return [...viewer.permissions, ...viewer.roles.map((r) => `role:${r}`)];
  return [];
}

/** Walks the operation against the supergraph; returns the first refusal, or null. */
export function checkOperationAccess(schema: GraphQLSchema, document: DocumentNode, viewer: Viewer): GraphQLError | null {
  const typeInfo = new TypeInfo(schema);
  let refusal: GraphQLError | null = null;
  const held = new Set(viewerScopes(viewer));
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Field(node) {
        if (refusal) return;
        const field = typeInfo.getFieldDef();
        const parent = typeInfo.getParentType();
        const req: AccessRequirement = { authenticated: false, scopes: [] };
        requirementOf(field, req);
        if (field) requirementOf(getNamedType(field.type), req);
        if (!req.authenticated) return;
        const where = `${parent?.name ?? '?'}.${node.name.value}`;
        if (viewer.kind === 'anonymous') {
          refusal = new GraphQLError(`You must be signed in to read ${where}`, { extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } } });
          return;
        }
        if (req.scopes.length && !req.scopes.some((set) => set.every((s) => held.has(s)))) {
          refusal = new GraphQLError(`You are not allowed to read ${where}`, { extensions: { code: 'FORBIDDEN', http: { status: 403 } } });
        }
      },
    }),
  );
  return refusal;
}

/** The plugin: rebuilds its schema view whenever the gateway loads a supergraph. */
export function accessDirectivesPlugin(onSupergraph: (listener: (sdl: string) => void) => void): ApolloServerPlugin<RouterContext> {
  let schema: GraphQLSchema | null = null;
  onSupergraph((sdl) => {
    schema = buildASTSchema(parse(sdl), { assumeValid: true, assumeValidSDL: true });
  });
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ document, contextValue }) {
          if (!schema) return;
          const refusal = checkOperationAccess(schema, document, contextValue.viewer);
          if (refusal) throw refusal;
        },
      };
    },
  };
}
