// Error tracking: an unexpected error (not a domain error, not a mapped database error, not a GraphQL error
// with a stable code) is captured ONCE, where it happened, with the request id and the active trace/span ids:
// sent to a Sentry-compatible DSN when SENTRY_DSN is set (`@sentry/node`), else logged as `unexpected error`.
// The client only ever sees INTERNAL_SERVER_ERROR (see errors.ts). A subgraph's masked error reaching the
// router is not captured again there. Events carry no PII: no request data, no user, and e-mail addresses,
// bearer tokens and JWTs in messages are replaced before sending.
import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { unwrapResolverError } from '@apollo/server/errors';
import { GraphQLError } from 'graphql';
import { trace, type Context } from '@opentelemetry/api';
import type { Logger } from './logger.ts';
import { DomainError, createErrorFormatter, fromDatabaseError } from './errors.ts';
import { traceIds } from './telemetry.ts';

export interface CapturedIds {
  requestId?: string;
  /** Where in the operation (GraphQL path), when known. */
  path?: readonly (string | number)[];
  /** The request's trace context when it is not the active one (the router hands it on explicitly). */
  trace?: Context;
}

/** A GraphQL context that carries its request's trace context (the router's: it has no async context). */
export interface TracedContext {
  traceContext?: Context;
}

/** The span an error belongs to: of the trace context handed in, else the active one. */
const spanOf = (ids: CapturedIds) => (ids.trace ? trace.getSpan(ids.trace) : trace.getActiveSpan());

export interface ErrorTracker {
  /** Captures one unexpected error (Sentry when configured, else one log line); returns the event id if sent. */
  capture(error: unknown, ids?: CapturedIds): string | undefined;
  flush(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

const EMAIL = /[A-Z0-9._%+-]+@[A-Z0-9.-]+\.[A-Z]{2,}/gi;
const BEARER = /\bBearer\s+[A-Za-z0-9._~+/=-]+/gi;
const JWT = /\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g;

/** Text with e-mail addresses, bearer tokens and JWTs replaced (they may be in an error's message). */
export function scrubPii(text: string): string {
  return text.replace(BEARER, 'Bearer [redacted]').replace(JWT, '[redacted-jwt]').replace(EMAIL, '[redacted-email]');
}

/** The error behind a GraphQL error when it is a fault of ours (not something with a stable code for the client). */
export function unexpectedCause(error: GraphQLError): unknown {
  const original = unwrapResolverError(error);
  if (original instanceof DomainError || fromDatabaseError(original)) return undefined;
  const code = error.extensions?.code;
  if (typeof code === 'string' && code !== 'INTERNAL_SERVER_ERROR') return undefined;
  // A subgraph's masked error, relayed by the router: that subgraph captured it already.
  if (error.extensions?.serviceName && error.message === 'Internal server error') return undefined;
  return original;
}

/** Whether a thrown value is a fault of ours (not a domain error, a mapped database error or a coded GraphQL error). */
export function isUnexpected(error: unknown): boolean {
  if (error instanceof GraphQLError) return unexpectedCause(error) !== undefined;
  return !(error instanceof DomainError) && !fromDatabaseError(error);
}

const formatError = createErrorFormatter();

/**
 * A subscription event (or the result of subscribing) as a client may see it: every unexpected error in it is
 * captured once with the connection's request id, and reaches the client as INTERNAL_SERVER_ERROR only (the
 * HTTP path's formatError does the same for queries).
 */
export function trackedResult<T extends { errors?: readonly GraphQLError[] }>(result: T, tracker: ErrorTracker, requestId: string | undefined): T {
  if (!result.errors?.length) return result;
  for (const error of result.errors) {
    const cause = unexpectedCause(error);
    if (cause !== undefined) tracker.capture(cause, { requestId, path: error.path });
  }
  return { ...result, errors: result.errors.map((error) => formatError(error.toJSON(), error)) };
}

export function createErrorTracker(service: string, logger: Logger, env: Record<string, string | undefined> = process.env): ErrorTracker {
  const dsn = env.SENTRY_DSN?.trim();
  const log = (error: unknown, ids: CapturedIds, eventId?: string) =>
    logger.error(
      { err: error, requestId: ids.requestId, path: ids.path, ...(ids.trace ? traceIds(ids.trace) : {}), ...(eventId ? { sentry_event_id: eventId } : {}) },
      'unexpected error',
    );
  if (!dsn) {
    return {
      capture(error, ids = {}) {
        spanOf(ids)?.recordException(error as Error);
        log(error, ids);
        return undefined;
      },
      flush: async () => {},
      close: async () => {},
    };
  }
  // Loaded only when configured. One client per service (not Sentry's global), so services sharing a process
  // (`npm start`) keep their own tags.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const Sentry = require('@sentry/node') as typeof import('@sentry/node');
  const client = new Sentry.NodeClient({
    dsn,
    environment: env.SENTRY_ENVIRONMENT || env.NODE_ENV || 'production',
    release: env.SENTRY_RELEASE || undefined,
    transport: Sentry.makeNodeTransport,
    stackParser: Sentry.defaultStackParser,
    integrations: [],
    sendClientReports: false,
    tracesSampleRate: 0,
    beforeSend(event) {
      delete event.request;
      delete event.user;
      if (event.message) event.message = scrubPii(event.message);
      for (const value of event.exception?.values ?? []) if (value.value) value.value = scrubPii(value.value);
      return event;
    },
  });
  client.init();
  return {
    capture(error, ids = {}) {
      spanOf(ids)?.recordException(error as Error);
      const { trace_id, span_id } = traceIds(ids.trace);
      const scope = new Sentry.Scope();
      scope.setClient(client);
      scope.setTags({ service, ...(ids.requestId ? { request_id: ids.requestId } : {}), ...(trace_id ? { trace_id } : {}) });
      if (trace_id && span_id) {
        // The event's trace context and the envelope's both name the request's OpenTelemetry trace.
        scope.setContext('trace', { trace_id, span_id });
        scope.setPropagationContext({ traceId: trace_id, sampleRand: Math.random() });
      }
      if (ids.path) scope.setExtra('graphql_path', ids.path.join('.'));
      const eventId = scope.captureException(error);
      log(error, ids, eventId);
      return eventId;
    },
    async flush(timeoutMs = 2_000) {
      await client.flush(timeoutMs);
    },
    async close() {
      await client.close(2_000);
    },
  };
}

/** Apollo plugin: every unexpected error of an operation is captured once, with the request's id. */
export function errorTrackingPlugin<TContext extends BaseContext>(tracker: ErrorTracker): ApolloServerPlugin<TContext> {
  return {
    async requestDidStart() {
      return {
        async didEncounterErrors({ errors, contextValue }) {
          const requestId = (contextValue as { requestId?: unknown } | undefined)?.requestId;
          const traced = (contextValue as TracedContext | undefined)?.traceContext;
          for (const error of errors) {
            const cause = unexpectedCause(error);
            if (cause !== undefined) tracker.capture(cause, { requestId: typeof requestId === 'string' ? requestId : undefined, path: error.path, trace: traced });
          }
        },
      };
    },
  };
}
