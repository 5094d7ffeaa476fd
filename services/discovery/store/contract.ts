// One contract for every DiscoveryStore adapter (store.test.ts runs it in
// process, on Redis and on the Redis Cluster). Each test gets a store of its
// own (a fresh key prefix on Redis). Times are real ones, near now: Redis
// expires records at their real time.
import { randomBytes } from "node:crypto";
import type { ExecutionContext, TestFn } from "ava";
import { DAY_MS, HOUR_MS, RETENTION_MS, windowSpec } from "../trends/windows.js";
import type { DiscoveryStore, TweetContribution } from "./port.js";

export type MakeStore = () => Promise<DiscoveryStore>;

const newId = () => BigInt(randomBytes(6).readUIntBE(0, 6)) + 1n;
const tagName = () => `t${randomBytes(4).toString("hex")}`;

export function discoveryStoreContract(test: TestFn, name: string, make: MakeStore) {
  const it = (title: string, body: (t: ExecutionContext, store: DiscoveryStore) => Promise<void>) =>
    test(`${name}: ${title}`, async (t) => {
      const store = await make();
      try {
        await body(t, store);
      } finally {
        await store.close();
      }
    });

  // A whole minute, so window edges are easy to reason about.
  const NOW = Math.floor(Date.now() / 60_000) * 60_000;
  const tweet = (authorId: bigint, tags: string[], at: number, weight: 1 | 2 = 2): TweetContribution => ({ tweetId: newId(), authorId, tags, at, weight });
  const lastHour = async (s: DiscoveryStore, tag: string) => {
    const w = (await s.trends.countWindows([tag], windowSpec(NOW))).get(tag)!;
    return { unique: w.unique[0]![0]!, weighted: w.weighted[0]![0]! };
  };

  it("counts distinct authors, not tweets: one account posting a tag 500 times is one author", async (t, s) => {
    const tag = tagName();
    const noisy = newId();
    for (let i = 0; i < 500; i++) t.true(await s.trends.addTweet(tweet(noisy, [tag], NOW - 1000 - i), RETENTION_MS));
    for (let i = 0; i < 3; i++) await s.trends.addTweet(tweet(newId(), [tag], NOW - 5000), RETENTION_MS);
    t.deepEqual(await lastHour(s, tag), { unique: 4, weighted: 8 });
    t.is((await s.trends.tweetCounts([tag], NOW - HOUR_MS, NOW)).get(tag), 503);
  });

  it("windows: the same hour of earlier days and earlier hours land where the spec says; weight counts in halves, each author at most once", async (t, s) => {
    const tag = tagName();
    const [a, b, c] = [newId(), newId(), newId()];
    await s.trends.addTweet(tweet(a, [tag], NOW - 10), RETENTION_MS); // (0, 0)
    await s.trends.addTweet(tweet(b, [tag], NOW - HOUR_MS), RETENTION_MS); // (0, 0): the window's first ms
    await s.trends.addTweet(tweet(c, [tag], NOW - HOUR_MS - 1, 1), RETENTION_MS); // (0, 1), half
    await s.trends.addTweet(tweet(c, [tag], NOW - HOUR_MS - 2, 2), RETENTION_MS); // (0, 1): the higher weight counts
    await s.trends.addTweet(tweet(a, [tag], NOW - DAY_MS - 30 * 60_000), RETENTION_MS); // (1, 0)
    await s.trends.addTweet(tweet(a, [tag], NOW - 7 * DAY_MS - 12 * HOUR_MS - 1), RETENTION_MS); // (7, 12)
    await s.trends.addTweet(tweet(b, [tag], NOW - 13 * HOUR_MS - 1), RETENTION_MS); // in no window
    await s.trends.addTweet(tweet(b, [tag], NOW + 1), RETENTION_MS); // the future: in no window
    const w = (await s.trends.countWindows([tag], windowSpec(NOW))).get(tag)!;
    t.is(w.unique.length, 8);
    t.is(w.unique[0]!.length, 13);
    const nonZero = (g: number[][]) => g.flatMap((row, d) => row.flatMap((v, k) => (v ? [`${d},${k}=${v}`] : [])));
    t.deepEqual(nonZero(w.unique), ["0,0=2", "0,1=1", "1,0=1", "7,12=1"]);
    t.deepEqual(nonZero(w.weighted), ["0,0=4", "0,1=2", "1,0=2", "7,12=2"]);
  });

  it("a redelivered tweet counts once, with the first delivery's weight", async (t, s) => {
    const tag = tagName();
    const c = tweet(newId(), [tag, tagName()], NOW - 60_000, 1);
    t.true(await s.trends.addTweet(c, RETENTION_MS));
    t.true(await s.trends.addTweet({ ...c, weight: 2 }, RETENTION_MS));
    t.true(await s.trends.addTweet(c, RETENTION_MS));
    t.deepEqual(await lastHour(s, tag), { unique: 1, weighted: 1 });
    t.is((await s.trends.tweetCounts([tag], NOW - HOUR_MS, NOW)).get(tag), 1);
  });

  it("a delete takes the tweet back under every tag; twice is as once; an author with another tweet there still counts", async (t, s) => {
    const [x, y] = [tagName(), tagName()];
    const author = newId();
    const first = tweet(author, [x, y], NOW - 60_000);
    const second = tweet(author, [x], NOW - 120_000);
    const other = tweet(newId(), [y], NOW - 60_000);
    for (const c of [first, second, other]) await s.trends.addTweet(c, RETENTION_MS);
    t.true(await s.trends.removeTweet(first.tweetId, NOW + RETENTION_MS));
    t.false(await s.trends.removeTweet(first.tweetId, NOW + RETENTION_MS));
    t.deepEqual(await lastHour(s, x), { unique: 1, weighted: 2 });
    t.deepEqual(await lastHour(s, y), { unique: 1, weighted: 2 });
    t.true(await s.trends.removeTweet(second.tweetId, NOW + RETENTION_MS));
    t.deepEqual(await lastHour(s, x), { unique: 0, weighted: 0 });
    // A redelivered create of a deleted tweet does not bring it back.
    t.false(await s.trends.addTweet(first, RETENTION_MS));
    t.deepEqual(await lastHour(s, x), { unique: 0, weighted: 0 });
  });

  it("a delete that comes before its tweet keeps the tweet from counting", async (t, s) => {
    const tag = tagName();
    const c = tweet(newId(), [tag], NOW - 60_000);
    t.false(await s.trends.removeTweet(c.tweetId, NOW + RETENTION_MS));
    t.false(await s.trends.addTweet(c, RETENTION_MS));
    t.deepEqual(await lastHour(s, tag), { unique: 0, weighted: 0 });
  });

  it("removing an author takes back every tweet of theirs in one call", async (t, s) => {
    const [x, y] = [tagName(), tagName()];
    const [gone, stays] = [newId(), newId()];
    for (let i = 0; i < 5; i++) await s.trends.addTweet(tweet(gone, [i % 2 ? x : y], NOW - i * HOUR_MS - 1000), RETENTION_MS);
    await s.trends.addTweet(tweet(stays, [x], NOW - 1000), RETENTION_MS);
    t.is(await s.trends.removeAuthor(gone, NOW + RETENTION_MS), 5);
    t.is(await s.trends.removeAuthor(gone, NOW + RETENTION_MS), 0);
    const w = await s.trends.countWindows([x, y], windowSpec(NOW));
    t.is(w.get(x)!.unique.flat().reduce((a, b) => a + b, 0), 1);
    t.is(w.get(y)!.unique.flat().reduce((a, b) => a + b, 0), 0);
  });

  it("recent tags, and pruning what is older than the retention", async (t, s) => {
    const [fresh, old] = [tagName(), tagName()];
    await s.trends.addTweet(tweet(newId(), [fresh], NOW - 1000), RETENTION_MS);
    await s.trends.addTweet(tweet(newId(), [old], NOW - 3 * HOUR_MS), RETENTION_MS);
    await s.trends.addTweet(tweet(newId(), [fresh], NOW - 5 * HOUR_MS), RETENTION_MS);
    t.deepEqual((await s.trends.recentTags(NOW - HOUR_MS)).sort(), [fresh]);
    t.deepEqual((await s.trends.recentTags(NOW - 4 * HOUR_MS)).sort(), [fresh, old].sort());
    await s.trends.prune([fresh, old], NOW - 2 * HOUR_MS, NOW);
    t.deepEqual(await s.trends.recentTags(0), [fresh]);
    t.is((await s.trends.tweetCounts([fresh], 0, NOW)).get(fresh), 1);
    t.is((await s.trends.tweetCounts([old], 0, NOW)).get(old), 0);
  });

  it("a claim goes to exactly one caller per job and run", async (t, s) => {
    const bucket = Math.floor(Math.random() * 1e9);
    const claims = await Promise.all(Array.from({ length: 5 }, () => s.trends.claim("trends", bucket, 60_000)));
    t.is(claims.filter(Boolean).length, 1);
    t.true(await s.trends.claim("trends", bucket + 1, 60_000));
    t.true(await s.trends.claim("other", bucket, 60_000));
  });

  it("the computed trends are kept byte for byte", async (t, s) => {
    t.is(await s.trends.loadTrends(), undefined);
    const bytes = new Uint8Array([0, 1, 0x76, 255, 10]);
    await s.trends.saveTrends(bytes);
    t.deepEqual([...(await s.trends.loadTrends())!], [...bytes]);
  });

  it("dismissals: kept from when they were made, the oldest dropped past the retention", async (t, s) => {
    const user = newId();
    const [a, b] = [newId(), newId()];
    await s.suggestions.dismiss(user, a, NOW - 100 * DAY_MS, 90 * DAY_MS);
    await s.suggestions.dismiss(user, b, NOW, 90 * DAY_MS);
    t.deepEqual(await s.suggestions.dismissed(user, NOW - 90 * DAY_MS), new Set([b]));
    t.deepEqual(await s.suggestions.dismissed(newId(), 0), new Set());
    await s.suggestions.dismiss(user, a, NOW, 90 * DAY_MS);
    t.deepEqual([...(await s.suggestions.dismissed(user, NOW - 90 * DAY_MS))].sort(), [a, b].sort());
  });

  it("cached suggestions: read back, dropped by an invalidation, and a fill computed before it is refused", async (t, s) => {
    const user = newId();
    const first = await s.suggestions.readCache(user);
    t.is(first.value, undefined);
    t.true(await s.suggestions.fillCache(user, new Uint8Array([1, 2, 0x76]), first.generation, 60_000));
    t.deepEqual([...(await s.suggestions.readCache(user)).value!], [1, 2, 0x76]);
    await s.suggestions.invalidate([user, newId()]);
    const after = await s.suggestions.readCache(user);
    t.is(after.value, undefined);
    t.false(await s.suggestions.fillCache(user, new Uint8Array([9]), first.generation, 60_000), "computed before the follow: refused");
    t.is((await s.suggestions.readCache(user)).value, undefined);
    t.true(await s.suggestions.fillCache(user, new Uint8Array([3]), after.generation, 60_000));
    t.deepEqual([...(await s.suggestions.readCache(user)).value!], [3]);
  });

  it("cached suggestions expire", async (t, s) => {
    const user = newId();
    t.true(await s.suggestions.fillCache(user, new Uint8Array([1]), 0, 150));
    t.truthy((await s.suggestions.readCache(user)).value);
    await new Promise((r) => setTimeout(r, 400));
    t.is((await s.suggestions.readCache(user)).value, undefined);
  });

  it("activity keeps each user's newest tweet time; pruning forgets the old", async (t, s) => {
    const [a, b, c] = [newId(), newId(), newId()];
    await s.suggestions.recordActivity([
      [a, NOW - 1000],
      [b, NOW - 100 * DAY_MS],
    ]);
    await s.suggestions.recordActivity([[a, NOW - 5000]]);
    await s.suggestions.recordActivity([[b, NOW - 2000]]);
    t.deepEqual(await s.suggestions.lastActive([a, b, c]), new Map([[a, NOW - 1000], [b, NOW - 2000]]));
    await s.suggestions.recordActivity([[c, NOW - 100 * DAY_MS]]);
    await s.suggestions.pruneActivity(NOW - 90 * DAY_MS);
    t.deepEqual(await s.suggestions.lastActive([a, c]), new Map([[a, NOW - 1000]]));
    t.deepEqual(await s.suggestions.lastActive([]), new Map());
  });

  it("kept follow lists: read back in order, dropped, expired; a user with none kept is absent", async (t, s) => {
    const [a, b, c] = [newId(), newId(), newId()];
    const theirs = [newId(), newId(), 1n, 2n ** 62n];
    await s.suggestions.fillFollows([[a, theirs], [b, []]], 60_000);
    await s.suggestions.fillFollows([[c, [5n]]], 150);
    t.deepEqual(await s.suggestions.readFollows([a, b, c, newId()]), new Map([[a, theirs], [b, []], [c, [5n]]]));
    await s.suggestions.dropFollows([a]);
    await new Promise((r) => setTimeout(r, 400));
    t.deepEqual(await s.suggestions.readFollows([a, b, c]), new Map([[b, []]]));
  });

  it("the most followed, most followed first; zero followers forgets an account", async (t, s) => {
    const [a, b, c] = [newId(), newId(), newId()];
    await s.suggestions.setFollowers(a, 10);
    await s.suggestions.setFollowers(b, 300);
    await s.suggestions.setFollowers(c, 20);
    await s.suggestions.setFollowers(a, 40);
    t.deepEqual(await s.suggestions.popular(2), [b, a]);
    await s.suggestions.setFollowers(b, 0);
    t.deepEqual(await s.suggestions.popular(10), [a, c]);
  });
}
