import test from "ava";
import { stopOnAbort } from "./stop-on-abort.js";

test("stops what is still there when the signal aborts, with its reason; later adds stop at once", (t) => {
  const shutdown = new AbortController();
  const stopped: string[] = [];
  const open = stopOnAbort<string>(shutdown.signal, (item, reason) => stopped.push(`${item}:${String(reason)}`));
  open.add("a");
  open.add("b");
  open.add("c");
  open.delete("b");
  t.deepEqual(stopped, []);
  shutdown.abort("bye");
  t.deepEqual(stopped, ["a:bye", "c:bye"]);
  open.add("d");
  t.deepEqual(stopped, ["a:bye", "c:bye", "d:bye"]);
});

test("adds one listener to the signal, however many items come and go", (t) => {
  const shutdown = new AbortController();
  let listeners = 0;
  const add = shutdown.signal.addEventListener.bind(shutdown.signal);
  shutdown.signal.addEventListener = ((...args: Parameters<typeof add>) => {
    listeners += 1;
    add(...args);
  }) as typeof add;
  const open = stopOnAbort<number>(shutdown.signal, () => {});
  for (let i = 0; i < 1000; i++) open.add(i);
  for (let i = 0; i < 1000; i++) open.delete(i);
  t.is(listeners, 1);
});
