// One event reaching many operations of one multiplexed router connection, sent as one frame. Each operation
// of that connection is still subscribed, checked (token, revocation, the resolver's own per-event check)
// and executed under its own caller; only results that came out byte-for-byte equal are then written once,
// with the ids of the operations that produced them, instead of once per operation. A router that asked for
// it (`connection_init` { batchedEvents: true }) hands the frame's payload to exactly those operations;
// an id it no longer knows (unsubscribed meanwhile) gets nothing. Results with errors are not batched
// (they go through graphql-ws one by one, where they are captured and masked).

/** `connection_init` flag: the router understands BATCHED_NEXT frames. */
export const BATCHED_EVENTS = 'batchedEvents';

/** The frame's type; not a graphql-ws message type, so a client that did not ask for it never sees one. */
export const BATCHED_NEXT = 'next_many';

/** How a batched frame starts (its fields are written in this order), so a receiver tells it apart cheaply. */
export const BATCHED_NEXT_PREFIX = `{"type":"${BATCHED_NEXT}","ids":`;

export interface BatchedNext {
  type: typeof BATCHED_NEXT;
  ids: string[];
  payload: unknown;
}

/** The frame, when `data` is one (else null). */
export function parseBatchedNext(data: unknown): BatchedNext | null {
  if (typeof data !== 'string' || !data.startsWith(BATCHED_NEXT_PREFIX)) return null;
  const message = JSON.parse(data) as BatchedNext;
  return Array.isArray(message.ids) ? message : null;
}

const serialised = new WeakMap<object, string>();

/**
 * Operations per frame at most: the router starts delivering the first ones while the rest are still being
 * checked and executed here (one frame for a thousand would hold them all back until the last).
 */
export const BATCHED_NEXT_MAX_IDS = 100;

/**
 * The results of one connection waiting to go out, grouped by their serialised form. Results added in one
 * turn of the event loop (one published event reaching many operations) leave together on the next
 * (setImmediate), or as soon as BATCHED_NEXT_MAX_IDS are waiting, in the order their first operation added
 * them. `flush()` sends at once: call it before anything else is sent for an operation of the connection,
 * so its frames keep their order.
 */
export class PendingEvents {
  private groups = new Map<string, string[]>();
  private waiting = 0;
  private scheduled: NodeJS.Immediate | null = null;

  constructor(private readonly send: (frame: string) => void) {}

  add(id: string, result: object): void {
    // Operations that shared one execution (shared-execution.ts) share one serialisation too.
    let payload = serialised.get(result);
    if (payload === undefined) serialised.set(result, (payload = JSON.stringify(result)));
    const ids = this.groups.get(payload);
    if (ids) ids.push(id);
    else this.groups.set(payload, [id]);
    if (++this.waiting >= BATCHED_NEXT_MAX_IDS) this.flush();
    else this.scheduled ??= setImmediate(() => this.flush());
  }

  flush(): void {
    if (this.scheduled) clearImmediate(this.scheduled);
    this.scheduled = null;
    if (!this.groups.size) return;
    const groups = this.groups;
    this.groups = new Map();
    this.waiting = 0;
    for (const [payload, ids] of groups) this.send(`${BATCHED_NEXT_PREFIX}${JSON.stringify(ids)},"payload":${payload}}`);
  }

  /** Drops what is waiting (the connection is gone). */
  discard(): void {
    if (this.scheduled) clearImmediate(this.scheduled);
    this.scheduled = null;
    this.groups.clear();
    this.waiting = 0;
  }
}
