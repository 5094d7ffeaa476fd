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
