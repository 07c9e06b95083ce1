// An event's `next` frame for a client, written straight to its socket. One shaped result usually goes to
// many clients (every subscriber of a shared upstream subscription, every caller of a batched event), so
// its JSON is made once and each client's frame is that text with its own subscription id around it;
// graphql-ws would serialise the whole message again for every client. The frame is written at once, so
// what graphql-ws sends later for the same subscription (its `error` or `complete`) comes after it.
import type { ExecutionResult } from 'graphql';
import type { WebSocket } from 'ws';

const payloads = new WeakMap<ExecutionResult, string>();

/** The result's JSON, made once per result object. */
export function payloadJson(result: ExecutionResult): string {
  let json = payloads.get(result);
  if (json === undefined) payloads.set(result, (json = JSON.stringify(result)));
  return json;
}

/** Sends `result` as the `next` message of subscription `id` (nothing once the socket is closing). */
export function sendNext(socket: WebSocket, id: string, result: ExecutionResult): void {
  if (socket.readyState !== socket.OPEN) return;
  socket.send(`{"id":${JSON.stringify(id)},"type":"next","payload":${payloadJson(result)}}`);
}
