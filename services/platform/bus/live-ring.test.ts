import test from "ava";
import { LiveRing } from "./live-ring.js";

const enc = (s: string) => new TextEncoder().encode(s);

test("the ring keeps its capacity and its age; older ids must reload", (t) => {
  const ring = new LiveRing(3, 1000, 0);
  for (let i = 0; i < 5; i++) ring.append("live.home.1", enc(String(i)), 10 * i);
  // Sequences 1..5 (starting at the clock, 0 here); 1 and 2 are gone.
  t.false(ring.replay("live.home.1", 1, 10, 50).complete);
  const r = ring.replay("live.home.1", 2, 10, 50);
  t.true(r.complete);
  t.deepEqual(r.messages.map((m) => m.seq), [3, 4, 5]);
  // Past the age everything is gone: an id from before is incomplete, the newest is complete and empty.
  t.false(ring.replay("live.home.1", 3, 10, 5000).complete);
  t.deepEqual(ring.replay("live.home.1", 5, 10, 5000), { messages: [], complete: true });
});

test("a throwing subscriber does not stop the others", (t) => {
  const ring = new LiveRing(10, 1000, 0);
  const got: number[] = [];
  ring.subscribe("s", () => {
    throw new Error("boom");
  });
  ring.subscribe("s", (m) => void got.push(m.seq));
  ring.append("s", enc("x"), 0);
  t.deepEqual(got, [1]);
});
