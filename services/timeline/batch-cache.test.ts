// The cache in front of a counting stand-in for a batch RPC (what is under
// test is the caching, not a service).
import test from "ava";
import { cachedBatch } from "./batch-cache.js";

function source(known: bigint[]) {
  const calls: bigint[][] = [];
  const load = async (ids: readonly bigint[]) => {
    calls.push([...ids]);
    await new Promise((r) => setTimeout(r, 10));
    return new Map(ids.filter((id) => known.includes(id)).map((id) => [id, `v${id}`] as const));
  };
  return { load, calls };
}

test("concurrent lookups share one call; hits are served from the cache", async (t) => {
  const { load, calls } = source([1n, 2n, 3n]);
  const get = cachedBatch(load, 10_000);
  const [a, b] = await Promise.all([get([1n, 2n]), get([2n, 3n])]);
  t.deepEqual([...a].sort(), [[1n, "v1"], [2n, "v2"]]);
  t.deepEqual([...b].sort(), [[2n, "v2"], [3n, "v3"]]);
  t.deepEqual(calls, [[1n, 2n], [3n]], "2 was asked for once");
  await get([1n, 2n, 3n]);
  t.is(calls.length, 2);
});

test("unknown ids are not cached, and large lookups are split by 100", async (t) => {
  const { load, calls } = source([1n]);
  const get = cachedBatch(load, 10_000);
  t.is((await get([9n])).size, 0);
  t.is((await get([9n])).size, 0);
  t.is(calls.length, 2);
  await get(Array.from({ length: 250 }, (_, i) => BigInt(i + 100)));
  t.deepEqual(calls.slice(2).map((c) => c.length), [100, 100, 50]);
});

test("entries expire; ttl 0 asks every time", async (t) => {
  const { load, calls } = source([1n]);
  const short = cachedBatch(load, 50);
  await short([1n]);
  await short([1n]);
  t.is(calls.length, 1);
  await new Promise((r) => setTimeout(r, 80));
  await short([1n]);
  t.is(calls.length, 2);
  const none = cachedBatch(load, 0);
  await none([1n]);
  await none([1n]);
  t.is(calls.length, 4);
});

test("past its time to live an entry is served while a refresh runs, for one more time to live", async (t) => {
  let version = 1;
  const known = new Set([1n, 2n]);
  const calls: bigint[][] = [];
  let slow = false;
  let release: () => void = () => {};
  const get = cachedBatch(async (ids) => {
    calls.push([...ids]);
    if (slow) await new Promise<void>((r) => (release = r));
    return new Map(ids.filter((id) => known.has(id)).map((id) => [id, `v${version}`] as const));
  }, 200);
  await get([1n, 2n]);
  await new Promise((r) => setTimeout(r, 260));
  version = 2;
  known.delete(2n);
  slow = true;
  // The reload is held until release(): a read that waited for it would never return.
  t.deepEqual([...(await get([1n, 2n]))], [[1n, "v1"], [2n, "v1"]], "stale values at once, not after the reload");
  await get([1n]);
  t.deepEqual(calls, [[1n, 2n], [1n, 2n]], "one refresh in flight, not one per read");
  slow = false;
  release();
  await new Promise((r) => setTimeout(r, 10));
  t.deepEqual([...(await get([1n, 2n]))], [[1n, "v2"]], "refreshed; the id gone meanwhile is gone from the cache too");
  t.deepEqual(calls.at(-1), [2n], "so it was asked for again");
  await new Promise((r) => setTimeout(r, 450));
  slow = true;
  const late = get([1n]);
  let settled = false;
  void late.then(() => (settled = true));
  await new Promise((r) => setTimeout(r, 20));
  t.false(settled, "past twice the time to live a read waits for the load");
  version = 3;
  release();
  t.deepEqual([...(await late)], [[1n, "v3"]]);
});

test("a failed load is not cached and reaches every waiting caller", async (t) => {
  let fail = true;
  const get = cachedBatch(async (ids) => {
    if (fail) throw new Error("down");
    return new Map(ids.map((id) => [id, "ok"] as const));
  }, 10_000);
  const results = await Promise.allSettled([get([1n]), get([1n])]);
  t.deepEqual(results.map((r) => r.status), ["rejected", "rejected"]);
  fail = false;
  t.is((await get([1n])).get(1n), "ok");
});

test("an id given twice in one lookup is asked for once, missing or stale", async (t) => {
  const { load, calls } = source([1n, 2n]);
  const get = cachedBatch(load, 30);
  t.deepEqual([...(await get([1n, 1n, 2n, 1n]))].sort(), [[1n, "v1"], [2n, "v2"]]);
  t.deepEqual(calls, [[1n, 2n]]);
  await new Promise((r) => setTimeout(r, 40)); // past the time to live: refreshed (or, if this ran late, reloaded)
  t.deepEqual([...(await get([2n, 2n]))], [[2n, "v2"]]);
  t.deepEqual(calls, [[1n, 2n], [2n]]);
});
