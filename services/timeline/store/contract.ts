// One contract for every TimelineStore adapter (memory, Redis, Redis Cluster).
import type { ExecutionContext, TestFn } from "ava";
import type { TimelineStore } from "./port.js";

export interface StoreFactoryOptions {
  cap: number;
  ttlMs: number;
  /** Distinct per call: two stores made with different labels must not see each other. */
  label: string;
  /** The lists are contiguous (user timelines, port.ts). */
  contiguous?: boolean;
}

export type StoreFactory = (opts: StoreFactoryOptions) => Promise<TimelineStore>;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Ids around the interesting boundaries: few digits, 2^53 (where doubles stop being exact), 2^63 - 1. */
const EDGE_IDS = [1n, 9n, 10n, 99n, 100n, 2n ** 53n, 2n ** 53n + 1n, 2n ** 62n + 7n, 2n ** 63n - 2n, 2n ** 63n - 1n];

export function storeContract(test: TestFn, name: string, make: StoreFactory) {
  const opened: TimelineStore[] = [];
  let n = 0;
  const fresh = async (cap = 800, ttlMs = 60_000, contiguous = false) => {
    const s = await make({ cap, ttlMs, label: `${name}${n++}`, contiguous });
    opened.push(s);
    return s;
  };
  test.after.always(async () => {
    for (const s of opened) {
      await s.dropAll().catch(() => {});
      await s.close();
    }
  });
  const it = (title: string, body: (t: ExecutionContext) => Promise<void>) => test(`${name}: ${title}`, body);

  it("a missing timeline is reported as not built and fan-out skips it", async (t) => {
    const s = await fresh();
    t.deepEqual(await s.page(1n, undefined, 20), { built: false, ids: [] });
    t.is(await s.add([1n], [5n]), 0);
    t.deepEqual(await s.contains([1n], 5n), [false]);
    t.deepEqual(await s.page(1n, undefined, 20), { built: false, ids: [] }, "the skipped write did not create it");
  });

  it("a timeline being built takes fan-out writes but is not readable until finished", async (t) => {
    const s = await fresh();
    await s.beginBuild(2n);
    t.deepEqual(await s.page(2n, undefined, 20), { built: false, ids: [] });
    t.is(await s.add([2n], [30n]), 1);
    await s.finishBuild(2n, [10n, 20n]);
    t.deepEqual(await s.page(2n, undefined, 20), { built: true, ids: [30n, 20n, 10n] }, "the write made during the build is kept");
  });

  it("a built empty timeline differs from a missing one", async (t) => {
    const s = await fresh();
    await s.finishBuild(3n, []);
    t.deepEqual(await s.page(3n, undefined, 20), { built: true, ids: [] });
    t.is(await s.add([3n], [7n]), 1);
    t.deepEqual(await s.page(3n, undefined, 20), { built: true, ids: [7n] });
  });

  it("pages newest first in numeric order, exactly, across digit counts and beyond 2^53", async (t) => {
    const s = await fresh();
    await s.finishBuild(4n, []);
    await s.add([4n], [...EDGE_IDS].reverse());
    const desc = [...EDGE_IDS].sort((a, b) => (a < b ? 1 : -1));
    t.deepEqual((await s.page(4n, undefined, 100)).ids, desc);
    // Walk with a cursor, 3 at a time: every id once, in order.
    const walked: bigint[] = [];
    let before: bigint | undefined;
    for (;;) {
      const { ids } = await s.page(4n, before, 3);
      if (ids.length === 0) break;
      walked.push(...ids);
      before = ids.at(-1);
    }
    t.deepEqual(walked, desc);
    t.deepEqual((await s.page(4n, 2n ** 53n + 1n, 2)).ids, [2n ** 53n, 100n], "the cursor is exclusive");
  });

  it("add is idempotent and remove takes ids out", async (t) => {
    const s = await fresh();
    await s.finishBuild(5n, [1n, 2n, 3n]);
    await s.add([5n], [3n, 4n]);
    await s.add([5n], [4n]);
    t.deepEqual((await s.page(5n, undefined, 20)).ids, [4n, 3n, 2n, 1n]);
    await s.remove([5n, 6n], [2n, 4n, 99n]);
    t.deepEqual(await s.page(5n, undefined, 20), { built: true, ids: [3n, 1n] });
    t.deepEqual(await s.page(6n, undefined, 20), { built: false, ids: [] }, "removing from a missing timeline does not create it");
  });

  it("trims to the cap, keeping the newest, and stays built", async (t) => {
    const s = await fresh(20);
    const ids = Array.from({ length: 50 }, (_, i) => BigInt(1000 + i));
    await s.finishBuild(7n, ids.slice(0, 30));
    t.deepEqual((await s.page(7n, undefined, 100)).ids, ids.slice(10, 30).reverse(), "finishBuild trims");
    for (const id of ids.slice(30)) await s.add([7n], [id]);
    const page = await s.page(7n, undefined, 100);
    t.true(page.built);
    t.deepEqual(page.ids, ids.slice(30).reverse());
    await s.add([7n], [5n]);
    t.deepEqual((await s.page(7n, undefined, 100)).ids, ids.slice(30).reverse(), "an id older than the window is trimmed at once");
  });

  it("writes many users' timelines in one call, whatever node holds them", async (t) => {
    const s = await fresh();
    const users = Array.from({ length: 600 }, (_, i) => BigInt(10_000 + i));
    for (const u of users.slice(0, 500)) await s.finishBuild(u, []);
    t.is(await s.add(users, [42n, 43n]), 500, "the 100 missing timelines are skipped");
    const has = await s.contains(users, 43n);
    t.deepEqual(has, users.map((_, i) => i < 500));
    await s.remove(users, [43n]);
    t.deepEqual(await s.contains(users, 43n), users.map(() => false));
    t.deepEqual((await s.page(users[499]!, undefined, 5)).ids, [42n]);
  });

  // Times are generous: a loaded test machine must not turn a slow call into a false expiry.
  it("an unread timeline expires; reading refreshes its time to live", async (t) => {
    const s = await fresh(800, 3000);
    await s.finishBuild(8n, [1n]);
    await s.finishBuild(9n, [1n]);
    const started = Date.now();
    while (Date.now() - started < 3500) {
      await sleep(700);
      t.true((await s.page(8n, undefined, 1)).built, `read at ${Date.now() - started} ms`);
    }
    t.false((await s.page(9n, undefined, 1)).built, "not read for 3.5 s: gone");
    t.is(await s.add([9n], [2n]), 0);
  });

  it("the build lock has one holder, is released by its token only, and expires", async (t) => {
    const s = await fresh();
    t.true(await s.tryLock(11n, "a", 5_000));
    t.false(await s.tryLock(11n, "b", 5_000));
    t.true(await s.isLocked(11n));
    await s.unlock(11n, "b");
    t.true(await s.isLocked(11n), "someone else's token does not release it");
    await s.unlock(11n, "a");
    t.false(await s.isLocked(11n));
    t.true(await s.tryLock(11n, "c", 1_000));
    await sleep(1_200);
    t.false(await s.isLocked(11n));
    t.true(await s.tryLock(11n, "d", 200));
  });

  it("keeps the set of large accounts", async (t) => {
    const s = await fresh();
    t.deepEqual(await s.largeAccounts(), []);
    await s.addLargeAccount(2n ** 62n + 1n);
    await s.addLargeAccount(5n);
    await s.addLargeAccount(5n);
    t.deepEqual((await s.largeAccounts()).sort(), [5n, 2n ** 62n + 1n].sort());
    t.true(await s.isLargeAccount(5n));
    t.false(await s.isLargeAccount(6n));
  });

  it("presence: online until the time to live runs out, extended by a later mark", async (t) => {
    const s = await fresh();
    t.deepEqual(await s.online([1n, 2n]), []);
    await s.markOnline(1n, 1_000);
    await s.markOnline(2n, 5_000);
    await s.markOnline(2n, 100); // a shorter mark never cuts a longer one
    const many = Array.from({ length: 2500 }, (_, i) => BigInt(i + 3));
    t.deepEqual(await s.online([3n, 2n, 1n, ...many]), [2n, 1n]);
    await sleep(1_200);
    t.deepEqual(await s.online([1n, 2n]), [2n]);
  });

  it("fan-out progress is kept until it expires", async (t) => {
    const s = await fresh();
    t.is(await s.getProgress("tweet:1"), undefined);
    await s.setProgress("tweet:1", { batches: 3, cursor: "abc", done: false }, 1_000);
    t.deepEqual(await s.getProgress("tweet:1"), { batches: 3, cursor: "abc", done: false });
    await sleep(1_200);
    t.is(await s.getProgress("tweet:1"), undefined);
  });

  it("states version: stable until bumped, read with a page in the same call, new after expiry", async (t) => {
    const s = await fresh(800, 2000);
    const v1 = await s.statesVersion(12n);
    t.is(await s.statesVersion(12n), v1, "reading does not change it");
    t.deepEqual(await s.page(12n, undefined, 5, true), { built: false, ids: [], statesVersion: v1 }, "a missing timeline still has one");
    await s.finishBuild(12n, [3n, 4n]);
    t.deepEqual(await s.page(12n, undefined, 5, true), { built: true, ids: [4n, 3n], statesVersion: v1 });
    await s.bumpStatesVersion(12n);
    const v2 = await s.statesVersion(12n);
    t.not(v2, v1);
    t.is((await s.page(12n, 3n, 5, true)).statesVersion, v2);
    t.not(await s.statesVersion(13n), v2, "per user");
    await s.bumpStatesVersion(14n);
    t.not(await s.statesVersion(14n), "1", "a bump does not create a missing version (from a value that may have been used)");
    await sleep(2_300);
    t.not(await s.statesVersion(12n), v2, "expired: a new one, not the old one again");
    const v3 = await s.statesVersion(12n);
    await s.dropAll();
    t.not(await s.statesVersion(12n), v3, "dropAll forgets it");
  });

  it("a list built complete says so, stays complete below the cap, and stops being complete at it", async (t) => {
    const s = await fresh(5);
    await s.finishBuild(1n, [3n, 2n, 1n], true);
    t.deepEqual(await s.page(1n, undefined, 20), { built: true, ids: [3n, 2n, 1n], complete: true });
    t.deepEqual(await s.page(1n, 2n, 20), { built: true, ids: [1n], complete: true }, "every page of it says so");
    await s.add([1n], [4n]);
    await s.remove([1n], [2n]);
    t.deepEqual(await s.page(1n, undefined, 20), { built: true, ids: [4n, 3n, 1n], complete: true }, "adds and removes keep it complete");
    await s.add([1n], [5n, 6n]);
    t.deepEqual(await s.page(1n, undefined, 20), { built: true, ids: [6n, 5n, 4n, 3n, 1n] }, "at the cap it may have lost ids: no longer complete");
    await s.finishBuild(2n, [2n, 1n]);
    t.deepEqual(await s.page(2n, undefined, 20), { built: true, ids: [2n, 1n] }, "not built complete: never complete");
  });

  it("contiguous lists: an incomplete built list takes no id below its oldest; builds drop late ones", async (t) => {
    const s = await fresh(10, 60_000, true);
    await s.finishBuild(1n, [30n, 20n]);
    t.is(await s.add([1n], [10n, 25n, 40n]), 1);
    t.deepEqual(await s.page(1n, undefined, 20), { built: true, ids: [40n, 30n, 25n, 20n] }, "10 would leave a gap below 20");
    await s.finishBuild(2n, [30n], true);
    await s.add([2n], [10n]);
    t.deepEqual(await s.page(2n, undefined, 20), { built: true, ids: [30n, 10n], complete: true }, "a complete list takes any id");
    await s.beginBuild(3n);
    await s.add([3n], [5n, 50n]);
    await s.finishBuild(3n, [30n, 20n]);
    t.deepEqual(await s.page(3n, undefined, 20), { built: true, ids: [50n, 30n, 20n] }, "an incomplete build drops what came in below its oldest");
    await s.beginBuild(4n);
    await s.add([4n], [5n]);
    await s.finishBuild(4n, [30n], true);
    t.deepEqual(await s.page(4n, undefined, 20), { built: true, ids: [30n, 5n], complete: true }, "a complete build keeps it");
    await s.beginBuild(5n);
    await s.add([5n], [7n]);
    await s.finishBuild(5n, []);
    t.is(await s.add([5n], [8n]), 1);
    t.deepEqual(await s.page(5n, undefined, 20), { built: true, ids: [] }, "an empty incomplete list has no oldest id: it takes none");
    const small = await fresh(3, 60_000, true);
    await small.finishBuild(1n, [5n, 4n, 3n]);
    await small.add([1n], [6n]);
    await small.add([1n], [3n]);
    t.deepEqual((await small.page(1n, undefined, 20)).ids, [6n, 5n, 4n], "trimmed at the cap, and the trimmed id does not come back");
    const home = await fresh(10);
    await home.finishBuild(1n, [30n]);
    await home.add([1n], [10n]);
    t.deepEqual((await home.page(1n, undefined, 20)).ids, [30n, 10n], "home timelines take older ids (a follow merges them in)");
  });

  it("dropAll forgets this store's data and nobody else's", async (t) => {
    const mine = await fresh();
    const other = await fresh();
    await mine.finishBuild(1n, [1n]);
    await mine.addLargeAccount(1n);
    await other.finishBuild(1n, [2n]);
    await mine.dropAll();
    t.deepEqual(await mine.page(1n, undefined, 5), { built: false, ids: [] });
    t.deepEqual(await mine.largeAccounts(), []);
    t.deepEqual(await other.page(1n, undefined, 5), { built: true, ids: [2n] });
    await mine.ping();
  });
}
