// One subscription event executed once for every caller that would get the same answer. A published
// event reaches each operation through its own resolver's per-caller check (`select` in subscribeTopic),
// and is then executed against the operation's document. When that check handed several operations the
// same event object, and an execution read nothing of its caller's context (no field resolver looked at
// the viewer, its loaders or its database session), its result depends only on the event, the document
// and the variables: operations with the same ones get that result instead of executing again. Any
// execution that touches the context (a resolver that checks rights, reads per-caller data…), finishes
// asynchronously or has errors is never shared; it runs again for each caller, as before.
import { execute, type ExecutionArgs, type ExecutionResult } from 'graphql';

/** A caller's context that records whether anything read it since `reset()`. */
export interface WatchedContext<T extends object> {
  context: T;
  reset(): void;
  readonly touched: boolean;
}

export function watchContext<T extends object>(context: T): WatchedContext<T> {
  let touched = false;
  const mark = <R>(result: R): R => {
    touched = true;
    return result;
  };
  const watched = new Proxy(context, {
    get: (target, key) => mark(Reflect.get(target, key, target)),
    has: (target, key) => mark(Reflect.has(target, key)),
    ownKeys: (target) => mark(Reflect.ownKeys(target)),
    getOwnPropertyDescriptor: (target, key) => mark(Reflect.getOwnPropertyDescriptor(target, key)),
    set: (target, key, value) => mark(Reflect.set(target, key, value, target)),
    defineProperty: (target, key, descriptor) => mark(Reflect.defineProperty(target, key, descriptor)),
    deleteProperty: (target, key) => mark(Reflect.deleteProperty(target, key)),
    getPrototypeOf: (target) => mark(Reflect.getPrototypeOf(target)),
  });
  return {
    context: watched,
    reset: () => (touched = false),
    get touched() {
      return touched;
    },
  };
}

const isPromiseLike = (value: unknown): value is PromiseLike<unknown> => typeof (value as { then?: unknown } | null)?.then === 'function';

/** Results shared by event object (kept only while the event is), then by operation. */
const shared = new WeakMap<object, Map<string, ExecutionResult>>();

/** The identity of an operation for sharing: its text, name and variables (never its caller). */
export function operationKeyOf(payload: { query: string; operationName?: string | null; variables?: Record<string, unknown> | null }): string {
  return JSON.stringify([payload.query, payload.operationName ?? null, payload.variables ?? null]);
}

/**
 * Executes `event` for one operation (`args` with its caller's watched context), or returns the result
 * another operation with the same `operationKey` got for the same event object without touching its context.
 */
export function executeEvent<T extends object>(
  args: ExecutionArgs,
  event: unknown,
  operationKey: string,
  watched: WatchedContext<T>,
): ExecutionResult | Promise<ExecutionResult> {
  const shareable = typeof event === 'object' && event !== null;
  const known = shareable ? shared.get(event)?.get(operationKey) : undefined;
  if (known) return known;
  watched.reset();
  const result = execute({ ...args, rootValue: event, contextValue: watched.context });
  if (shareable && !isPromiseLike(result) && !watched.touched && !result.errors?.length) {
    let byOperation = shared.get(event);
    if (!byOperation) shared.set(event, (byOperation = new Map()));
    byOperation.set(operationKey, result);
  }
  return result;
}
