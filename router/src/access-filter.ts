// What the router does with what a viewer may not read (see ./access-directives.ts for the rules),
// as Apollo Router does by default: the unreadable fields are removed from the operation, the rest
// runs, and each removed field comes back as null (propagating like any null) with an error at its
// path — UNAUTHENTICATED for an anonymous caller, FORBIDDEN for missing scopes (our stable codes, where
// Apollo Router says UNAUTHORIZED_FIELD_OR_TYPE). A fragment on an unreadable type is dropped, with
// an error at the objects it would have applied to. When nothing readable is left at the root (or the
// root type itself is refused) the operation does not run at all: 401/403 as before.
import { createHash } from 'node:crypto';
import type { ApolloGateway } from '@apollo/gateway';
import type { ApolloServerPlugin } from '@apollo/server';
import {
  isListType,
  isNonNullType,
  Kind,
  print,
  visit,
  type DocumentNode,
  type FieldNode,
  type GraphQLError,
  type GraphQLOutputType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionNode,
} from 'graphql';
import type { Viewer } from '@clinic/service-kit';
import type { RouterContext } from './context.ts';
import { buildAccessSchema, refusalError, type AccessAnalysis, type DeniedSelection } from './access-directives.ts';
import { analyseAccessMemo } from './access-memo.ts';

type Executor = Awaited<ReturnType<ApolloGateway['load']>>['executor'];
type ExecutionContext = Parameters<Executor>[0];
type ExecutionResult = Awaited<ReturnType<Executor>>;

const MARKER = '_routerDenied';
/** The analysis made when the operation was resolved, reused when it runs. */
const analyses = new WeakMap<object, AccessAnalysis>();

function rootFields(operation: OperationDefinitionNode): FieldNode[] {
  const out: FieldNode[] = [];
  const walk = (selections: readonly SelectionNode[]) => {
    for (const s of selections) {
      if (s.kind === Kind.FIELD) out.push(s);
      else if (s.kind === Kind.INLINE_FRAGMENT) walk(s.selectionSet.selections);
    }
  };
  walk(operation.selectionSet.selections);
  return out;
}

/**
 * The plugin half: refuses operations with nothing readable at the root before anything runs. `allReadable`
 * tells the known-operation lane whether a viewer may read every field of an operation (nothing to filter).
 */
export function accessDirectives(onSupergraph: (listener: (sdl: string) => void) => void): {
  plugin: ApolloServerPlugin<RouterContext>;
  allReadable(document: DocumentNode, viewer: Viewer, operationName: string | null | undefined): boolean;
} {
  let schema: GraphQLSchema | null = null;
  onSupergraph((sdl) => {
    schema = buildAccessSchema(sdl);
  });
  const allReadable = (document: DocumentNode, viewer: Viewer, operationName: string | null | undefined) => {
    if (!schema) return true;
    const analysis = analyseAccessMemo(schema, document, viewer, operationName);
    return !analysis.rootDenial && !analysis.denied.length;
  };
  return { plugin: accessPlugin(() => schema), allReadable };
}

export function accessDirectivesPlugin(onSupergraph: (listener: (sdl: string) => void) => void): ApolloServerPlugin<RouterContext> {
  return accessDirectives(onSupergraph).plugin;
}

function accessPlugin(schemaNow: () => GraphQLSchema | null): ApolloServerPlugin<RouterContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ document, contextValue, request }) {
          const schema = schemaNow();
          if (!schema) return;
          const analysis = analyseAccessMemo(schema, document, contextValue.viewer, request.operationName);
          if (analysis.rootDenial) throw refusalError(analysis.rootDenial, analysis.operation?.operation ?? 'operation');
          const deniedNodes = new Set(analysis.denied.map((d) => d.node));
          const first = analysis.denied[0];
          const roots = analysis.operation ? rootFields(analysis.operation) : [];
          if (first && roots.every((f) => deniedNodes.has(f) || f.name.value === '__typename')) throw refusalError(first.denial, first.what);
          analyses.set(contextValue, analysis);
        },
      };
    },
  };
}

/** The operation without what is denied: a denied field becomes a `__typename` under a marker alias, so we can find where it would have been. */
function filteredDocument(analysis: AccessAnalysis): DocumentNode {
  const index = new Map(analysis.denied.map((d, i) => [d.node, i]));
  // The marker keeps the field's @skip/@include, so a skipped field is not reported.
  const marker = (i: number, directives?: FieldNode['directives']): FieldNode => ({
    kind: Kind.FIELD,
    alias: { kind: Kind.NAME, value: `${MARKER}${i}` },
    name: { kind: Kind.NAME, value: '__typename' },
    directives,
  });
  const operation = visit(analysis.operation!, {
    Field(node) {
      const i = index.get(node);
      return i === undefined ? undefined : marker(i, node.directives);
    },
    InlineFragment(node) {
      const i = index.get(node);
      return i === undefined ? undefined : { ...node, selectionSet: { kind: Kind.SELECTION_SET, selections: [marker(i)] } };
    },
  });
  return { kind: Kind.DOCUMENT, definitions: [operation] };
}

function itemType(type: GraphQLOutputType): GraphQLOutputType {
  const inner = isNonNullType(type) ? type.ofType : type;
  return isListType(inner) ? (inner.ofType as GraphQLOutputType) : inner;
}

/** Sets the value at `path` to null and lets the null climb past non-null positions, as GraphQL execution would. */
function nullAt(data: Record<string, unknown>, path: (string | number)[], fieldTypes: GraphQLOutputType[]): Record<string, unknown> | null {
  const slots: { container: Record<string | number, unknown> | null; key: string | number; type: GraphQLOutputType }[] = [];
  let container: unknown = data;
  let fieldIndex = 0;
  let type: GraphQLOutputType | undefined;
  for (const key of path) {
    type = typeof key === 'string' ? fieldTypes[fieldIndex++] : type && itemType(type);
    if (!type) return data;
    slots.push({ container: (container ?? null) as Record<string | number, unknown> | null, key, type });
    container = (container as Record<string | number, unknown> | null)?.[key];
  }
  for (let i = slots.length - 1; i >= 0; i--) {
    const slot = slots[i]!;
    if (!slot.container) return data;
    slot.container[slot.key] = null;
    if (!isNonNullType(slot.type)) return data;
  }
  return null;
}

/** Finds the markers in the result: removes them, nulls the denied fields, and returns an error per place. */
function applyDenials(result: ExecutionResult, denied: DeniedSelection[]): ExecutionResult {
  if (!result.data) return result;
  const { errors: _previous, ...rest } = result;
  const hits: { path: (string | number)[]; selection: DeniedSelection }[] = [];
  const walk = (value: unknown, path: (string | number)[]) => {
    if (Array.isArray(value)) value.forEach((item, i) => walk(item, [...path, i]));
    else if (value && typeof value === 'object') {
      for (const [key, inner] of Object.entries(value)) {
        if (key.startsWith(MARKER)) {
          delete (value as Record<string, unknown>)[key];
          hits.push({ path, selection: denied[Number(key.slice(MARKER.length))]! });
        } else walk(inner, [...path, key]);
      }
    }
  };
  walk(result.data, []);
  let data: Record<string, unknown> | null = result.data as Record<string, unknown>;
  const errors: GraphQLError[] = [];
  for (const { path, selection } of hits) {
    if (selection.node.kind === Kind.FIELD) {
      const fieldPath = [...path, selection.node.alias?.value ?? selection.node.name.value];
      if (data) data = nullAt(data, fieldPath, selection.fieldTypes);
      errors.push(refusalError(selection.denial, selection.what, fieldPath));
    } else errors.push(refusalError(selection.denial, selection.what, path));
  }
  const all = [...(result.errors ?? []), ...errors];
  return { ...rest, data, ...(all.length ? { errors: all } : {}) };
}

/** Wraps the gateway so every operation runs without what its viewer may not read (`inner` wraps the gateway's own executor). */
export function withAccessFilter(
  gateway: ApolloGateway,
  inner: (executor: Executor) => Executor = (executor) => executor,
): Pick<ApolloGateway, 'load' | 'onSchemaLoadOrUpdate' | 'stop'> {
  const filtered = (executor: Executor): Executor => async (requestContext: ExecutionContext) => {
    const analysis = analyses.get(requestContext.context);
    if (!analysis?.operation || !analysis.denied.length) return executor(requestContext);
    const document = filteredDocument(analysis);
    const source = print(document);
    const result = await executor({
      ...requestContext,
      document,
      source,
      operation: document.definitions[0] as OperationDefinitionNode,
      queryHash: createHash('sha256').update(source).digest('hex'),
    });
    return applyDenials(result, analysis.denied);
  };
  return {
    load: async (options) => {
      const loaded = await gateway.load(options);
      return { ...loaded, executor: filtered(inner(loaded.executor)) };
    },
    onSchemaLoadOrUpdate: (callback) => gateway.onSchemaLoadOrUpdate(callback),
    stop: () => gateway.stop(),
  };
}
