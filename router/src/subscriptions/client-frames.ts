// An event's `next` frame for a client, written straight to its socket. One shaped result usually goes to
// many clients (every subscriber of a shared upstream subscription, every caller of a batched event), so
// its JSON is made once and each client's frame is that text with its own subscription id around it;
// graphql-ws would serialise the whole message again for every client. The frame is written at once, so
// what graphql-ws sends later for the same subscription (its `error` or `complete`) comes after it.
// A client that does not read its socket is not buffered for without bound: past MAX_UNSENT_BYTES waiting
// in its socket, further events are dropped for it (as graphql-ws's queue dropped its oldest before).
import type { ExecutionResult } from 'graphql';
import type { WebSocket } from 'ws';

const payloads = new WeakMap<ExecutionResult, string>();

/** Bytes a client's socket may hold unsent before its events are dropped. */
export const MAX_UNSENT_BYTES = 4 * 1024 * 1024;

/** The result's JSON, made once per result object. */
export function payloadJson(result: ExecutionResult): string {
  let json = payloads.get(result);
  if (json === undefined) payloads.set(result, (json = JSON.stringify(result)));
  return json;
}

/** Sends `result` as the `next` message of subscription `id`; false when it was dropped (socket closing or full). */
export function sendNext(socket: Pick<WebSocket, 'readyState' | 'OPEN' | 'bufferedAmount' | 'send'>, id: string, result: ExecutionResult): boolean {
  if (socket.readyState !== socket.OPEN || socket.bufferedAmount > MAX_UNSENT_BYTES) return false;
  socket.send(`{"id":${JSON.stringify(id)},"type":"next","payload":${payloadJson(result)}}`);
  return true;
}
