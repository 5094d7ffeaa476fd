// Requests a process makes in one turn of the event loop go out together.
// cassandra-driver gathers the frames queued on a connection within one
// process.nextTick into one socket write, so the requests that separate
// incoming calls make (each handled in its own I/O callback) were written one
// by one: under creates, socket writes took a large share of the tweet
// service's main thread, and Cassandra read each frame separately too.
// Holding each request until the next setImmediate lets every request of the
// loop's turn share the writes. It costs no wait when the process is idle
// (setImmediate runs right after the poll phase), and under load it lets more
// creates through and keeps an open loop from overloading (bench/HISTORY.md).
import type cassandra from "cassandra-driver";

/** Makes `client.execute` and `client.batch` (promise style) wait for the next setImmediate, all of one turn together. */
export function coalesceRequests(client: cassandra.Client): void {
  let queued: Array<() => void> = [];
  const flush = () => {
    const run = queued;
    queued = [];
    for (const send of run) send();
  };
  for (const method of ["execute", "batch"] as const) {
    const original = (client[method] as (...args: unknown[]) => Promise<unknown> | undefined).bind(client);
    const deferred = (...args: unknown[]): Promise<unknown> | undefined => {
      // Callback style (the driver's own) is passed straight through.
      if (typeof args.at(-1) === "function") return original(...args);
      return new Promise((resolve, reject) => {
        if (queued.length === 0) setImmediate(flush);
        queued.push(() => {
          try {
            original(...args)!.then(resolve, reject);
          } catch (err) {
            reject(err);
          }
        });
      });
    };
    Object.defineProperty(client, method, { value: deferred, configurable: true, writable: true });
  }
}
