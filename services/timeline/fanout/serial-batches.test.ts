import test from "ava";
import { SerialBatches } from "./serial-batches.js";

/** A run whose batches wait until released, recording what each held. */
function held() {
  const batches: number[][] = [];
  const release: Array<() => void> = [];
  const run = (items: number[]) => {
    batches.push([...items]);
    return new Promise<number>((resolve) => release.push(() => resolve(items.length)));
  };
  return { batches, release, run };
}

const tick = () => new Promise((r) => setImmediate(r));

test("the first item runs at once; items added meanwhile share the next batch", async (t) => {
  const b = new SerialBatches<number, number>(100);
  const h = held();
  const first = b.add("a", 1, h.run);
  await tick();
  t.deepEqual(h.batches, [[1]]);
  const later = [2, 3, 4].map((i) => b.add("a", i, h.run));
  await tick();
  t.deepEqual(h.batches, [[1]], "the next batch waits for the running one");
  h.release[0]!();
  t.is(await first, 1);
  await tick();
  t.deepEqual(h.batches, [[1], [2, 3, 4]]);
  h.release[1]!();
  t.deepEqual(await Promise.all(later), [3, 3, 3], "every item of a batch gets its result");
  t.is(b.busyKeys, 0);
});

test("keys do not wait for each other", async (t) => {
  const b = new SerialBatches<number, number>(100);
  const h = held();
  void b.add("a", 1, h.run);
  void b.add("b", 2, h.run);
  await tick();
  t.deepEqual(h.batches, [[1], [2]]);
  t.is(b.busyKeys, 2);
  h.release.forEach((r) => r());
});

test("a batch holds at most maxItems; the rest go into the batches after it, in order", async (t) => {
  const b = new SerialBatches<number, number>(2);
  const h = held();
  const all = [1, 2, 3, 4, 5, 6].map((i) => b.add("a", i, h.run));
  for (let k = 0; k < 4; k++) {
    await tick();
    h.release[k]!();
  }
  await Promise.all(all);
  t.deepEqual(h.batches, [[1], [2, 3], [4, 5], [6]]);
});

test("a failed batch rejects its own items only, and the next batch still runs", async (t) => {
  const b = new SerialBatches<number, number>(100);
  let calls = 0;
  let fail!: (e: Error) => void;
  const run = (items: number[]) => (++calls === 1 ? new Promise<number>((_, reject) => (fail = reject)) : Promise.resolve(items.length));
  const first = b.add("a", 1, run);
  const second = b.add("a", 2, run);
  await tick();
  fail(new Error("graph down"));
  await t.throwsAsync(first, { message: "graph down" });
  t.is(await second, 1);
  t.is(b.busyKeys, 0);
});

test("a run that throws synchronously rejects its items", async (t) => {
  const b = new SerialBatches<number, number>(100);
  await t.throwsAsync(
    b.add("a", 1, () => {
      throw new Error("bad");
    }),
    { message: "bad" },
  );
  t.is(b.busyKeys, 0);
});

test("maxItems below 1 is refused", (t) => {
  t.throws(() => new SerialBatches(0), { message: /at least 1/ });
});
