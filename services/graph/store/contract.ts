// One contract for every GraphStore adapter. Each suite shares one store;
// tests keep apart by using fresh user ids.
import type { TestFn } from "ava";
import { Snowflake } from "../../kit/snowflake.js";
import type { GraphStore, ListKind } from "./port.js";

export function graphStoreContract(test: TestFn, name: string, open: () => Promise<{ store: GraphStore; close: () => Promise<void> }>) {
  let opened: Promise<{ store: GraphStore; close: () => Promise<void> }> | undefined;
  const store = async () => (await (opened ??= open())).store;
  test.after.always(async () => {
    if (opened) await (await opened).close();
  });
  const ids = new Snowflake({ workerId: Math.floor(Math.random() * 1000) });
  // User ids need only be distinct; Snowflakes from another worker are.
  const users = new Snowflake({ workerId: 1023 });
  const user = () => users.next();

  const all = async (s: GraphStore, kind: ListKind, u: bigint, pageSize = 1000) => {
    const out: bigint[] = [];
    let before: bigint | undefined;
    for (;;) {
      const page = await s.list(kind, u, pageSize, before);
      out.push(...page.edges.map((e) => e.userId));
      if (!page.hasMore) return out;
      before = page.edges.at(-1)!.edgeId;
    }
  };

  test(`${name}: follow is idempotent and counted once`, async (t) => {
    const s = await store();
    const [a, b] = [user(), user()];
    const e1 = ids.next();
    t.deepEqual(await s.follow(a, b, e1), { created: true, edgeId: e1 });
    t.deepEqual(await s.follow(a, b, ids.next()), { created: false, edgeId: e1 });
    const counts = await s.counts([a, b]);
    t.deepEqual(counts.get(a), { followers: 0n, following: 1n });
    t.deepEqual(counts.get(b), { followers: 1n, following: 0n });
    t.deepEqual((await s.list("followers", b, 10)).edges, [{ userId: a, edgeId: e1 }]);
    t.deepEqual((await s.list("following", a, 10)).edges, [{ userId: b, edgeId: e1 }]);
  });

  test(`${name}: unfollow is idempotent, remembers the ended edge, and a re-follow is a new edge`, async (t) => {
    const s = await store();
    const [a, b, c] = [user(), user(), user()];
    t.deepEqual(await s.unfollow(a, b), { removed: false });
    const e1 = ids.next();
    await s.follow(a, b, e1);
    t.deepEqual(await s.unfollow(a, b), { removed: true, edgeId: e1 });
    t.deepEqual(await s.unfollow(a, b), { removed: false, edgeId: e1 });
    t.deepEqual((await s.counts([a, b])).get(b), { followers: 0n, following: 0n });
    t.deepEqual((await s.list("followers", b, 10)).edges, []);
    t.deepEqual((await s.list("following", a, 10)).edges, []);
    const e2 = ids.next();
    t.deepEqual(await s.follow(a, b, e2), { created: true, edgeId: e2 });
    await s.follow(c, b, ids.next());
    t.deepEqual(await all(s, "followers", b), [c, a]);
    t.deepEqual((await s.list("following", a, 10)).edges, [{ userId: b, edgeId: e2 }]);
    t.deepEqual((await s.counts([b])).get(b), { followers: 2n, following: 0n });
  });

  test(`${name}: lists come newest first in bounded pages`, async (t) => {
    const s = await store();
    const target = user();
    const followers = Array.from({ length: 7 }, user);
    for (const f of followers) await s.follow(f, target, ids.next());
    const newestFirst = [...followers].reverse();
    const p1 = await s.list("followers", target, 3);
    t.deepEqual(p1.edges.map((e) => e.userId), newestFirst.slice(0, 3));
    t.true(p1.hasMore);
    const p2 = await s.list("followers", target, 3, p1.edges.at(-1)!.edgeId);
    t.deepEqual(p2.edges.map((e) => e.userId), newestFirst.slice(3, 6));
    t.true(p2.hasMore);
    const p3 = await s.list("followers", target, 3, p2.edges.at(-1)!.edgeId);
    t.deepEqual(p3.edges.map((e) => e.userId), newestFirst.slice(6));
    t.false(p3.hasMore);
    const exact = await s.list("followers", target, 7);
    t.is(exact.edges.length, 7);
    t.false(exact.hasMore, "a page that ends exactly at the last edge says so");
    t.deepEqual((await s.list("followers", target, 3, 1n)).edges, []);
    t.deepEqual((await s.list("followers", user(), 3)).edges, []);
  });

  test(`${name}: paging is stable when edges are added or removed between pages`, async (t) => {
    const s = await store();
    const target = user();
    const followers = Array.from({ length: 6 }, user);
    for (const f of followers) await s.follow(f, target, ids.next());
    const p1 = await s.list("followers", target, 2);
    // Between pages: a new follower (newer than every cursor), and one of the
    // next page's followers leaves.
    await s.follow(user(), target, ids.next());
    await s.unfollow(followers[3]!, target);
    const rest = [];
    let before = p1.edges.at(-1)!.edgeId;
    for (;;) {
      const page = await s.list("followers", target, 2, before);
      rest.push(...page.edges.map((e) => e.userId));
      if (!page.hasMore) break;
      before = page.edges.at(-1)!.edgeId;
    }
    t.deepEqual(p1.edges.map((e) => e.userId), [followers[5], followers[4]]);
    t.deepEqual(rest, [followers[2], followers[1], followers[0]], "no repeats, no skips of edges still present");
  });

  test(`${name}: 50 concurrent follows of one account count exactly 50`, async (t) => {
    const s = await store();
    const target = user();
    const followers = Array.from({ length: 50 }, user);
    // Each follower twice, at once: 100 racing calls, 50 edges.
    const results = await Promise.all([...followers, ...followers].map((f) => s.follow(f, target, ids.next())));
    t.is(results.filter((r) => r.created).length, 50);
    t.deepEqual((await s.counts([target])).get(target), { followers: 50n, following: 0n });
    t.is((await all(s, "followers", target, 7)).length, 50);
    const fc = await s.counts(followers);
    t.true(followers.every((f) => fc.get(f)!.following === 1n));
  });

  test(`${name}: racing follows and unfollows of one edge leave counts, edge and lists agreeing`, async (t) => {
    const s = await store();
    const [a, b] = [user(), user()];
    const ops = Array.from({ length: 30 }, (_, i) => (i % 2 ? s.unfollow(a, b) : s.follow(a, b, ids.next())));
    const results = await Promise.all(ops);
    const created = results.filter((r) => "created" in r && r.created).length;
    const removed = results.filter((r) => "removed" in r && r.removed).length;
    const rel = await s.relationships(a, [b]);
    const live = rel.following.has(b) ? 1 : 0;
    t.is(created - removed, live);
    t.deepEqual((await s.counts([b])).get(b), { followers: BigInt(live), following: 0n });
    t.deepEqual((await s.counts([a])).get(a), { followers: 0n, following: BigInt(live) });
    t.is((await s.list("followers", b, 10)).edges.length, live);
    t.is((await s.list("following", a, 10)).edges.length, live);
  });

  test(`${name}: relationships in both directions`, async (t) => {
    const s = await store();
    const [me, x, y, z] = [user(), user(), user(), user()];
    await s.follow(me, x, ids.next());
    await s.follow(y, me, ids.next());
    await s.follow(me, z, ids.next());
    await s.follow(z, me, ids.next());
    await s.follow(me, y, ids.next());
    await s.unfollow(me, y);
    const r = await s.relationships(me, [x, y, z, user()]);
    t.deepEqual([...r.following].sort(), [x, z].sort());
    t.deepEqual([...r.followedBy].sort(), [y, z].sort());
    const only = await s.relationships(me, [x, y, z], { followingOnly: true });
    t.deepEqual([...only.following].sort(), [x, z].sort());
    t.deepEqual([...only.followedBy], [], "followingOnly: who follows back is not read");
  });

  test(`${name}: counts of unknown users are zeros, ping answers`, async (t) => {
    const s = await store();
    const u = user();
    t.deepEqual([...(await s.counts([u]))], [[u, { followers: 0n, following: 0n }]]);
    await t.notThrowsAsync(s.ping());
  });
}
