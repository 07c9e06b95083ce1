// An event's `next` frame for a client, written straight to its socket. One shaped result usually goes to
// many clients (every subscriber of a shared upstream subscription, every caller of a batched event), so
// its JSON is made once and each client's frame is that text with its own subscription id around it;
// graphql-ws would serialise the whole message again for every client. The frame is written at once, so
// what graphql-ws sends later for the same subscription (its `error` or `complete`) comes after it.
// A client that does not read its socket is not buffered for without bound: past MAX_UNSENT_BYTES waiting
// in its socket its connection is closed with 1013 (try again later). Dropping events quietly would leave it
// believing it had them all; a client that reconnects fetches what it missed by cursor (chat does).
import type { ExecutionResult } from 'graphql';
import type { WebSocket } from 'ws';

const payloads = new WeakMap<ExecutionResult, string>();

/** Bytes a client's socket may hold unsent before it is closed. */
export const MAX_UNSENT_BYTES = 4 * 1024 * 1024;

/** The result's JSON, made once per result object. */
export function payloadJson(result: ExecutionResult): string {
  let json = payloads.get(result);
  if (json === undefined) payloads.set(result, (json = JSON.stringify(result)));
  return json;
}

export const WS_CLOSE_TOO_SLOW = 1013;

/** Sends `result` as the `next` message of subscription `id`; false when it was not sent (socket closing, or full and now closed). */
export function sendNext(socket: Pick<WebSocket, 'readyState' | 'OPEN' | 'bufferedAmount' | 'send' | 'close'>, id: string, result: ExecutionResult): boolean {
  if (socket.readyState !== socket.OPEN) return false;
  if (socket.bufferedAmount > MAX_UNSENT_BYTES) {
    socket.close(WS_CLOSE_TOO_SLOW, 'Too far behind: reconnect and fetch what was missed');
    return false;
  }
  socket.send(`{"id":${JSON.stringify(id)},"type":"next","payload":${payloadJson(result)}}`);
  return true;
}
