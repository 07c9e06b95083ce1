// Client mistakes are answered as client errors (HTTP 400 with a stable code), never as a 500:
// a document with several operations and no (or an unknown) operationName, NUL characters or
// too-deeply nested JSON in the variables, and malformed values of the kit's custom scalars
// (DateTime, JSON...) in variables or literals (BAD_USER_INPUT either way: it is the caller's input). The gateway passes custom scalars through
// unchecked, so the router checks them here with the very scalars the subgraphs use.
import * as kit from '@clinic/service-kit';
import {
  buildASTSchema,
  getVariableValues,
  GraphQLError,
  GraphQLScalarType,
  parse,
  printSchema,
  validate,
  ValuesOfCorrectTypeRule,
  type DocumentNode,
  type GraphQLSchema,
  type OperationDefinitionNode,
} from 'graphql';
import type { ApolloServerPlugin, BaseContext } from '@apollo/server';

const KIT_SCALARS = Object.values(kit).filter((v): v is GraphQLScalarType => v instanceof GraphQLScalarType);
const MAX_MESSAGE = 300;

function clientError(code: 'BAD_USER_INPUT' | 'GRAPHQL_VALIDATION_FAILED', message: string): GraphQLError {
  // Keep the head (which variable) and the tail (the scalar's reason); drop the echoed value's middle.
  const bounded = message.length > MAX_MESSAGE ? `${message.slice(0, 120)}…${message.slice(-(MAX_MESSAGE - 120))}` : message;
  return new GraphQLError(bounded, { extensions: { code, http: { status: 400 } } });
}

/** The first problem with the variables' JSON itself (NUL characters, nesting), or null. */
export function variablesProblem(value: unknown, maxDepth: number): string | null {
  const stack: { value: unknown; depth: number }[] = [{ value, depth: 0 }];
  while (stack.length) {
    const { value: v, depth } = stack.pop()!;
    if (typeof v === 'string') {
      if (v.includes('\u0000')) return 'Variables must not contain NUL characters';
    } else if (v && typeof v === 'object') {
      if (depth >= maxDepth) return `Variables are nested more than ${maxDepth} levels deep`;
      for (const [key, inner] of Object.entries(v)) {
        if (key.includes('\u0000')) return 'Variables must not contain NUL characters';
        stack.push({ value: inner, depth: depth + 1 });
      }
    }
  }
  return null;
}

/** A copy of the API schema whose custom scalars parse like the subgraphs' (cached per loaded schema). */
const checkedSchemas = new WeakMap<GraphQLSchema, GraphQLSchema>();
function withKitScalars(apiSchema: GraphQLSchema): GraphQLSchema {
  let copy = checkedSchemas.get(apiSchema);
  if (!copy) {
    copy = buildASTSchema(parse(printSchema(apiSchema)), { assumeValidSDL: true });
    for (const scalar of KIT_SCALARS) {
      const type = copy.getType(scalar.name);
      if (type instanceof GraphQLScalarType) Object.assign(type, { parseValue: scalar.parseValue, parseLiteral: scalar.parseLiteral });
    }
    checkedSchemas.set(apiSchema, copy);
  }
  return copy;
}

const literalErrors = new WeakMap<DocumentNode, string | null>();

/** What the plugin below refuses in a request whose operation was resolved, or null (the known-operation lane asks too). */
export function requestProblem(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  request: { variables?: Record<string, unknown>; extensions?: Record<string, unknown> },
  maxVariablesDepth: number,
): GraphQLError | null {
  const problem = variablesProblem(request.variables ?? {}, maxVariablesDepth) ?? variablesProblem(request.extensions ?? {}, maxVariablesDepth);
  if (problem) return clientError('BAD_USER_INPUT', problem);
  const checked = withKitScalars(schema);
  // Literals do not depend on variables, and Apollo reuses one parsed document per query text.
  let literalError = literalErrors.get(document);
  if (literalError === undefined) {
    literalError = validate(checked, document, [ValuesOfCorrectTypeRule], { maxErrors: 1 })[0]?.message ?? null;
    literalErrors.set(document, literalError);
  }
  if (literalError) return clientError('BAD_USER_INPUT', literalError);
  const coerced = getVariableValues(checked, operation.variableDefinitions ?? [], request.variables ?? {}, { maxErrors: 1 });
  if (coerced.errors?.[0]) return clientError('BAD_USER_INPUT', coerced.errors[0].message);
  return null;
}

export function requestChecksPlugin<TContext extends BaseContext>(opts: { maxVariablesDepth: number }): ApolloServerPlugin<TContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ document, operation, request, schema }) {
          if (!operation) {
            const named = request.operationName;
            throw clientError(
              'GRAPHQL_VALIDATION_FAILED',
              named ? `Unknown operation named "${named}"` : 'The document has several operations: say which one to run with operationName',
            );
          }
          const problem = requestProblem(schema, document, operation, request, opts.maxVariablesDepth);
          if (problem) throw problem;
        },
      };
    },
  };
}
