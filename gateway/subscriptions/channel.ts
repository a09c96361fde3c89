// An async iterator fed by pushes: what graphql-ws consumes for one subscription. A consumer that
// falls too far behind is ended with an error rather than buffered without bound.
export class Channel<T> implements AsyncIterableIterator<T> {
  private readonly queue: T[] = [];
  private waiting: ((result: IteratorResult<T>) => void) | undefined;
  private closed = false;
  private failure: Error | undefined;

  constructor(
    private readonly onClose: () => void,
    private readonly capacity = 1_000,
  ) {}

  push(value: T): void {
    if (this.closed) return;
    if (this.waiting) {
      const resolve = this.waiting;
      this.waiting = undefined;
      resolve({ value, done: false });
    } else if (this.queue.length >= this.capacity) {
      this.failure = new Error('Subscription closed: the client did not keep up with its events.');
      this.close();
    } else {
      this.queue.push(value);
    }
  }

  async next(): Promise<IteratorResult<T>> {
    const value = this.queue.shift();
    if (value !== undefined) return { value, done: false };
    if (this.failure) throw this.failure;
    if (this.closed) return { value: undefined, done: true };
    return new Promise((resolve) => {
      this.waiting = resolve;
    });
  }

  /** The client completed or disconnected. */
  async return(): Promise<IteratorResult<T>> {
    this.close();
    return { value: undefined, done: true };
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    this.onClose();
    const resolve = this.waiting;
    this.waiting = undefined;
    resolve?.({ value: undefined, done: true });
  }
}
