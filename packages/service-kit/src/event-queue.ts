// A push-fed async iterator with a working `return()`: producers push events, one consumer pulls
// them. Subscriptions are built on it (not on suspended `async function*` generators) because a
// generator parked in `await` cannot be stopped from outside, so an unsubscribe would leak the
// upstream subscription until the next event arrived.

export interface EventQueueOptions {
  /** Called once, when the consumer stops (`return()`/`throw()`) or the producer ends the queue. */
  onClose?: () => void | Promise<void>;
  /** Events held for a slow consumer; past it the oldest are dropped. */
  maxBuffered?: number;
}

export class EventQueue<T> implements AsyncIterableIterator<T> {
  private readonly buffer: T[] = [];
  private readonly pulls: ((result: IteratorResult<T>) => void)[] = [];
  private failure: unknown = null;
  private pendingFailure: ((error: unknown) => void)[] = [];
  private closed = false;
  private ended = false;
  dropped = 0;

  constructor(private readonly options: EventQueueOptions = {}) {}

  get isClosed(): boolean {
    return this.closed || this.ended;
  }

  /** Delivers an event (ignored once the queue has ended). */
  push(value: T): void {
    if (this.isClosed) return;
    const pull = this.pulls.shift();
    if (pull) {
      this.pendingFailure.shift();
      pull({ value, done: false });
      return;
    }
    this.buffer.push(value);
    const max = this.options.maxBuffered ?? 1000;
    if (this.buffer.length > max) {
      this.buffer.shift();
      this.dropped += 1;
    }
  }

  /** Ends the stream after the buffered events (optionally after one last event). */
  end(last?: T): void {
    if (this.isClosed) return;
    if (last !== undefined) this.push(last);
    this.ended = true;
    this.settlePulls();
    void this.runOnClose();
  }

  /** Ends the stream with an error the consumer's next pull rejects with. */
  fail(error: unknown): void {
    if (this.isClosed) return;
    this.failure = error;
    this.ended = true;
    const rejects = this.pendingFailure.splice(0);
    this.pulls.splice(0);
    for (const reject of rejects) reject(error);
    if (rejects.length) this.failure = null;
    void this.runOnClose();
  }

  next(): Promise<IteratorResult<T>> {
    if (this.buffer.length) return Promise.resolve({ value: this.buffer.shift() as T, done: false });
    if (this.failure) {
      const error = this.failure;
      this.failure = null;
      return Promise.reject(error);
    }
    if (this.isClosed) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => {
      this.pulls.push(resolve);
      this.pendingFailure.push(reject);
    });
  }

  async return(): Promise<IteratorResult<T>> {
    this.closed = true;
    this.buffer.length = 0;
    this.settlePulls();
    await this.runOnClose();
    return { value: undefined, done: true };
  }

  async throw(error?: unknown): Promise<IteratorResult<T>> {
    await this.return();
    throw error;
  }

  /** Adds another function to run when the queue closes (after `options.onClose`). */
  onClosed(listener: () => void): void {
    if (this.closing) void this.closing.then(listener);
    else this.listeners.push(listener);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  private settlePulls(): void {
    if (this.buffer.length) return;
    this.pendingFailure.splice(0);
    for (const pull of this.pulls.splice(0)) pull({ value: undefined, done: true });
  }

  private readonly listeners: (() => void)[] = [];
  private closing: Promise<void> | null = null;
  private runOnClose(): Promise<void> {
    this.closing ??= Promise.resolve()
      .then(() => this.options.onClose?.())
      .catch(() => undefined)
      .then(() => {
        for (const listener of this.listeners.splice(0)) listener();
      });
    return this.closing;
  }
}
