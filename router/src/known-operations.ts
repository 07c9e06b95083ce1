// The known-operation lane: a POST of an operation this router already executed once (the same text,
// or a persisted hash of the manifest) skips Apollo Server's request pipeline (body checks, hashing, document
// store, a dozen plugin hooks, content negotiation, response building), about a fifth of the router's CPU.
// Everything the pipeline decides per request is decided here the same way, by the same functions: the
// variables and scalar checks, access directives, the assistant's delegation, persisted-only mode, the
// cache-control header, the metrics. Any check that would refuse the request, or anything this lane does not
// do itself (GET, batches, APQ registration, another Accept, a field the viewer may not read), goes to Apollo
// Server before anything ran. An answer with errors goes to Apollo Server too, with the result already
// executed (replayed, never executed twice), so errors are formatted, tracked and counted in one place.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ApolloGateway } from '@apollo/gateway';
import type { ApolloServerPlugin } from '@apollo/server';
import type { GraphQLSchema, DocumentNode, OperationDefinitionNode } from 'graphql';
import { checkDelegatedOperation, countGraphQLRequest, type Logger, type Viewer } from '@clinic/service-kit';
import type { RouterContext } from './context.ts';
import { isKnownOperation, type PersistedOperations, type PersistedOperationsMode } from './persisted-operations.ts';
import { requestProblem } from './request-checks.ts';

type Loadable = Pick<ApolloGateway, 'load' | 'onSchemaLoadOrUpdate' | 'stop'>;
type Executor = Awaited<ReturnType<ApolloGateway['load']>>['executor'];
type ExecutionContext = Parameters<Executor>[0];
type ExecutionResult = Awaited<ReturnType<Executor>>;

interface KnownOperation {
  schema: GraphQLSchema;
  document: DocumentNode;
  operation: OperationDefinitionNode;
  source: string;
  queryHash: string;
}

/** A context the lane hands to Apollo Server with the result it already executed. */
export type ReplayContext = RouterContext & { knownOperationResult?: Promise<ExecutionResult> };

/** How many operations are remembered (the web app has a few dozen; the oldest go first). */
const KNOWN_MAX = 1_000;
/** The Accept headers whose answer the lane writes, with the content type Apollo Server's negotiation picks for them. */
const CONTENT_TYPES = new Map<string | undefined, string>([
  [undefined, 'application/json; charset=utf-8'],
  ['application/json', 'application/json; charset=utf-8'],
  ['application/graphql-response+json', 'application/graphql-response+json; charset=utf-8'],
  // What Apollo Client sends, and what urql (the web app) sends.
  ['application/graphql-response+json,application/json;q=0.9', 'application/graphql-response+json; charset=utf-8'],
  ['application/graphql-response+json, application/graphql+json, application/json, text/event-stream, multipart/mixed', 'application/graphql-response+json; charset=utf-8'],
]);
/** A JSON body Apollo Server's CSRF prevention lets through (a content type a browser form cannot send). */
const JSON_CONTENT_TYPE = /^application\/json(?:; ?charset=utf-8)?$/i;
const BODY_KEYS = new Set(['query', 'operationName', 'variables', 'extensions']);
/** Outside production the gateway answers with its query plan when asked: its own path does that. */
const QUERY_PLAN_HEADER = 'apollo-query-plan-experimental';

/** Counts for the process (tests read them): answered here, and executed here but answered by Apollo Server (errors). */
export const knownOperationStats = { answered: 0, replayed: 0 };

const isPlainObject = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value);

/** Apollo Server's cache policy (its `newCachePolicy`, not exported): the subgraphs' Cache-Control hints restrict it. */
function newCachePolicy() {
  return {
    maxAge: undefined as number | undefined,
    scope: undefined as 'PUBLIC' | 'PRIVATE' | undefined,
    restrict(hint: { maxAge?: number; scope?: 'PUBLIC' | 'PRIVATE' }) {
      if (hint.maxAge !== undefined && (this.maxAge === undefined || hint.maxAge < this.maxAge)) this.maxAge = hint.maxAge;
      if (hint.scope !== undefined && this.scope !== 'PRIVATE') this.scope = hint.scope;
    },
    replace(hint: { maxAge?: number; scope?: 'PUBLIC' | 'PRIVATE' }) {
      if (hint.maxAge !== undefined) this.maxAge = hint.maxAge;
      if (hint.scope !== undefined) this.scope = hint.scope;
    },
    policyIfCacheable() {
      return this.maxAge === undefined || this.maxAge === 0 ? null : { maxAge: this.maxAge, scope: this.scope ?? 'PUBLIC' };
    },
  };
}

/** The request's headers as the gateway reads them (`get` only), from Node's lower-cased header object. */
function headersOf(req: IncomingMessage) {
  const get = (name: string) => {
    const value = req.headers[name.toLowerCase()];
    return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value;
  };
  return { get, has: (name: string) => get(name) !== null };
}

export interface KnownOperationsOptions {
  maxVariablesDepth: number;
  persisted: { mode: PersistedOperationsMode; operations: PersistedOperations | null };
  allReadable(document: DocumentNode, viewer: Viewer, operationName: string | null | undefined): boolean;
  logger: Logger;
}

export function createKnownOperations(opts: KnownOperationsOptions) {
  const known = new Map<string, KnownOperation>();
  let schemaNow: GraphQLSchema | null = null;
  let executor: Executor | null = null;
  const keyOf = (operationName: string | undefined, query: string) => `${operationName ?? ''}\n${query}`;

  /** Remembers what Apollo Server executed, by its text (and its hash when a manifest operation). */
  const plugin: ApolloServerPlugin<RouterContext> = {
    async requestDidStart({ request }) {
      if (request.http?.method !== 'POST') return;
      return {
        async willSendResponse({ response, document, operation, source, queryHash, schema }) {
          if (!document || !operation || source === undefined || !queryHash || operation.operation === 'subscription') return;
          // Executed (it has data, even with errors at some fields): parsed, validated and past every check for this caller.
          if (schema !== schemaNow || response.body.kind !== 'single' || response.body.singleResult.data === undefined) return;
          const entry = { schema, document, operation, source, queryHash };
          const keys = [keyOf(request.operationName, source)];
          const hash = (request.extensions as { persistedQuery?: { sha256Hash?: unknown } } | undefined)?.persistedQuery?.sha256Hash;
          if (typeof hash === 'string' && opts.persisted.operations?.byHash.get(hash) === source) keys.push(keyOf(request.operationName, `#${hash}`));
          for (const key of keys) {
            if (known.has(key)) continue;
            if (known.size >= KNOWN_MAX) known.delete(known.keys().next().value!);
            known.set(key, entry);
          }
        },
      };
    },
  };

  /** Wraps the gateway: keeps its executor for the lane, and gives Apollo Server a replayed result instead of running again. */
  const gateway = (inner: Loadable): Loadable => {
    inner.onSchemaLoadOrUpdate(({ apiSchema }) => {
      schemaNow = apiSchema;
      known.clear();
    });
    return {
      load: async (options) => {
        const loaded = await inner.load(options);
        executor = loaded.executor;
        const replaying: Executor = (requestContext) => {
          const context = requestContext.context as ReplayContext;
          const result = context.knownOperationResult;
          if (!result) return loaded.executor(requestContext);
          delete context.knownOperationResult;
          return result;
        };
        return { ...loaded, executor: replaying };
      },
      onSchemaLoadOrUpdate: (callback) => inner.onSchemaLoadOrUpdate(callback),
      stop: () => {
        // Apollo Server stops the gateway when it stops: from then on it answers (or refuses) every request itself.
        executor = null;
        known.clear();
        return inner.stop();
      },
    };
  };

  /** The operation this request asks for when the lane can answer it, else null (Apollo Server answers). */
  const recognise = (req: IncomingMessage, body: unknown, context: RouterContext) => {
    if (req.method !== 'POST' || !executor || !JSON_CONTENT_TYPE.test(req.headers['content-type'] ?? '')) return null;
    const contentType = CONTENT_TYPES.get(req.headers.accept);
    if (!contentType || req.headers[QUERY_PLAN_HEADER] !== undefined || !isPlainObject(body)) return null;
    for (const key in body) if (!BODY_KEYS.has(key)) return null;
    const { query, operationName, variables, extensions } = body;
    if (operationName !== undefined && typeof operationName !== 'string') return null;
    if (variables !== undefined && !isPlainObject(variables)) return null;
    let key: string;
    if (extensions === undefined) {
      if (typeof query !== 'string' || !query) return null;
      key = keyOf(operationName, query);
    } else {
      // A manifest hash alone (what the web app sends); APQ registration and anything else go to Apollo Server.
      const persisted = isPlainObject(extensions) && Object.keys(extensions).length === 1 ? extensions.persistedQuery : undefined;
      if (query !== undefined || !isPlainObject(persisted) || persisted.version !== 1 || typeof persisted.sha256Hash !== 'string') return null;
      if (Object.keys(persisted).length !== 2) return null;
      key = keyOf(operationName, `#${persisted.sha256Hash}`);
    }
    const entry = known.get(key);
    if (!entry || entry.schema !== schemaNow) return null;
    const request = { query: query as string | undefined, operationName, variables, extensions: extensions as Record<string, unknown> | undefined };
    // The checks of the plugins that can refuse a resolved operation, in the same terms; any refusal is Apollo Server's to write.
    if (requestProblem(entry.schema, entry.document, entry.operation, request, opts.maxVariablesDepth)) return null;
    if (!opts.allReadable(entry.document, context.viewer, operationName)) return null;
    try {
      checkDelegatedOperation(context.viewer, entry.document, entry.operation);
    } catch {
      return null;
    }
    const { mode, operations } = opts.persisted;
    if (mode === 'enforce' && operations && context.viewer.kind !== 'partner' && !isKnownOperation(operations, entry.source, entry.document)) return null;
    return { entry, request, contentType };
  };

  /** Answers the request when it is a known operation; false when Apollo Server must (with the result when one was executed). */
  const answer = async (req: IncomingMessage, res: ServerResponse, body: unknown, context: ReplayContext): Promise<boolean> => {
    const started = process.hrtime.bigint();
    const recognised = recognise(req, body, context);
    if (!recognised) return false;
    const { entry, request, contentType } = recognised;
    const responseHeaders = new Map<string, string>();
    const overallCachePolicy = newCachePolicy();
    const requestContext = {
      request: { ...request, http: { method: 'POST', url: 'https://unknown-url.invalid/', headers: headersOf(req) } },
      response: { http: { headers: responseHeaders, status: undefined as number | undefined } },
      logger: opts.logger,
      schema: entry.schema,
      schemaHash: 'schemaHash no longer exists since Apollo Server 4',
      context,
      queryHash: entry.queryHash,
      document: entry.document,
      source: entry.source,
      operationName: entry.operation.name?.value ?? null,
      operation: entry.operation,
      metrics: { persistedQueryHit: request.query === undefined, persistedQueryRegister: false },
      debug: false,
      overallCachePolicy,
      requestIsBatched: false,
    } as unknown as ExecutionContext;
    let result: ExecutionResult;
    try {
      result = await executor!(requestContext);
    } catch (error) {
      // Thrown, not answered: Apollo Server writes the error as it would have (it is not run again).
      knownOperationStats.replayed += 1;
      context.knownOperationResult = Promise.reject(error);
      context.knownOperationResult.catch(() => undefined);
      return false;
    }
    const { data, errors, extensions } = result;
    if (errors?.length || !isPlainObject(data) || extensions !== undefined || responseHeaders.size || requestContext.response?.http?.status !== undefined) {
      knownOperationStats.replayed += 1;
      context.knownOperationResult = Promise.resolve(result);
      return false;
    }
    // As Apollo Server's cache-control plugin writes it, then its content type; the body as it stringifies it.
    const cacheable = overallCachePolicy.policyIfCacheable();
    res.setHeader('cache-control', cacheable ? `max-age=${cacheable.maxAge}, ${cacheable.scope.toLowerCase()}` : 'no-store');
    res.setHeader('content-type', contentType);
    res.statusCode = 200;
    res.end(`${JSON.stringify({ data })}\n`);
    countGraphQLRequest('router', entry.operation.name?.value ?? operationName(request), started);
    knownOperationStats.answered += 1;
    return true;
  };

  return { plugin, gateway, answer };
}

const operationName = (request: { operationName?: unknown }) => (typeof request.operationName === 'string' ? request.operationName : null);
