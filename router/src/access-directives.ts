// @authenticated and @requiresScopes, declared in subgraph SDLs and visible in the supergraph, are
// enforced here at the edge (subgraphs check again in their resolvers). @apollo/gateway refuses
// supergraphs whose SECURITY features it does not implement, so the router — which does implement
// these two — hands the gateway the supergraph with those links marked as plain features.
//
// Semantics are Apollo Router's (https://www.apollographql.com/docs/graphos/routing/security/authorization):
// - a field is readable when its own requirement AND its return type's requirement are both met;
// - @requiresScopes(scopes: [[a, b], [c]]): the outer list is OR, each inner list AND ("a and b, or c");
//   any requirement implies being signed in;
// - a fragment (inline or named) on a type is readable when that type's requirement is met;
// - a field read through an interface is readable only when it is readable on every implementation
//   and every implementation type is readable (also inside a fragment on the interface: stricter than
//   Apollo Router, which checks the types only at the field returning the interface); a field
//   returning an interface and selecting more than __typename outside fragments is removed whole when
//   an implementation type is unreadable; type-specific parts go through fragments, checked per type;
// - __typename is always readable; a requirement on the root type applies to the whole operation.
// What happens to what is not readable is ./access-filter.ts's business.
import {
  buildASTSchema,
  getNamedType,
  GraphQLError,
  isInterfaceType,
  isObjectType,
  Kind,
  parse,
  TypeInfo,
  visit,
  visitWithTypeInfo,
  type ConstDirectiveNode,
  type DocumentNode,
  type FieldNode,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLOutputType,
  type GraphQLSchema,
  type InlineFragmentNode,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValueNode,
} from 'graphql';
import type { Viewer } from '@clinic/service-kit';

const ENFORCED_SPECS = /(@link\(url: "https:\/\/specs\.apollo\.dev\/(?:authenticated|requiresScopes)\/v[0-9.]+"), for: SECURITY\)/g;

export function withRouterEnforcedSecurity(supergraphSdl: string): string {
  return supergraphSdl.replace(ENFORCED_SPECS, '$1)');
}

export function buildAccessSchema(supergraphSdl: string): GraphQLSchema {
  return buildASTSchema(parse(supergraphSdl), { assumeValid: true, assumeValidSDL: true });
}

type Annotated = { astNode?: { directives?: readonly ConstDirectiveNode[] } | null; extensionASTNodes?: readonly { directives?: readonly ConstDirectiveNode[] }[] };

/** An element's requirement: null when it has none; otherwise the scope sets (each list: OR of AND-sets). */
type Requirement = { scopeLists: string[][][] } | null;

function scopeSets(value: ValueNode | undefined): string[][] {
  if (value?.kind !== Kind.LIST) return [];
  return value.values.map((inner) => (inner.kind === Kind.LIST ? inner.values.flatMap((v) => (v.kind === Kind.STRING ? [v.value] : [])) : []));
}

/** Read once per schema element: the directives do not change while a supergraph is loaded. */
const requirements = new WeakMap<object, Requirement>();
function requirementOf(element: Annotated): Requirement {
  let requirement = requirements.get(element);
  if (requirement === undefined) {
    const directives = [...(element.astNode?.directives ?? []), ...(element.extensionASTNodes ?? []).flatMap((n) => n.directives ?? [])];
    const scoped = directives.filter((d) => d.name.value === 'requiresScopes');
    requirement =
      scoped.length || directives.some((d) => d.name.value === 'authenticated')
        ? { scopeLists: scoped.map((d) => scopeSets(d.arguments?.find((a) => a.name.value === 'scopes')?.value)) }
        : null;
    requirements.set(element, requirement);
  }
  return requirement;
}

export function viewerScopes(viewer: Viewer): string[] {
  if (viewer.kind === 'partner') return viewer.scopes;
  if (viewer.kind === 'user') return [...viewer.permissions, ...viewer.roles.map((r) => `role:${r}`)];
  return [];
}

/** Why something may not be read: not signed in, or signed in without the scopes. null: readable. */
export type Denial = 'UNAUTHENTICATED' | 'FORBIDDEN' | null;

/** Decides for one viewer whether annotated schema elements are readable. */
export class AccessJudge {
  private readonly held: Set<string>;
  constructor(
    readonly schema: GraphQLSchema,
    readonly viewer: Viewer,
  ) {
    this.held = new Set(viewerScopes(viewer));
  }

  /** One element's own directives. */
  element(element: Annotated | null | undefined): Denial {
    const requirement = element ? requirementOf(element) : null;
    if (!requirement) return null;
    if (this.viewer.kind === 'anonymous') return 'UNAUTHENTICATED';
    for (const sets of requirement.scopeLists) {
      if (sets.length && !sets.some((set) => set.every((s) => this.held.has(s)))) return 'FORBIDDEN';
    }
    return null;
  }

  type(type: GraphQLNamedType | null | undefined): Denial {
    return this.element(type);
  }

  /** A field definition: its own requirement AND its return type's. */
  field(field: GraphQLField<unknown, unknown> | null | undefined): Denial {
    if (!field) return null;
    return worst(this.element(field), this.type(getNamedType(field.type)));
  }

  implementations(type: GraphQLNamedType): readonly GraphQLNamedType[] {
    return isInterfaceType(type) ? this.schema.getPossibleTypes(type) : [];
  }
}

function worst(a: Denial, b: Denial): Denial {
  if (a === 'UNAUTHENTICATED' || b === 'UNAUTHENTICATED') return 'UNAUTHENTICATED';
  return a ?? b;
}

export interface DeniedSelection {
  node: FieldNode | InlineFragmentNode;
  denial: Exclude<Denial, null>;
  /** `Type.field` or `... on Type`, for the message. */
  what: string;
  /** Output types from the root field down to this field (fields only), for null propagation. */
  fieldTypes: GraphQLOutputType[];
}

function onlyTypenameOrFragments(selectionSet: SelectionSetNode | undefined): boolean {
  return !selectionSet || selectionSet.selections.every((s) => s.kind !== Kind.FIELD || s.name.value === '__typename');
}

/** The operation with every named fragment spread replaced by an inline fragment (validated documents have no cycles). */
export function inlineFragments(document: DocumentNode, operationName?: string | null): OperationDefinitionNode | null {
  const operations = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  const operation = operationName ? operations.find((o) => o.name?.value === operationName) : operations.length === 1 ? operations[0] : undefined;
  if (!operation || operations.length === document.definitions.length) return operation ?? null;
  const fragments = new Map(document.definitions.flatMap((d) => (d.kind === Kind.FRAGMENT_DEFINITION ? [[d.name.value, d] as const] : [])));
  // A node returned from `enter` replaces the spread and is visited in turn, so nested spreads inline too.
  return visit(operation, {
    FragmentSpread(spread): InlineFragmentNode | null {
      const fragment = fragments.get(spread.name.value);
      if (!fragment) return null;
      return { kind: Kind.INLINE_FRAGMENT, typeCondition: fragment.typeCondition, directives: [...(spread.directives ?? []), ...(fragment.directives ?? [])], selectionSet: fragment.selectionSet };
    },
  });
}

export interface AccessAnalysis {
  /** The operation as analysed (named fragments inlined), or null when none can be chosen. */
  operation: OperationDefinitionNode | null;
  /** A requirement on the root type itself: nothing may run. */
  rootDenial: Denial;
  denied: DeniedSelection[];
}

/** Every selection of the operation that the viewer may not read. */
export function analyseAccess(schema: GraphQLSchema, document: DocumentNode, viewer: Viewer, operationName?: string | null): AccessAnalysis {
  const judge = new AccessJudge(schema, viewer);
  const operation = inlineFragments(document, operationName);
  if (!operation) return { operation: null, rootDenial: null, denied: [] };
  const rootType = schema.getRootType(operation.operation);
  const rootDenial = judge.type(rootType);
  const denied: DeniedSelection[] = [];
  const typeInfo = new TypeInfo(schema);
  const fieldTypes: GraphQLOutputType[] = [];
  visit(
    operation,
    visitWithTypeInfo(typeInfo, {
      Field: {
        enter(node) {
          const field = typeInfo.getFieldDef();
          const parent = typeInfo.getParentType();
          if (!field || !parent || node.name.value === '__typename') return false;
          fieldTypes.push(field.type);
          let denial = judge.field(field);
          // Read through an interface (a field on it, or a fragment on it): readable on every
          // implementation, and every implementation type readable. (Apollo Router checks the types
          // only at a field returning the interface; a fragment on the interface is checked here too.)
          for (const impl of judge.implementations(parent)) {
            if (isObjectType(impl) || isInterfaceType(impl)) denial = worst(denial, worst(judge.type(impl), judge.field(impl.getFields()[node.name.value])));
          }
          // Returning an interface with plain fields selected: every implementation type must be readable.
          const returned = getNamedType(field.type);
          if (!onlyTypenameOrFragments(node.selectionSet)) {
            for (const impl of judge.implementations(returned)) denial = worst(denial, judge.type(impl));
          }
          if (denial) {
            denied.push({ node, denial, what: `${parent.name}.${node.name.value}`, fieldTypes: [...fieldTypes] });
            fieldTypes.pop();
            return false;
          }
          return undefined;
        },
        leave(node) {
          if (node.name.value !== '__typename' && typeInfo.getFieldDef()) fieldTypes.pop();
        },
      },
      InlineFragment(node) {
        const condition = node.typeCondition ? schema.getType(node.typeCondition.name.value) : null;
        const denial = judge.type(condition);
        if (!denial) return undefined;
        denied.push({ node, denial, what: `... on ${condition!.name}`, fieldTypes: [...fieldTypes] });
        return false;
      },
    }),
  );
  return { operation, rootDenial, denied };
}

/** The error for a refused element: with `path` (a filtered field, the rest answered) no HTTP status; without it, 401/403. */
export function refusalError(denial: Exclude<Denial, null>, what: string, path?: readonly (string | number)[]): GraphQLError {
  const http = path ? {} : { http: { status: denial === 'UNAUTHENTICATED' ? 401 : 403 } };
  return denial === 'UNAUTHENTICATED'
    ? new GraphQLError(`You must be signed in to read ${what}`, { path, extensions: { code: 'UNAUTHENTICATED', ...http } })
    : new GraphQLError(`You are not allowed to read ${what}`, { path, extensions: { code: 'FORBIDDEN', ...http } });
}

/** The first refusal for the whole operation (subscriptions, where nothing is filtered), or null. */
export function checkOperationAccess(schema: GraphQLSchema, document: DocumentNode, viewer: Viewer, operationName?: string | null): GraphQLError | null {
  const analysis = analyseAccess(schema, document, viewer, operationName);
  if (analysis.rootDenial) return refusalError(analysis.rootDenial, analysis.operation?.operation ?? 'operation');
  const first = analysis.denied[0];
  return first ? refusalError(first.denial, first.what) : null;
}
