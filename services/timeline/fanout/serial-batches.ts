// Group commit per key: the work for one key runs one batch at a time, and
// the items that arrive while a batch runs go together into the next one.
// Every item is in a batch that started after it was added, which is what
// lets the fan-out planner share one follower scan among an author's tweets
// (see plan.ts).

interface Batch<T, R> {
  items: T[];
  run: (items: T[]) => Promise<R>;
  done: Promise<R>;
  settle: (p: Promise<R>) => void;
}

export class SerialBatches<T, R> {
  /** Per key: the batches not started yet, oldest first (the running one is not here). */
  private readonly waiting = new Map<string, Array<Batch<T, R>>>();

  /** @param maxItems a batch holds at most this many items; more go into a batch after it. */
  constructor(private readonly maxItems: number) {
    if (!(maxItems >= 1)) throw new Error(`maxItems must be at least 1 (got ${maxItems})`);
  }

  /**
   * Adds `item` to the next batch of `key` and resolves (or rejects) with that
   * batch's result. The batch runs with the `run` of the first item added to
   * it, so every caller of one key must pass an equivalent `run`.
   */
  add(key: string, item: T, run: (items: T[]) => Promise<R>): Promise<R> {
    const queue = this.waiting.get(key);
    if (!queue) {
      // Nothing runs for this key: start at once.
      this.waiting.set(key, []);
      const batch = this.batch(item, run);
      this.start(key, batch);
      return batch.done;
    }
    const last = queue.at(-1);
    if (last && last.items.length < this.maxItems) {
      last.items.push(item);
      return last.done;
    }
    const batch = this.batch(item, run);
    queue.push(batch);
    return batch.done;
  }

  /** Keys with a batch running (for tests and metrics). */
  get busyKeys(): number {
    return this.waiting.size;
  }

  private batch(item: T, run: (items: T[]) => Promise<R>): Batch<T, R> {
    let settle!: (p: Promise<R>) => void;
    const done = new Promise<R>((resolve) => (settle = resolve));
    return { items: [item], run, done, settle };
  }

  private start(key: string, batch: Batch<T, R>): void {
    const result = Promise.resolve().then(() => batch.run(batch.items));
    batch.settle(result);
    const next = () => {
      const queue = this.waiting.get(key)!;
      const following = queue.shift();
      if (following) this.start(key, following);
      else this.waiting.delete(key);
    };
    result.then(next, next);
  }
}
