// One contract for every HydrationCache adapter (cache.test.ts runs it in
// process, on Redis and on a Redis Cluster). Each test uses ids of its own.
import { randomBytes } from "node:crypto";
import type { ExecutionContext, TestFn } from "ava";
import type { HydrationCache } from "./port.js";

export type MakeCache = (o: { ttlMs: number }) => Promise<HydrationCache>;

const newId = () => BigInt(randomBytes(6).readUIntBE(0, 6)) + 1n;
const bytes = (...b: number[]) => new Uint8Array(b);

export function cacheContract(test: TestFn, name: string, make: MakeCache) {
  const it = (title: string, body: (t: ExecutionContext, cache: HydrationCache) => Promise<void>, ttlMs = 60_000) =>
    test(`${name}: ${title}`, async (t) => {
      const cache = await make({ ttlMs });
      try {
        await body(t, cache);
      } finally {
        await cache.close();
      }
    });

  it("unknown ids are misses of generation 0; a fill is read back byte for byte", async (t, cache) => {
    const [a, b] = [newId(), newId()];
    const first = await cache.read("tweet", [a, b]);
    t.deepEqual([...first.misses], [[a, 0], [b, 0]]);
    t.is(first.hits.size, 0);
    // Binary values, including the bytes the stored format itself uses.
    const value = bytes(0, 0x76, 0x3a, 0x67, 255, 10);
    await cache.fill("tweet", [[a, value, 0]]);
    const second = await cache.read("tweet", [a, b]);
    t.deepEqual([...second.hits].map(([id, v]) => [id, [...v]]), [[a, [...value]]]);
    t.deepEqual([...second.misses.keys()], [b]);
  });

  it("kinds do not share entries", async (t, cache) => {
    const id = newId();
    await cache.fill("user", [[id, bytes(1), 0]]);
    t.true((await cache.read("tweet", [id])).misses.has(id));
    t.true((await cache.read("user", [id])).hits.has(id));
  });

  it("a fill that read before an invalidation does not write the old value back", async (t, cache) => {
    const id = newId();
    const before = await cache.read("tweet", [id]);
    await cache.invalidate("tweet", [id]); // the event that changed it, processed meanwhile
    await cache.fill("tweet", [[id, bytes(1), before.misses.get(id)!]]);
    const after = await cache.read("tweet", [id]);
    t.false(after.hits.has(id), "the stale read is not cached");
    // A read after the invalidation may fill.
    await cache.fill("tweet", [[id, bytes(2), after.misses.get(id)!]]);
    t.deepEqual([...(await cache.read("tweet", [id])).hits.get(id)!], [2]);
  });

  it("an invalidation drops a cached value; the next read fills again", async (t, cache) => {
    const [a, b] = [newId(), newId()];
    await cache.fill("user", [[a, bytes(1), 0], [b, bytes(2), 0]]);
    await cache.invalidate("user", [a]);
    const r = await cache.read("user", [a, b]);
    t.false(r.hits.has(a));
    t.deepEqual([...r.hits.get(b)!], [2]);
    await cache.fill("user", [[a, bytes(3), r.misses.get(a)!]]);
    t.deepEqual([...(await cache.read("user", [a])).hits.get(a)!], [3]);
  });

  it("an invalidation delivered twice leaves what one delivery leaves: no value, and a read may fill", async (t, cache) => {
    const id = newId();
    await cache.fill("tweet", [[id, bytes(1), 0]]);
    const stale = 0;
    await cache.invalidate("tweet", [id]);
    await cache.invalidate("tweet", [id]);
    const r = await cache.read("tweet", [id]);
    t.false(r.hits.has(id));
    await cache.fill("tweet", [[id, bytes(9), stale]]);
    t.false((await cache.read("tweet", [id])).hits.has(id), "a fill from before either delivery is refused");
    await cache.fill("tweet", [[id, bytes(2), r.misses.get(id)!]]);
    t.deepEqual([...(await cache.read("tweet", [id])).hits.get(id)!], [2]);
  });

  it("replace writes over a value of the generation peek saw, once: a second replace, a stale fill or a replace after an invalidation is refused", async (t, cache) => {
    const [a, b, c] = [newId(), newId(), newId()];
    await cache.fill("user", [[a, bytes(1), 0], [c, bytes(5), 0]]);
    await cache.invalidate("user", [b]);
    const seen = await cache.peek("user", [a, b, c]);
    t.deepEqual([...seen.keys()], [a, c], "only entries holding a value");
    t.deepEqual([...seen.get(a)!.value], [1]);
    const gen = seen.get(a)!.generation;
    t.deepEqual(await cache.replace("user", [[a, bytes(0x76, 0x3a, 2), gen], [b, bytes(3), 1]]), [true, false], "no value at b: nothing to replace");
    t.deepEqual([...(await cache.read("user", [a])).hits.get(a)!], [0x76, 0x3a, 2]);
    t.deepEqual(await cache.replace("user", [[a, bytes(4), gen]]), [false], "a second replace from the same peek");
    await cache.fill("user", [[a, bytes(9), gen]]);
    t.deepEqual([...(await cache.read("user", [a])).hits.get(a)!], [0x76, 0x3a, 2], "and no fill either");
    t.is((await cache.peek("user", [a])).get(a)!.generation, gen + 1);
    await cache.invalidate("user", [c]);
    t.deepEqual(await cache.replace("user", [[c, bytes(6), seen.get(c)!.generation]]), [false], "an invalidation since the peek");
    t.false((await cache.read("user", [c])).hits.has(c));
  });

  it("a present value is not replaced by a second fill", async (t, cache) => {
    const id = newId();
    await cache.fill("tweet", [[id, bytes(1), 0]]);
    await cache.fill("tweet", [[id, bytes(2), 0]]);
    t.deepEqual([...(await cache.read("tweet", [id])).hits.get(id)!], [1]);
  });

  it("a page's worth of ids in one call", async (t, cache) => {
    const ids = Array.from({ length: 250 }, () => newId());
    await cache.fill("tweet", ids.filter((_, i) => i % 2 === 0).map((id, i) => [id, bytes(i % 256), 0] as const));
    const r = await cache.read("tweet", ids);
    t.is(r.hits.size, 125);
    t.is(r.misses.size, 125);
    t.true(ids.every((id, i) => (i % 2 === 0 ? r.hits.has(id) : r.misses.has(id))));
  });

  it(
    "entries expire",
    async (t, cache) => {
      const id = newId();
      await cache.fill("user", [[id, bytes(1), 0]]);
      t.true((await cache.read("user", [id])).hits.has(id));
      await new Promise((r) => setTimeout(r, 400));
      t.false((await cache.read("user", [id])).hits.has(id));
    },
    150,
  );

  it("a viewer's states are kept per version; another version or viewer sees none", async (t, cache) => {
    const [viewer, other] = [newId(), newId()];
    const [a, b] = [newId(), newId()];
    t.deepEqual(await cache.readStates(viewer, "v1", [a]), { since: undefined, bits: [undefined] });
    const before = Date.now();
    await cache.fillStates(viewer, "v1", new Map([[a, 1], [b, 3]]), 60_000);
    const kept = await cache.readStates(viewer, "v1", [a, b, newId()]);
    t.deepEqual(kept.bits, [1, 3, undefined], "in the order asked, undefined where not kept");
    t.true(kept.since! >= before - 5 && kept.since! <= Date.now() + 5);
    t.is((await cache.readStates(viewer, "v2", [a])).since, undefined);
    t.is((await cache.readStates(other, "v1", [a])).since, undefined);
    // More states join the entry; its time is its first fill's.
    await cache.fillStates(viewer, "v1", new Map([[a, 0]]), 60_000);
    const again = await cache.readStates(viewer, "v1", [b, a, b]);
    t.deepEqual(again.bits, [3, 0, 3]);
    t.is(again.since, kept.since);
  });

  it("a viewer's states expire with their entry", async (t, cache) => {
    const viewer = newId();
    // A TTL long enough that a busy machine still reads the entry before it expires.
    await cache.fillStates(viewer, "v", new Map([[1n, 1]]), 1000);
    t.deepEqual((await cache.readStates(viewer, "v", [1n])).bits, [1]);
    await new Promise((r) => setTimeout(r, 1300));
    t.is((await cache.readStates(viewer, "v", [1n])).since, undefined);
  });
}
