import test from "ava";
import { TtlCache } from "./ttl-cache.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test("concurrent misses share one load; a hit is served until it expires", async (t) => {
  const cache = new TtlCache<string, number>(100);
  let loads = 0;
  const load = async () => {
    loads++;
    await sleep(20);
    return loads;
  };
  t.deepEqual(await Promise.all([cache.get("a", load), cache.get("a", load)]), [1, 1]);
  t.is(await cache.get("a", load), 1);
  await sleep(150);
  t.is(await cache.get("a", load), 2);
});

test("ttl 0 keeps nothing once the load settled", async (t) => {
  const cache = new TtlCache<string, number>(0);
  let loads = 0;
  const load = async () => ++loads;
  await cache.get("a", load);
  await cache.get("a", load);
  t.is(loads, 2);
});

test("a failed load is not cached", async (t) => {
  const cache = new TtlCache<string, number>(10_000);
  let fail = true;
  const load = async () => {
    if (fail) throw new Error("down");
    return 7;
  };
  await t.throwsAsync(cache.get("a", load));
  fail = false;
  t.is(await cache.get("a", load), 7);
});

test("keeps at most maxEntries", async (t) => {
  const cache = new TtlCache<number, number>(10_000, 2);
  let loads = 0;
  const load = async () => ++loads;
  await cache.get(1, load);
  await cache.get(2, load);
  await cache.get(3, load);
  await cache.get(1, load);
  t.is(loads, 4, "the oldest entry was evicted");
});
