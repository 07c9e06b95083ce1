// The router's logs stay bounded whatever a client sends: an error logged with a request (a subgraph's
// answer, a refused 95 kB value) keeps its type, code and the head of its message and stack, never
// the whole payload. And a client that hangs up is not an error of ours.
import type { IncomingMessage } from 'node:http';
import type { Logger } from '@clinic/service-kit';

const MAX_MESSAGE = 500;
const MAX_STACK = 2_000;

function cut(text: unknown, max: number): string | undefined {
  if (typeof text !== 'string') return undefined;
  return text.length > max ? `${text.slice(0, max)}… (${text.length} chars)` : text;
}

/** pino `err` serializer: type, code, message and stack, each bounded; no extensions or response bodies. */
export function boundedError(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { message: cut(String(error), MAX_MESSAGE) };
  const extensions = (error as { extensions?: { code?: unknown } }).extensions;
  return {
    type: error.constructor?.name ?? 'Error',
    message: cut(error.message, MAX_MESSAGE),
    code: extensions?.code ?? (error as { code?: unknown }).code,
    stack: cut(error.stack, MAX_STACK),
  };
}

export function boundedLogger(logger: Logger): Logger {
  return logger.child({}, { serializers: { err: boundedError } });
}

/** True when the failure is the client going away (closed socket, aborted upload), not a fault here. */
export function clientWentAway(req: IncomingMessage, error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return req.destroyed || req.socket.destroyed || code === 'ECONNRESET' || code === 'ECONNABORTED' || (error as Error | null)?.message === 'aborted';
}
