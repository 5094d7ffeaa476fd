// The viewer-states cache over each place it keeps states: in process, and
// Redis (the shared hydration cache of a cluster).
import test, { type ExecutionContext } from "ava";
import { Redis } from "ioredis";
import { MemoryHydrationCache } from "../hydration/memory.js";
import type { HydrationCache } from "../hydration/port.js";
import { RedisHydrationCache } from "../hydration/redis.js";
import { snowflakeFloor } from "../kit/snowflake.js";
import { backends, uniqueName } from "../testing/backends.js";
import { ViewerStatesCache, type States } from "./viewer-states.js";

const redis = new Redis(backends.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
test.after.always(() => redis.disconnect());
const CACHES: Array<[string, () => Promise<HydrationCache>]> = [
  ["memory", async () => new MemoryHydrationCache({ ttlMs: 60_000, maxEntries: 1000, maxViewers: 1000 })],
  [
    "redis",
    async () => {
      if (redis.status === "wait") await redis.connect();
      return new RedisHydrationCache(redis, { prefix: `${uniqueName("vs")}:`, ttlMs: 60_000, markerTtlMs: 60_000 });
    },
  ],
];

/** A loader that answers from `liked` and records what it was asked. */
function loader(liked: Set<bigint>) {
  const calls: bigint[][] = [];
  const load = async (_viewer: bigint, ids: readonly bigint[]): Promise<States> => {
    calls.push([...ids]);
    return new Map(ids.map((id) => [id, { liked: liked.has(id), retweeted: false }]));
  };
  return { load, calls };
}

const likedOf = (s: States) => [...s].map(([id, v]) => [id, v.liked]);

for (const [name, cache] of CACHES) {
  const it = (title: string, fn: (t: ExecutionContext) => Promise<void>) => test(`${name}: ${title}`, fn);

  it("a hit under the same version is not loaded again; only the ids not kept are", async (t) => {
    const { load, calls } = loader(new Set([2n]));
    const c = new ViewerStatesCache(load, await cache(), { ttlMs: 60_000 });
    t.deepEqual(likedOf(await c.get(1n, "v1", [1n, 2n])), [[1n, false], [2n, true]]);
    t.deepEqual(likedOf(await c.get(1n, "v1", [2n, 1n, 3n])), [[2n, true], [1n, false], [3n, false]]);
    t.deepEqual(calls, [[1n, 2n], [3n]]);
  });

  it("another version, another viewer, no version or an expired entry load afresh", async (t) => {
    const liked = new Set<bigint>();
    const { load, calls } = loader(liked);
    const c = new ViewerStatesCache(load, await cache(), { ttlMs: 50 });
    await c.get(1n, "v1", [5n]);
    liked.add(5n);
    t.deepEqual(likedOf(await c.get(1n, "v1", [5n])), [[5n, false]], "same version: kept (the version is what says it changed)");
    t.deepEqual(likedOf(await c.get(1n, "v2", [5n])), [[5n, true]]);
    await c.get(2n, "v2", [5n]);
    await c.get(1n, undefined, [5n]);
    await new Promise((r) => setTimeout(r, 80));
    await c.get(1n, "v2", [5n]);
    t.is(calls.length, 5);
  });

  it("states loaded under an old version do not join a newer entry", async (t) => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const liked = new Set<bigint>();
    const calls: string[] = [];
    const c = new ViewerStatesCache(
      async (_v, ids) => {
        calls.push(ids.join(","));
        if (ids.includes(9n)) await gate; // the slow, old read
        return new Map(ids.map((id) => [id, { liked: liked.has(id), retweeted: false }]));
      },
      await cache(),
      { ttlMs: 60_000 },
    );
    const slow = c.get(1n, "old", [9n]);
    liked.add(9n);
    await c.get(1n, "new", [8n]);
    release();
    await slow;
    t.deepEqual(likedOf(await c.get(1n, "new", [9n])), [[9n, true]], "9 was not taken from the old read");
    await c.get(1n, "new", [8n]);
    t.deepEqual(calls, ["9", "8", "9"], "the newer entry was kept");
  });

  it("a tweet posted after the entry was made is known not engaged under its version, without a lookup", async (t) => {
    const { load, calls } = loader(new Set());
    const c = new ViewerStatesCache(load, await cache(), { ttlMs: 60_000 });
    const old = snowflakeFloor(Date.now() - 60_000);
    const soon = snowflakeFloor(Date.now() + 2_000); // within the clock-skew margin: asked for
    const later = snowflakeFloor(Date.now() + 30_000);
    await c.get(1n, "v", [old]);
    const states = await c.get(1n, "v", [later, soon, old]);
    t.deepEqual([later, soon, old].map((id) => states.get(id)?.liked), [false, false, false]);
    t.deepEqual(calls, [[old], [soon]]);
    await c.get(1n, "w", [later]);
    t.deepEqual(calls.at(-1), [later], "under another version it is asked for");
    await c.get(2n, "v", [later]);
    t.deepEqual(calls.at(-1), [later], "and for a viewer with no entry yet");
  });
}

test("memory: the least recently reading viewer is evicted first; a time to live of 0 turns it off", async (t) => {
  const { load, calls } = loader(new Set());
  const c = new ViewerStatesCache(load, new MemoryHydrationCache({ ttlMs: 60_000, maxEntries: 10, maxViewers: 2 }), { ttlMs: 60_000 });
  await c.get(1n, "v", [1n]);
  await c.get(2n, "v", [1n]);
  await c.get(1n, "v", [1n]); // 1 is now the most recent
  await c.get(3n, "v", [1n]); // evicts 2
  const before = calls.length;
  await c.get(1n, "v", [1n]);
  t.is(calls.length, before, "1 kept");
  await c.get(2n, "v", [1n]);
  t.is(calls.length, before + 1, "2 was evicted");

  const off = loader(new Set());
  const none = new ViewerStatesCache(off.load, new MemoryHydrationCache({ ttlMs: 60_000, maxEntries: 10 }), { ttlMs: 0 });
  await none.get(1n, "v", [1n]);
  await none.get(1n, "v", [1n]);
  t.is(off.calls.length, 2);
});

