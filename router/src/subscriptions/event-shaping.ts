// An event of a subscription served by its owning subgraph alone (a plan with no `rest`: nothing to fill in
// from other subgraphs) is shaped without the gateway's executeQueryPlan, which rebuilds the operation from the
// document on every call (operationFromDocument, the largest part of a router's per-event CPU in the chat
// bench). The operation is built once per plan instead, the same way executeQueryPlan builds it, and each event
// goes through the same two steps executeQueryPlan would apply to it: the fetch's output rewrites, then the
// gateway's computeResponse (aliases, __typename, fragments, @skip/@include, null bubbling, leaf checks).
// Anything else (an event with errors or without data, a plan with fills, a step that throws) is left to the
// full path, which answers it exactly as before.
import { Kind, type DocumentNode, type ExecutionResult, type GraphQLSchema } from 'graphql';
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

/** Operations per plan (plans are cached per document and operation name by the view, so this is too). */
const operations = new WeakMap<SubscriptionPlan, Operation>();

function operationOf(input: OwnEventShapingInput): Operation {
  let operation = operations.get(input.plan);
  if (!operation) {
    const context = buildOperationContext({ schema: input.apiSchema, operationDocument: input.document, operationName: input.operationName });
    operation = operationFromDocument(input.fedApiSchema, { kind: Kind.DOCUMENT, definitions: [context.operation, ...Object.values(context.fragments)] }, { validate: false });
    operations.set(input.plan, operation);
  }
  return operation;
}

/**
 * For a plan the owning subgraph serves whole: a function giving the client's result of an event, or undefined
 * when that event must take the full path. Null for plans with fills (always the full path).
 */
export function ownEventShaper(input: OwnEventShapingInput, variables: Record<string, unknown>): ((event: ExecutionResult) => ExecutionResult | undefined) | null {
  if (input.plan.rest) return null;
  const operation = operationOf(input);
  const { outputRewrites } = input.plan.primary;
  return (event) => {
    if (event.errors?.length || !event.data) return undefined;
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
