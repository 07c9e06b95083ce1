// A small Node HTTP integration for Apollo Server (router and subgraphs share it): body size cap,
// request ids, and Apollo's own CSRF prevention, landing page and error handling.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { Duplex } from 'node:stream';
import { HeaderMap, type ApolloServer, type BaseContext } from '@apollo/server';

export const REQUEST_ID_HEADER = 'x-request-id';

export class BodyTooLargeError extends Error {}

/**
 * The request's path as `new URL(url).pathname` gives it, without making a URL for the plain paths every
 * request has (`/graphql`, `/graphql?…`): three URLs a request were a visible part of a small request's CPU.
 * Null for a target no URL parser reads (`//[/x`, `http://a:99999/`): Node's HTTP parser lets them through,
 * and a throw in a request listener ends the process. Answer those with `refuseRequestTarget`.
 */
export function pathOf(url: string | undefined): string | null {
  const plain = PLAIN_PATH.exec(url ?? '/');
  if (plain) return plain[0];
  try {
    return new URL(url ?? '/', 'http://localhost').pathname;
  } catch {
    return null;
  }
}

/** The answer to a request target `pathOf` cannot read: a 400, and the connection closed. */
export function refuseRequestTarget(res: ServerResponse): void {
  sendJson(res, 400, { error: 'bad request target' }, { connection: 'close' });
}

/** The same refusal for a WebSocket upgrade, written on the bare socket. */
export function refuseUpgradeTarget(socket: Duplex): void {
  socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
}
/** Segments of letters, digits, `_`, `~`, `-` (nothing a URL would escape or resolve), then the query or the end. */
const PLAIN_PATH = /^\/(?:[\w~-]+\/?)*(?=\?|$)/;

/** The query string with its `?` (or ''), as `new URL(url).search` gives it. */
function searchOf(url: string | undefined): string {
  const query = (url ?? '').indexOf('?');
  if (query === -1 || (url ?? '').includes('#')) return new URL(url ?? '/', 'http://localhost').search;
  const search = url!.slice(query);
  return search === '?' ? '' : search;
}

export function requestIdOf(req: IncomingMessage): string {
  const given = req.headers[REQUEST_ID_HEADER];
  // Accept only a sane id from upstream; otherwise mint one so logs always correlate.
  if (typeof given === 'string' && /^[A-Za-z0-9\-_.:]{1,128}$/.test(given)) return given;
  return randomUUID();
}

/**
 * The whole body as text, refused past `maxBytes`. Read with 'data' listeners: the stream's async iterator costs
 * a promise and a `read()` round per chunk, a measurable share of a small request's CPU in the chat bench.
 */
export function readBody(req: IncomingMessage, maxBytes: number): Promise<string> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > maxBytes) return Promise.reject(new BodyTooLargeError());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const stop = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        stop();
        reject(new BodyTooLargeError());
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      stop();
      resolve(chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8'));
    };
    const onError = (error: Error) => {
      stop();
      reject(error);
    };
    // The client went away before the end of its body.
    const onClose = () => onError(Object.assign(new Error('The request was aborted'), { code: 'ECONNRESET' }));
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

export function sendGraphQLError(res: ServerResponse, status: number, code: string, message: string, headers: Record<string, string> = {}): void {
  sendJson(res, status, { errors: [{ message, extensions: { code } }] }, headers);
}

export interface GraphQLHttpOptions<TContext extends BaseContext> {
  maxBodyBytes: number;
  context: (req: IncomingMessage, requestId: string) => Promise<TContext>;
  /**
   * Offered the request once its body is read (parsed when it is JSON), before Apollo Server sees it: true when
   * it answered the request itself (the router's known-operation lane), false to let Apollo Server answer.
   */
  answerFirst?: (body: unknown) => Promise<boolean>;
}

/** Serves one GraphQL HTTP request through Apollo Server. Errors from `context` reach the client as Apollo formats them. */
export async function serveGraphQL<TContext extends BaseContext>(
  apollo: ApolloServer<TContext>,
  req: IncomingMessage,
  res: ServerResponse,
  opts: GraphQLHttpOptions<TContext>,
): Promise<void> {
  const requestId = requestIdOf(req);
  res.setHeader(REQUEST_ID_HEADER, requestId);
  let raw = '';
  try {
    raw = await readBody(req, opts.maxBodyBytes);
  } catch (error) {
    if (error instanceof BodyTooLargeError) {
      sendGraphQLError(res, 413, 'PAYLOAD_TOO_LARGE', `Request body is larger than ${opts.maxBodyBytes} bytes`, { connection: 'close' });
      req.resume();
      return;
    }
    throw error;
  }
  let body: unknown = raw;
  if (raw && (req.headers['content-type'] ?? '').includes('application/json')) {
    try {
      body = JSON.parse(raw);
    } catch {
      sendGraphQLError(res, 400, 'BAD_REQUEST', 'Request body is not valid JSON');
      return;
    }
  }
  if (opts.answerFirst && (await opts.answerFirst(body))) return;
  const headers = new HeaderMap();
  for (const [key, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
  }
  const result = await apollo.executeHTTPGraphQLRequest({
    httpGraphQLRequest: { method: (req.method ?? 'GET').toUpperCase(), headers, search: searchOf(req.url), body },
    context: () => opts.context(req, requestId),
  });
  for (const [key, value] of result.headers) res.setHeader(key, value);
  res.statusCode = result.status ?? 200;
  if (result.body.kind === 'complete') {
    res.end(result.body.string);
    return;
  }
  for await (const chunk of result.body.asyncIterator) res.write(chunk);
  res.end();
}
