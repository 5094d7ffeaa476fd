// One contract for every NotificationStore adapter. Each suite shares one
// store; tests keep apart by using fresh user ids.
import type { TestFn } from "ava";
import { Snowflake } from "../../kit/snowflake.js";
import { monthExpiresMs, monthOfMs, monthStartMs } from "./months.js";
import type { NewNotification, NotificationStore, NotificationType } from "./port.js";

export const CONTRACT_RETENTION_MS = 30 * 24 * 3600 * 1000;

/** `now` is the store's clock: a test moves it past a month's expiry. */
export function notificationStoreContract(test: TestFn, name: string, open: (now: () => number) => Promise<{ store: NotificationStore; close: () => Promise<void> }>) {
  let opened: Promise<{ store: NotificationStore; close: () => Promise<void> }> | undefined;
  /** Set by the one (serial) test that stops the clock at a month's expiry. */
  let stopped: number | undefined;
  const now = () => stopped ?? Date.now();
  const store = async () => (await (opened ??= open(now))).store;
  test.after.always(async () => {
    if (opened) await (await opened).close();
  });
  const ids = new Snowflake({ workerId: Math.floor(Math.random() * 1000) });
  const users = new Snowflake({ workerId: 1023 });
  const user = () => users.next();
  // Event times, strictly increasing: an undo comes after what it undoes.
  let clock = Date.now();
  const tick = () => ++clock;

  const like = (tweetId: bigint, actorId: bigint, group = `like-${tweetId}-1`): NewNotification => ({
    id: ids.next(),
    type: "like",
    sourceKey: `like:${tweetId}:${actorId}`,
    groupKey: group,
    actorId,
    tweetId,
    at: tick(),
  });
  const single = (type: NotificationType, actorId: bigint, tweetId: bigint): NewNotification => {
    const id = ids.next();
    return { id, type, sourceKey: `${type}:${tweetId}:${actorId}`, groupKey: `ungrouped-${id}`, actorId, tweetId, at: tick() };
  };
  const allHeads = async (s: NotificationStore, u: bigint, limit: number, types?: Set<NotificationType>) => {
    const out: string[] = [];
    let before: bigint | undefined;
    for (let page = 0; page < 100; page++) {
      const p = await s.heads(u, { limit, before, types });
      out.push(...p.heads.map((h) => h.groupKey));
      if (!p.hasMore) return out;
      before = p.heads.at(-1)!.id;
    }
    throw new Error("heads never ended");
  };

  test(`${name}: an add is listed, counted unread once, and idempotent on its source`, async (t) => {
    const s = await store();
    const [u, a] = [user(), user()];
    const n = like(7n, a);
    t.deepEqual(await s.add(u, n), { added: true });
    t.deepEqual(await s.add(u, { ...n, id: ids.next() }), { added: false });
    t.deepEqual(await s.unread(u), { count: 1, lastReadId: 0n });
    const page = await s.heads(u, { limit: 10 });
    t.deepEqual(page, { heads: [{ id: n.id, groupKey: n.groupKey, type: "like", tweetId: 7n, at: n.at, count: 1, sampleActorIds: [a] }], hasMore: false });
    t.deepEqual(await s.groups(u, [n.groupKey], 8), new Map([[n.groupKey, { count: 1, sampleActorIds: [a], latestId: n.id, latestAt: n.at }]]));
  });

  test(`${name}: a group has one head, its newest; removing members moves it back, then drops the group`, async (t) => {
    const s = await store();
    const u = user();
    const actors = [user(), user(), user()];
    const ns = [];
    for (const a of actors) {
      const n = like(9n, a);
      ns.push(n);
      await s.add(u, n);
    }
    const reply = single("reply", actors[0]!, 11n);
    await s.add(u, reply);
    const heads = (await s.heads(u, { limit: 10 })).heads;
    t.deepEqual(
      heads.map((h) => [h.id, h.groupKey, h.count, h.sampleActorIds]),
      [
        [reply.id, reply.groupKey, 1, [actors[0]]],
        [ns[2]!.id, "like-9-1", 3, [actors[2], actors[1], actors[0]]],
      ],
    );
    t.deepEqual((await s.groups(u, ["like-9-1"], 2)).get("like-9-1"), { count: 3, sampleActorIds: [actors[2], actors[1]], latestId: ns[2]!.id, latestAt: ns[2]!.at });
    t.is((await s.unread(u)).count, 4);

    const removed = await s.remove(u, ns[2]!.sourceKey, tick());
    t.deepEqual(removed.removed, { id: ns[2]!.id, groupKey: "like-9-1", type: "like", tweetId: 9n });
    t.deepEqual(await s.remove(u, ns[2]!.sourceKey, tick()), {});
    t.deepEqual(
      (await s.heads(u, { limit: 10 })).heads.map((h) => [h.id, h.count, h.sampleActorIds]),
      [
        [reply.id, 1, [actors[0]]],
        [ns[1]!.id, 2, [actors[1], actors[0]]],
      ],
    );
    t.is((await s.groups(u, ["like-9-1"], 8)).get("like-9-1")?.count, 2);
    await s.remove(u, ns[1]!.sourceKey, tick());
    await s.remove(u, ns[0]!.sourceKey, tick());
    t.deepEqual(
      (await s.heads(u, { limit: 10 })).heads.map((h) => h.id),
      [reply.id],
    );
    t.false((await s.groups(u, ["like-9-1"], 8)).has("like-9-1"));
    t.is((await s.unread(u)).count, 1);
    // Liked again after all that: exactly one.
    await s.add(u, like(9n, actors[0]!));
    t.is((await s.groups(u, ["like-9-1"], 8)).get("like-9-1")?.count, 1);
  });

  test(`${name}: heads page newest first with a cursor and a type filter`, async (t) => {
    const s = await store();
    const u = user();
    const made: NewNotification[] = [];
    for (let i = 0; i < 7; i++) {
      const n = i % 2 === 0 ? single("mention", user(), BigInt(100 + i)) : single("follow", user(), 0n);
      made.push(n);
      await s.add(u, n);
    }
    const newestFirst = made.map((n) => n.groupKey).reverse();
    t.deepEqual(await allHeads(s, u, 3), newestFirst);
    t.deepEqual(await allHeads(s, u, 1), newestFirst);
    const first = await s.heads(u, { limit: 7 });
    t.false(first.hasMore);
    t.deepEqual(
      await allHeads(s, u, 2, new Set(["follow"])),
      made.filter((n) => n.type === "follow").map((n) => n.groupKey).reverse(),
    );
    t.deepEqual(await s.heads(u, { limit: 5, before: made[0]!.id }), { heads: [], hasMore: false });
    t.deepEqual(await s.heads(user(), { limit: 5 }), { heads: [], hasMore: false });
  });

  test(`${name}: mark read never moves back, counts what stays unread, and concurrent calls settle on the highest`, async (t) => {
    const s = await store();
    const u = user();
    const made: NewNotification[] = [];
    for (let i = 0; i < 6; i++) {
      const n = single("mention", user(), BigInt(200 + i));
      made.push(n);
      await s.add(u, n);
    }
    t.deepEqual(await s.markRead(u, made[3]!.id), { count: 2, lastReadId: made[3]!.id });
    t.deepEqual(await s.markRead(u, made[1]!.id), { count: 2, lastReadId: made[3]!.id });
    t.deepEqual(await s.unread(u), { count: 2, lastReadId: made[3]!.id });
    // Removing a read one leaves the count; an unread one lowers it.
    await s.remove(u, made[0]!.sourceKey, tick());
    t.is((await s.unread(u)).count, 2);
    await s.remove(u, made[5]!.sourceKey, tick());
    t.is((await s.unread(u)).count, 1);
    await Promise.all([made[4]!, made[2]!, made[3]!].map((n) => s.markRead(u, n.id)));
    t.deepEqual(await s.unread(u), { count: 0, lastReadId: made[4]!.id });
  });

  test.serial(`${name}: a month's notifications expire together, out of the unread count and the pages`, async (t) => {
    const s = await store();
    const u = user();
    // Made on the 2nd of this month, so both are of one month whatever the day.
    const month = monthOfMs(Date.now());
    const then = new Snowflake({ workerId: 1022, now: () => monthStartMs(month) + 86_400_000 });
    const old = [501n, 502n].map((tweetId) => ({ ...single("mention", user(), tweetId), id: then.next() }));
    for (const n of old) await s.add(u, n);
    const expires = monthExpiresMs(month, CONTRACT_RETENTION_MS);
    try {
      stopped = expires - 1;
      t.deepEqual(await s.unread(u), { count: 2, lastReadId: 0n }, "kept for the retention after their month ends");
      t.is((await s.heads(u, { limit: 10 })).heads.length, 2);
      stopped = expires;
      t.deepEqual(await s.unread(u), { count: 0, lastReadId: 0n }, "expired: no longer unread");
      t.deepEqual((await s.heads(u, { limit: 10 })).heads, [], "nor listed");
      const fresh = { ...single("mention", user(), 503n), id: new Snowflake({ workerId: 1022, now }).next(), at: now() };
      await s.add(u, fresh);
      t.deepEqual(await s.unread(u), { count: 1, lastReadId: 0n }, "a new one counts alone");
      t.deepEqual((await s.heads(u, { limit: 10 })).heads.map((h) => h.id), [fresh.id]);
      t.deepEqual(await s.markRead(u, fresh.id), { count: 0, lastReadId: fresh.id });
    } finally {
      stopped = undefined;
    }
  });

  test(`${name}: the unread count stays exact under concurrent adds, removes and mark-reads`, async (t) => {
    const s = await store();
    const u = user();
    const made = Array.from({ length: 24 }, (_, i) => like(BigInt(300 + (i % 3)), user(), `like-${300 + (i % 3)}-1`));
    await Promise.all(made.slice(0, 12).map((n) => s.add(u, n)));
    await Promise.all([
      ...made.slice(12).map((n) => s.add(u, n)),
      ...made.slice(0, 4).map((n) => s.remove(u, n.sourceKey, tick())),
      s.markRead(u, made[8]!.id),
      ...made.slice(12, 16).map((n) => s.add(u, { ...n, id: ids.next() })),
    ]);
    const marker = (await s.unread(u)).lastReadId;
    t.is(marker, made[8]!.id);
    const expected = made.slice(4).filter((n) => n.id > marker).length;
    t.is((await s.unread(u)).count, expected);
    // Every group has exactly one head, at its newest member, with its count, once the writes have settled.
    const heads = (await s.heads(u, { limit: 80 })).heads;
    const groups = await s.groups(u, ["like-300-1", "like-301-1", "like-302-1"], 8);
    t.deepEqual(heads.map((h) => h.groupKey).sort(), ["like-300-1", "like-301-1", "like-302-1"]);
    for (const h of heads) {
      const g = groups.get(h.groupKey);
      t.deepEqual([h.id, h.count], [g?.latestId, g?.count], h.groupKey);
    }
    t.is([...groups.values()].reduce((a, g) => a + g.count, 0), 20);
  });

  test(`${name}: a tweet's notified users are recorded for its deletion`, async (t) => {
    const s = await store();
    const [a, b] = [user(), user()];
    const tweet = ids.next();
    t.deepEqual(await s.sources(tweet), { entries: [], deleted: false });
    await s.recordSources(tweet, [
      { userId: a, sourceKey: `reply:${tweet}` },
      { userId: b, sourceKey: `mention:${tweet}` },
    ]);
    await s.recordSources(tweet, [{ userId: b, sourceKey: `mention:${tweet}` }]);
    const got = await s.sources(tweet);
    t.deepEqual(
      got.entries.sort((x, y) => (x.userId < y.userId ? -1 : 1)),
      [
        { userId: a, sourceKey: `reply:${tweet}` },
        { userId: b, sourceKey: `mention:${tweet}` },
      ],
    );
    t.false(got.deleted);
    t.false(await s.tweetDeleted(tweet));
    await s.markTweetDeleted(tweet);
    t.true((await s.sources(tweet)).deleted);
    t.true(await s.tweetDeleted(tweet));
    t.false(await s.tweetDeleted(ids.next()));
    t.deepEqual(await s.sources(ids.next()), { entries: [], deleted: false });
  });

  test(`${name}: events handled out of order: an undo before its action, a late undo after a redo`, async (t) => {
    const s = await store();
    const [u, a] = [user(), user()];
    const first = like(21n, a);
    const undoneAt = tick();
    // The unlike is handled first: the like that it undid is skipped when it comes.
    t.deepEqual(await s.remove(u, first.sourceKey, undoneAt), {});
    t.deepEqual(await s.add(u, first), { added: false });
    t.deepEqual((await s.heads(u, { limit: 10 })).heads, []);
    t.is((await s.unread(u)).count, 0);
    // Liked again after the unlike: added.
    const again = like(21n, a);
    t.deepEqual(await s.add(u, again), { added: true });
    // An undo from before that like, handled late, leaves it.
    t.deepEqual(await s.remove(u, again.sourceKey, undoneAt - 1), {});
    t.deepEqual((await s.heads(u, { limit: 10 })).heads.map((h) => h.id), [again.id]);
    t.is((await s.unread(u)).count, 1);
    // An undo after it removes it.
    t.is((await s.remove(u, again.sourceKey, tick())).removed?.id, again.id);
    t.is((await s.unread(u)).count, 0);
  });
}
