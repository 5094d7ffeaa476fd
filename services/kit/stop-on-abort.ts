// Many things (calls in flight, open event streams) to stop when one signal
// aborts (shutdown). One "abort" listener per thing on that signal would cost
// O(things) per add, as Node's EventTarget looks through every listener
// already there, so under overload, with thousands of calls in flight, the
// adds alone starve the calls. Here the signal has one listener and each add
// or delete is O(1).

export interface StopOnAbort<T> {
  /** Stops `item` with the others when the signal aborts (at once if it has). */
  add(item: T): void;
  /** `item` is done: nothing to stop any more. */
  delete(item: T): void;
}

export function stopOnAbort<T>(signal: AbortSignal, stop: (item: T, reason: unknown) => void): StopOnAbort<T> {
  const items = new Set<T>();
  signal.addEventListener("abort", () => items.forEach((item) => stop(item, signal.reason)), { once: true });
  return {
    add(item) {
      if (signal.aborted) stop(item, signal.reason);
      else items.add(item);
    },
    delete(item) {
      items.delete(item);
    },
  };
}
