// Rebuild logic against a plain in-memory social graph: a rebuilt timeline
// equals the one fan-out builds tweet by tweet, one rebuild runs per user
// across callers and processes, and a tweet fanned out mid-rebuild is kept.
import test from "ava";
import { computeTimeline, Rebuilder } from "./rebuild.js";
import type { TimelineSource } from "./source.js";
import { MemoryTimelineStore } from "./store/memory.js";

/** A seeded generator, so a failure can be replayed. */
function rng(seed: number) {
  return () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
}

class World implements TimelineSource {
  follows = new Map<bigint, Set<bigint>>();
  posts = new Map<bigint, bigint[]>(); // newest first
  calls = 0;

  following = async (u: bigint) => [...(this.follows.get(u) ?? [])];
  followers(u: bigint): bigint[] {
    return [...this.follows].filter(([, s]) => s.has(u)).map(([f]) => f);
  }
  tweets = async (author: bigint, limit: number, cursor: string) => {
    this.calls++;
    const all = this.posts.get(author) ?? [];
    const start = cursor === "" ? 0 : Number(cursor);
    const ids = all.slice(start, start + limit);
    const more = start + limit < all.length;
    return { ids, nextCursor: more ? String(start + limit) : "", hasMore: more };
  };
}

for (const seed of [1, 2, 3, 4, 5]) {
  test(`a rebuilt timeline equals the fanned-out one (seed ${seed})`, async (t) => {
    const random = rng(seed);
    const world = new World();
    const users = Array.from({ length: 25 }, (_, i) => BigInt(i + 1));
    const largeAccounts = new Set([1n, 2n]);
    for (const u of users) {
      world.follows.set(u, new Set(users.filter((v) => v !== u && random() < 0.3)));
    }
    const cap = 30;
    const fanned = new MemoryTimelineStore({ cap, ttlMs: 60_000 });
    for (const u of users) await fanned.finishBuild(u, []);
    // 600 tweets by random authors, heavy posters included, applied as fan-out would.
    let id = 10n ** 18n;
    for (let i = 0; i < 600; i++) {
      const author = users[Math.floor(random() ** 2 * users.length)]!;
      id += BigInt(1 + Math.floor(random() * 1000));
      world.posts.set(author, [id, ...(world.posts.get(author) ?? [])]);
      await fanned.add([author], [id]);
      if (!largeAccounts.has(author)) await fanned.add(world.followers(author), [id]);
    }
    for (const u of users) {
      const rebuilt = await computeTimeline(world, u, cap, largeAccounts);
      t.deepEqual(rebuilt, (await fanned.page(u, undefined, cap)).ids, `user ${u}`);
    }
  });
}

test("the rebuild reads only what can reach the window", async (t) => {
  const world = new World();
  const followees = Array.from({ length: 50 }, (_, i) => BigInt(i + 2));
  world.follows.set(1n, new Set(followees));
  // Each followee has 1,000 tweets; the newest 20 overall all come from followee 2.
  let id = 1_000_000n;
  for (const f of followees) world.posts.set(f, Array.from({ length: 1000 }, () => (id -= 1n)));
  world.posts.set(2n, Array.from({ length: 1000 }, (_, i) => 10_000_000n - BigInt(i)));
  const ids = await computeTimeline(world, 1n, 20, new Set());
  t.deepEqual(ids, Array.from({ length: 20 }, (_, i) => 10_000_000n - BigInt(i)));
  t.true(world.calls <= 51 + 5, `${world.calls} ListUserTweets calls`);
});

test("concurrent readers in one process trigger one rebuild", async (t) => {
  const store = new MemoryTimelineStore({ cap: 100, ttlMs: 60_000 });
  let builds = 0;
  const rebuilder = new Rebuilder(store, async () => {
    builds++;
    await new Promise((r) => setTimeout(r, 50));
    return [3n, 2n, 1n];
  });
  await Promise.all(Array.from({ length: 20 }, () => rebuilder.ensureBuilt(7n)));
  t.is(builds, 1);
  t.deepEqual(await store.page(7n, undefined, 10), { built: true, ids: [3n, 2n, 1n] });
});

test("a second process waits for the first one's rebuild instead of repeating it", async (t) => {
  const store = new MemoryTimelineStore({ cap: 100, ttlMs: 60_000 });
  let builds = 0;
  const slow = async () => {
    builds++;
    await new Promise((r) => setTimeout(r, 200));
    return [5n];
  };
  const a = new Rebuilder(store, slow, { pollMs: 10 });
  const b = new Rebuilder(store, slow, { pollMs: 10 });
  const first = a.ensureBuilt(8n);
  await new Promise((r) => setTimeout(r, 20));
  await Promise.all([first, b.ensureBuilt(8n)]);
  t.is(builds, 1);
  t.deepEqual((await store.page(8n, undefined, 10)).ids, [5n]);
});

test("a tweet fanned out while the rebuild reads its sources is kept", async (t) => {
  const store = new MemoryTimelineStore({ cap: 100, ttlMs: 60_000 });
  const rebuilder = new Rebuilder(store, async (u) => {
    await store.add([u], [99n]); // fan-out running concurrently
    return [1n];
  });
  await rebuilder.ensureBuilt(9n);
  t.deepEqual((await store.page(9n, undefined, 10)).ids, [99n, 1n]);
});

test("a failed rebuild releases the lock and the next read retries", async (t) => {
  const store = new MemoryTimelineStore({ cap: 100, ttlMs: 60_000 });
  let fail = true;
  const rebuilder = new Rebuilder(store, async () => {
    if (fail) throw new Error("graph unavailable");
    return [4n];
  });
  await t.throwsAsync(rebuilder.ensureBuilt(10n), { message: "graph unavailable" });
  t.false(await store.isLocked(10n));
  fail = false;
  await rebuilder.ensureBuilt(10n);
  t.deepEqual((await store.page(10n, undefined, 10)).ids, [4n]);
});
