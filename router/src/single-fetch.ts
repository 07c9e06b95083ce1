// The single-fetch lane: when the cached plan of an operation is one fetch to one subgraph whose selection is
// exactly the client's, the subgraph's error-free answer already is the gateway's answer, so it is passed on
// as it is instead of rebuilding the operation and shaping the result (the gateway does both on every
// request). The lane is decided once per parsed document, from the plan the gateway made for it, and only
// when the shaping provably changes nothing: no abstract types (the gateway checks __typename against the
// API schema), no enums (it checks values, and a value may be @inaccessible), no @skip/@include or other
// directives, no introspection, no entity steps or rewrites. Anything else, and any answer with errors or
// without data, goes the gateway's way with the answer already fetched (replayed, not fetched twice).
import type { ApolloGateway, GraphQLDataSource } from '@apollo/gateway';
import type { GatewayGraphQLResponse } from '@apollo/server-gateway-interface';
import { GraphQLDataSourceRequestKind } from '@apollo/gateway/dist/datasources/types';
import type { FetchNode, PlanNode, QueryPlan, SubscriptionNode } from '@apollo/query-planner';
import {
  getNamedType,
  getVariableValues,
  isAbstractType,
  isCompositeType,
  isEnumType,
  Kind,
  parse,
  print,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionNode,
  type SelectionSetNode,
} from 'graphql';

type Executor = Awaited<ReturnType<ApolloGateway['load']>>['executor'];
type ExecutionContext = Parameters<Executor>[0];
type ResolvedPlan = Parameters<NonNullable<ConstructorParameters<typeof ApolloGateway>[0]>['experimental_didResolveQueryPlan'] & object>[0];

interface Lane {
  /** One fetch, or several in parallel each answering its own root fields. */
  fetches: { fetch: FetchNode; source: GraphQLDataSource }[];
  schema: GraphQLSchema;
  operation: OperationDefinitionNode;
  /** With several fetches: the root fields in the client's order, and which fetch answers each. */
  roots: { name: string; fetch: number }[] | null;
}

/** Counts for the whole process (tests read them): answers passed on as they came, and answers the gateway shaped after the lane fetched them. */
export const singleFetchStats = { passed: 0, replayed: 0 };

/** Per parsed document (Apollo Server reuses one per query text and schema) and operation name: the lane, or null. */
const lanes = new WeakMap<DocumentNode, Map<string, Lane | null>>();
/** An answer fetched by the lane that the gateway's own path must use instead of fetching again. */
const replays = new WeakMap<object, { source: GraphQLDataSource; query: string; answer: Promise<GatewayGraphQLResponse> }[]>();

/**
 * The selection printed, one item a field, with every fragment on its own parent type (and no directive) written
 * into its parent, as the planner writes them: two selections that print alike ask for the same fields in the
 * same order. Null when a field is not in the schema.
 */
function flattened(schema: GraphQLSchema, set: SelectionSetNode, parent: GraphQLCompositeType, fragments: Record<string, FragmentDefinitionNode>): string[] | null {
  const out: SelectionNode[] = [];
  const walk = (selections: readonly SelectionNode[]): boolean => {
    for (const s of selections) {
      if (s.kind === Kind.FIELD) {
        if (!s.selectionSet) {
          out.push(s);
          continue;
        }
        const field = 'getFields' in parent ? parent.getFields()[s.name.value] : undefined;
        const type = field && getNamedType(field.type);
        if (!type || !isCompositeType(type)) return false;
        const inner = flattened(schema, s.selectionSet, type, fragments);
        if (inner === null) return false;
        out.push({ ...s, selectionSet: { kind: Kind.SELECTION_SET, selections: [{ kind: Kind.FIELD, name: { kind: Kind.NAME, value: inner.join(' ') } }] } });
        continue;
      }
      const fragment = s.kind === Kind.FRAGMENT_SPREAD ? fragments[s.name.value] : s;
      if (!fragment) return false;
      const on = fragment.typeCondition?.name.value;
      if (s.directives?.length || fragment.directives?.length || (on !== undefined && on !== parent.name)) {
        out.push(s);
        continue;
      }
      if (!walk(fragment.selectionSet.selections)) return false;
    }
    return true;
  };
  return walk(set.selections) ? out.map((selection) => print(selection)) : null;
}

function fragmentsOf(document: DocumentNode): Record<string, FragmentDefinitionNode> {
  const out: Record<string, FragmentDefinitionNode> = {};
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) out[d.name.value] = d;
  return out;
}

/** Whether the gateway's result shaping would hand back the subgraph's error-free data unchanged. */
function shapingChangesNothing(schema: GraphQLSchema, selectionSet: SelectionSetNode, parent: GraphQLCompositeType, fragments: Record<string, FragmentDefinitionNode>): boolean {
  for (const s of selectionSet.selections) {
    if (s.directives?.length) return false;
    if (s.kind === Kind.FRAGMENT_SPREAD) {
      const fragment = fragments[s.name.value];
      if (!fragment || fragment.directives?.length) return false;
      const on = schema.getType(fragment.typeCondition.name.value);
      if (on !== parent || !shapingChangesNothing(schema, fragment.selectionSet, parent, fragments)) return false;
      continue;
    }
    if (s.kind === Kind.INLINE_FRAGMENT) {
      if (s.typeCondition && schema.getType(s.typeCondition.name.value) !== parent) return false;
      if (!shapingChangesNothing(schema, s.selectionSet, parent, fragments)) return false;
      continue;
    }
    const name = s.name.value;
    if (name === '__schema' || name === '__type') return false;
    if (name === '__typename') continue; // the parent is never abstract here, so it is the parent's own name
    if (!('getFields' in parent)) return false;
    const field = parent.getFields()[name];
    if (!field) return false;
    const type = getNamedType(field.type);
    if (isAbstractType(type) || isEnumType(type)) return false;
    if (isCompositeType(type)) {
      if (!s.selectionSet || !shapingChangesNothing(schema, s.selectionSet, type, fragments)) return false;
    } else if (s.selectionSet) return false;
  }
  return true;
}

const simpleFetch = (node: PlanNode | SubscriptionNode): node is FetchNode =>
  node.kind === 'Fetch' && !node.requires && !node.inputRewrites?.length && !node.outputRewrites?.length && !node.contextRewrites?.length && !node.hasDefers;

function laneFor(plan: QueryPlan, resolved: ResolvedPlan): Lane | null {
  const node = plan.node;
  const fetches = !node ? [] : node.kind === 'Parallel' ? node.nodes : [node];
  if (!fetches.length || !fetches.every(simpleFetch)) return null;
  const { operation, schema } = resolved.operationContext;
  if (operation.operation !== 'query' && operation.operation !== 'mutation') return null;
  // A mutation's root fields run one after another: only one fetch of them is ever taken here.
  if (operation.operation === 'mutation' && fetches.length > 1) return null;
  const root = operation.operation === 'query' ? schema.getQueryType() : schema.getMutationType();
  const clientFragments = resolved.operationContext.fragments as Record<string, FragmentDefinitionNode>;
  if (!root || !shapingChangesNothing(schema, operation.selectionSet, root, clientFragments)) return null;
  const asked = flattened(schema, operation.selectionSet, root, clientFragments);
  if (!asked) return null;
  // Each root field the client asked for is answered by exactly one fetch, asked for exactly as the client did.
  const owner = new Map<string, number>();
  const lane: Lane = { fetches: [], schema, operation, roots: null };
  for (const [i, fetch] of (fetches as FetchNode[]).entries()) {
    const source = resolved.serviceMap[fetch.serviceName];
    const fetchDocument = fetch.operationDocumentNode ?? parse(fetch.operation);
    const fetchOperation = fetchDocument.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
    if (!source || !fetchOperation || fetchOperation.operation !== operation.operation) return null;
    const sent = flattened(schema, fetchOperation.selectionSet, root, fragmentsOf(fetchDocument));
    if (!sent) return null;
    if (fetches.length === 1 && sent.join(' ') !== asked.join(' ')) return null;
    for (const item of sent) {
      if (owner.has(item)) return null;
      owner.set(item, i);
    }
    lane.fetches.push({ fetch, source });
  }
  if (fetches.length === 1) return lane;
  if (owner.size !== asked.length || new Set(asked).size !== asked.length) return null;
  const rootFields = operationRootFields(operation, clientFragments);
  if (rootFields.length !== asked.length) return null;
  lane.roots = [];
  for (const [i, item] of asked.entries()) {
    const fetch = owner.get(item);
    if (fetch === undefined) return null;
    lane.roots.push({ name: rootFields[i]!, fetch });
  }
  // Two root fields under one response name would be merged by the gateway: not this lane's business.
  return new Set(lane.roots.map((r) => r.name)).size === lane.roots.length ? lane : null;
}

/** Response names of the root fields, in the order `flattened` lists them. */
function operationRootFields(operation: OperationDefinitionNode, fragments: Record<string, FragmentDefinitionNode>): string[] {
  const names: string[] = [];
  const walk = (set: SelectionSetNode) => {
    for (const s of set.selections) {
      if (s.kind === Kind.FIELD) names.push(s.alias?.value ?? s.name.value);
      else walk(s.kind === Kind.FRAGMENT_SPREAD ? fragments[s.name.value]!.selectionSet : s.selectionSet);
    }
  };
  walk(operation.selectionSet);
  return names;
}

/** The gateway's `experimental_didResolveQueryPlan`: decides the lane of a document the first time it is planned. */
export function rememberPlan(resolved: ResolvedPlan): void {
  const { document, request } = resolved.requestContext;
  let byName = lanes.get(document);
  if (!byName) lanes.set(document, (byName = new Map()));
  const key = request.operationName ?? '';
  if (!byName.has(key)) byName.set(key, laneFor(resolved.queryPlan, resolved));
}

/** For the data source: the answer the lane already fetched for this call of this request, if any (taken once). */
export function takeReplay(context: object, source: GraphQLDataSource, query: string): Promise<GatewayGraphQLResponse> | undefined {
  const waiting = replays.get(context);
  const i = waiting?.findIndex((r) => r.source === source && r.query === query) ?? -1;
  if (i < 0) return undefined;
  return waiting!.splice(i, 1)[0]!.answer;
}

/** Outside production the gateway answers with its query plan when asked by this header: its own path does that. */
const QUERY_PLAN_HEADER = 'apollo-query-plan-experimental';

const isPlainObject = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value);

/** Wraps the gateway's executor with the lane. */
export function withSingleFetchLane(executor: Executor): Executor {
  return async (requestContext: ExecutionContext) => {
    const lane = lanes.get(requestContext.document)?.get(requestContext.request.operationName ?? '');
    const context = requestContext.context as object;
    if (!lane || requestContext.metrics?.captureTraces || replays.has(context) || requestContext.request.http?.headers.get(QUERY_PLAN_HEADER)) {
      return executor(requestContext);
    }
    const provided = requestContext.request.variables;
    // What the gateway checks before planning, so a bad variable is refused the same way.
    if (lane.operation.variableDefinitions?.length) {
      const { errors } = getVariableValues(lane.schema, lane.operation.variableDefinitions, provided ?? {});
      if (errors) return { errors };
    }
    const answers = lane.fetches.map(({ fetch, source }) => {
      // The variables the fetch uses, as the gateway passes them.
      const variables: Record<string, unknown> = Object.create(null);
      for (const name of fetch.variableUsages ?? []) {
        if (provided && Object.hasOwn(provided, name) && provided[name] !== undefined) variables[name] = provided[name];
      }
      return source.process({
        kind: GraphQLDataSourceRequestKind.INCOMING_OPERATION,
        request: { query: fetch.operation, variables, operationName: fetch.operationName },
        incomingRequestContext: requestContext,
        context: requestContext.context,
        document: fetch.operationDocumentNode,
        pathInIncomingRequest: [],
      } as Parameters<GraphQLDataSource['process']>[0]);
    });
    const settled = await Promise.allSettled(answers);
    const datas = settled.map((s) => (s.status === 'fulfilled' && !s.value.errors?.length && isPlainObject(s.value.data) ? s.value.data : null));
    if (datas.every((data) => data !== null)) {
      singleFetchStats.passed += 1;
      if (!lane.roots) return { data: datas[0]! };
      const data: Record<string, unknown> = Object.create(null);
      for (const { name, fetch } of lane.roots) data[name] = datas[fetch]![name] ?? null;
      return { data };
    }
    // Errors, no data, or a failed call: the gateway's path decides, on these very answers.
    singleFetchStats.replayed += 1;
    replays.set(
      context,
      lane.fetches.map(({ fetch, source }, i) => ({ source, query: fetch.operation, answer: answers[i]! })),
    );
    try {
      return await executor(requestContext);
    } finally {
      replays.delete(context);
    }
  };
}
