// An event of a subscription served by its owning subgraph alone (a plan with no `rest`: nothing to fill in
// from other subgraphs) is shaped without the gateway's executeQueryPlan, which rebuilds the operation from the
// document on every call (operationFromDocument, the largest part of a router's per-event CPU in the chat
// bench). The operation is built once per plan instead, the same way executeQueryPlan builds it, and each event
// goes through the same two steps executeQueryPlan would apply to it: the fetch's output rewrites, then the
// gateway's computeResponse (aliases, __typename, fragments, @skip/@include, null bubbling, leaf checks).
// Anything else (an event with errors or without data, a plan with fills, a step that throws) is left to the
// full path, which answers it exactly as before. When the fetch asks the subgraph for exactly the client's
// selection (same printed fields, no fragments or directives, no abstract types, no enum with values hidden from
// the API, no rewrites), those two steps would copy the answer unchanged, so the event's data is passed on as it
// came: nothing per event at all.
import {
  getNamedType,
  isEnumType,
  isObjectType,
  Kind,
  parse,
  print,
  type DocumentNode,
  type ExecutionResult,
  type GraphQLObjectType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import { buildOperationContext } from '@apollo/gateway';
import { operationFromDocument, type Operation, type Schema } from '@apollo/federation-internals';
import { computeResponse } from '@apollo/gateway/dist/resultShaping.js';
import { applyRewrites } from '@apollo/gateway/dist/dataRewrites.js';
import type { SubscriptionPlan } from './supergraph-view.ts';

export interface OwnEventShapingInput {
  plan: SubscriptionPlan;
  document: DocumentNode;
  operationName: string | undefined;
  /** The API schemas (graphql-js and federation forms) and the supergraph schema of the plan's view. */
  apiSchema: GraphQLSchema;
  fedApiSchema: Schema;
  supergraphSchema: GraphQLSchema;
}

interface Shaping {
  operation: Operation;
  /** The subgraph's answer is the client's result as it is. */
  asIs: boolean;
}

/** Per plan (plans are cached per document and operation name by the view, so this is too). */
const shapings = new WeakMap<SubscriptionPlan, Shaping>();

function shapingOf(input: OwnEventShapingInput): Shaping {
  let shaping = shapings.get(input.plan);
  if (!shaping) {
    const context = buildOperationContext({ schema: input.apiSchema, operationDocument: input.document, operationName: input.operationName });
    const fragments = Object.values(context.fragments);
    const operation = operationFromDocument(input.fedApiSchema, { kind: Kind.DOCUMENT, definitions: [context.operation, ...fragments] }, { validate: false });
    shaping = { operation, asIs: !fragments.length && !input.plan.primary.outputRewrites?.length && answeredAsIs(input, context.operation) };
    shapings.set(input.plan, shaping);
  }
  return shaping;
}

/** Whether computeResponse would copy the subgraph's answer to this selection unchanged (see the top of the file). */
function answeredAsIs(input: OwnEventShapingInput, clientOperation: OperationDefinitionNode): boolean {
  const fetch = parse(input.plan.primary.operation).definitions[0];
  if (fetch?.kind !== Kind.OPERATION_DEFINITION || print(fetch.selectionSet) !== print(clientOperation.selectionSet)) return false;
  const root = input.apiSchema.getSubscriptionType();
  return !!root && plainSelection(input, root, clientOperation.selectionSet);
}

function plainSelection(input: OwnEventShapingInput, parent: GraphQLObjectType, selectionSet: SelectionSetNode): boolean {
  for (const selection of selectionSet.selections) {
    if (selection.kind !== Kind.FIELD || selection.directives?.length) return false;
    if (selection.name.value === '__typename') continue;
    const field = parent.getFields()[selection.name.value];
    if (!field) return false;
    const type = getNamedType(field.type);
    if (isEnumType(type)) {
      const whole = input.supergraphSchema.getType(type.name);
      if (!isEnumType(whole) || whole.getValues().length !== type.getValues().length) return false;
    } else if (isObjectType(type)) {
      if (!selection.selectionSet || !plainSelection(input, type, selection.selectionSet)) return false;
    } else if (selection.selectionSet) return false; // an interface or a union: its objects' __typename matters
  }
  return true;
}

/**
 * For a plan the owning subgraph serves whole: a function giving the client's result of an event, or undefined
 * when that event must take the full path. Null for plans with fills (always the full path).
 */
export function ownEventShaper(input: OwnEventShapingInput, variables: Record<string, unknown>): ((event: ExecutionResult) => ExecutionResult | undefined) | null {
  if (input.plan.rest) return null;
  const { operation, asIs } = shapingOf(input);
  const { outputRewrites } = input.plan.primary;
  return (event) => {
    if (event.errors?.length || !event.data) return undefined;
    if (asIs) return { data: event.data };
    try {
      const fetched = event.data as Record<string, unknown>;
      if (outputRewrites?.length) applyRewrites(input.supergraphSchema, outputRewrites, fetched);
      const { data, errors } = computeResponse({ operation, variables, input: fetched, introspectionHandling: () => null });
      // As executeQueryPlan reports them: value-completion errors beside the data, not as errors.
      return errors.length ? ({ extensions: { valueCompletion: errors }, data } as ExecutionResult) : { data };
    } catch {
      return undefined;
    }
  };
}
