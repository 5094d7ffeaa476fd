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
  await sleep(250);
  t.is(await cache.get("a", load), 2, "past twice the ttl: loaded again, and waited for");
});

test("an expired entry is served while one reload runs, for one more ttl", async (t) => {
  const cache = new TtlCache<string, number>(200);
  let loads = 0;
  let fail = false;
  let release: () => void = () => {};
  const load = async () => {
    const n = ++loads;
    if (n > 1) await new Promise<void>((r) => (release = r));
    if (fail) throw new Error("down");
    return n;
  };
  t.is(await cache.get("a", load), 1);
  await sleep(260);
  // The reload is held until release(): a read that waited for it would never return.
  t.deepEqual([await cache.get("a", load), await cache.get("a", load)], [1, 1]);
  t.is(loads, 2, "one reload for both reads");
  release();
  await sleep(10);
  t.is(await cache.get("a", load), 2);
  await sleep(260);
  fail = true;
  t.is(await cache.get("a", load), 2, "stale while the reload runs");
  release();
  await sleep(10);
  t.is(await cache.get("a", load), 2, "a failed reload keeps the old value until it is too old");
  t.is(loads, 4, "and the next read tried again");
  release();
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
