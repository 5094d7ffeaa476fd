// The graph service end to end: real Connect gRPC clients against started
// user + graph targets, in both modes (LMDB + in-process bus; Cassandra +
// JetStream), including the events it publishes.
import test, { type ExecutionContext } from "ava";
import { randomBytes } from "node:crypto";
import { fromBinary } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { FollowedEventSchema, UnfollowedEventSchema } from "../../gen/chirp/graph/v1/events_pb.js";
import type { BusMessage, EventBus } from "../platform/bus/port.js";
import { SUBJECTS } from "../platform/bus/streams.js";
import { MODES, type Mode } from "../testing/runtime.js";
import { startChirp, type Chirp } from "../testing/chirp.js";
import { busEvents } from "./events.js";

/** Fails publishes while fault.on; everything else goes to the real bus. */
function faultable(bus: EventBus, fault: { on: boolean }): EventBus {
  return {
    publish: (subject, data, msgId) => (fault.on ? Promise.reject(new Error("injected publish failure")) : bus.publish(subject, data, msgId)),
    consume: (spec) => bus.consume(spec),
    publishEphemeral: (subject, data) => bus.publishEphemeral(subject, data),
    subscribeEphemeral: (subject, fn) => bus.subscribeEphemeral(subject, fn),
    ping: () => bus.ping(),
    close: () => bus.close(),
  };
}

type System = Chirp & { busFault: { on: boolean } };

// The user, graph and tweet services per mode, started by the first test that
// needs them; the graph service's publishes fail while busFault.on.
const pairs = new Map<Mode, Promise<System>>();
const pairFor = (mode: Mode) => {
  if (!pairs.has(mode)) {
    const busFault = { on: false };
    const started = startChirp({
      mode,
      label: `graph_${mode}`,
      targets: ["user", "graph", "tweet"],
      overrides: (rt) => ({ graph: { events: busEvents(faultable(rt.bus, busFault), rt.logger, [5, 5]) } }),
    });
    pairs.set(mode, started.then((c) => Object.assign(c, { busFault })));
  }
  return pairs.get(mode)!;
};
test.after.always(async () => {
  for (const p of pairs.values()) await (await p.catch(() => undefined))?.stop();
});

async function rpcError(t: ExecutionContext, p: Promise<unknown>): Promise<ConnectError> {
  const ce = ConnectError.from(await t.throwsAsync(p));
  t.not(ce.code, Code.Unknown, "never UNKNOWN");
  return ce;
}

async function newUser(p: System): Promise<bigint> {
  const username = `g${randomBytes(6).toString("hex")}`.slice(0, 15);
  const res = await p.clients.user.register({ username, email: `${username}@example.com`, password: "Password-123" });
  return res.user!.userId;
}

/** Every event on the graph subjects from now on, by message id. */
async function recordEvents(p: System, durable: string) {
  const got: BusMessage[] = [];
  const sub = await p.rt.bus.consume({
    durable,
    subjects: [SUBJECTS.graphFollowed, SUBJECTS.graphUnfollowed],
    handler: async (m) => void got.push(m),
  });
  return {
    got,
    async waitFor(msgIds: string[], ms = 5000) {
      const until = Date.now() + ms;
      while (Date.now() < until && !msgIds.every((id) => got.some((m) => m.msgId === id))) await new Promise((r) => setTimeout(r, 20));
      // Give duplicates a moment to show up, if there were any.
      await new Promise((r) => setTimeout(r, 200));
    },
    stop: () => sub.stop(),
  };
}

for (const mode of MODES) {
  const pair = () => pairFor(mode);

  test(`${mode}: follow is idempotent, counted once, shown in both lists and in profiles`, async (t) => {
    const p = await pair();
    const [a, b] = [await newUser(p), await newUser(p)];
    const asA = await p.as(a);
    t.true((await p.clients.graph.follow({ userId: a, followeeId: b }, asA)).created);
    t.false((await p.clients.graph.follow({ userId: a, followeeId: b }, asA)).created);
    t.like((await p.clients.graph.getCounts({ userId: b })).counts, { userId: b, followerCount: 1n, followingCount: 0n });
    t.like((await p.clients.graph.getCounts({ userId: a })).counts, { userId: a, followerCount: 0n, followingCount: 1n });
    const followers = await p.clients.graph.listFollowers({ userId: b });
    t.deepEqual(followers.followers.map((e) => e.userId), [a]);
    t.truthy(followers.followers[0]!.createdAt);
    t.false(followers.hasMore);
    t.is(followers.nextCursor, "");
    t.deepEqual((await p.clients.graph.listFollowing({ userId: a })).following.map((e) => e.userId), [b]);
    t.like((await p.clients.user.getUser({ userId: b })).user, { followerCount: 1n, followingCount: 0n });

    t.true((await p.clients.graph.unfollow({ userId: a, followeeId: b }, asA)).removed);
    t.false((await p.clients.graph.unfollow({ userId: a, followeeId: b }, asA)).removed);
    t.like((await p.clients.graph.getCounts({ userId: b })).counts, { followerCount: 0n });
    t.deepEqual((await p.clients.graph.listFollowers({ userId: b })).followers, []);
  });

  test(`${mode}: refused follows: oneself, a missing account, someone else's, no token`, async (t) => {
    const p = await pair();
    const [a, b] = [await newUser(p), await newUser(p)];
    const self = await rpcError(t, p.clients.graph.follow({ userId: a, followeeId: a }, await p.as(a)));
    t.is(self.code, Code.InvalidArgument);
    t.regex(self.rawMessage, /itself/);
    const missing = await rpcError(t, p.clients.graph.follow({ userId: a, followeeId: b + 1_000_000n }, await p.as(a)));
    t.is(missing.code, Code.NotFound);
    const other = await rpcError(t, p.clients.graph.follow({ userId: b, followeeId: a }, await p.as(a)));
    t.is(other.code, Code.PermissionDenied);
    const otherUnfollow = await rpcError(t, p.clients.graph.unfollow({ userId: b, followeeId: a }, await p.as(a)));
    t.is(otherUnfollow.code, Code.PermissionDenied);
    const anonymous = await rpcError(t, p.clients.graph.follow({ userId: a, followeeId: b }));
    t.is(anonymous.code, Code.Unauthenticated);
    const bad = await rpcError(t, p.clients.graph.follow({ userId: a, followeeId: b }, { headers: { authorization: "Bearer abc.def.ghi" } }));
    t.is(bad.code, Code.Unauthenticated);
    const zero = await rpcError(t, p.clients.graph.follow({ userId: a, followeeId: 0n }, await p.as(a)));
    t.is(zero.code, Code.InvalidArgument);
    t.regex(zero.rawMessage, /^followee_id: /);
    t.like((await p.clients.graph.getCounts({ userId: a })).counts, { followerCount: 0n, followingCount: 0n });
  });

  test(`${mode}: 50 concurrent follows of one account give a follower count of exactly 50`, async (t) => {
    const p = await pair();
    const target = await newUser(p);
    // Followers need not be registered: the caller's token is what counts.
    const followers = Array.from({ length: 50 }, (_, i) => target + 10_000_000n + BigInt(i));
    const calls = [...followers, ...followers.slice(0, 10)].map(async (f) => p.clients.graph.follow({ userId: f, followeeId: target }, await p.as(f)));
    const results = await Promise.all(calls);
    t.is(results.filter((r) => r.created).length, 50);
    t.is((await p.clients.graph.getCounts({ userId: target })).counts!.followerCount, 50n);
    t.is((await p.clients.user.getUser({ userId: target })).user!.followerCount, 50n);
    const counts = await p.clients.graph.batchGetCounts({ userIds: followers });
    t.true(counts.counts.every((c, i) => c.userId === followers[i] && c.followingCount === 1n));
  });

  test(`${mode}: concurrent follows and unfollows keep counts exact`, async (t) => {
    const p = await pair();
    const target = await newUser(p);
    const followers = Array.from({ length: 20 }, (_, i) => target + 20_000_000n + BigInt(i));
    for (const f of followers) await p.clients.graph.follow({ userId: f, followeeId: target }, await p.as(f));
    // Half leave while others arrive, each twice at once.
    const leaving = followers.slice(0, 10);
    const arriving = Array.from({ length: 10 }, (_, i) => target + 30_000_000n + BigInt(i));
    await Promise.all([
      ...[...leaving, ...leaving].map(async (f) => p.clients.graph.unfollow({ userId: f, followeeId: target }, await p.as(f))),
      ...[...arriving, ...arriving].map(async (f) => p.clients.graph.follow({ userId: f, followeeId: target }, await p.as(f))),
    ]);
    t.is((await p.clients.graph.getCounts({ userId: target })).counts!.followerCount, 20n);
    const listed = await p.clients.graph.listFollowers({ userId: target, limit: 100 });
    const sorted = (xs: bigint[]) => [...xs].sort((x, y) => (x < y ? -1 : 1));
    t.deepEqual(sorted(listed.followers.map((e) => e.userId)), sorted([...followers.slice(10), ...arriving]));
  });

  test(`${mode}: lists page newest first with an opaque cursor, stable across changes`, async (t) => {
    const p = await pair();
    const target = await newUser(p);
    const followers = Array.from({ length: 25 }, (_, i) => target + 40_000_000n + BigInt(i));
    for (const f of followers) await p.clients.graph.follow({ userId: f, followeeId: target }, await p.as(f));
    const first = await p.clients.graph.listFollowers({ userId: target });
    t.is(first.followers.length, 20, "limit 0 means 20");
    t.true(first.hasMore);
    const p1 = await p.clients.graph.listFollowers({ userId: target, limit: 10 });
    t.deepEqual(p1.followers.map((e) => e.userId), [...followers].reverse().slice(0, 10));
    // Between pages: a newcomer, and someone from the next page leaves.
    const newcomer = target + 49_000_000n;
    await p.clients.graph.follow({ userId: newcomer, followeeId: target }, await p.as(newcomer));
    await p.clients.graph.unfollow({ userId: followers[12]!, followeeId: target }, await p.as(followers[12]!));
    const p2 = await p.clients.graph.listFollowers({ userId: target, limit: 10, cursor: p1.nextCursor });
    const p3 = await p.clients.graph.listFollowers({ userId: target, limit: 10, cursor: p2.nextCursor });
    t.false(p3.hasMore);
    t.is(p3.nextCursor, "");
    const expected = [...followers].reverse().slice(10).filter((f) => f !== followers[12]);
    t.deepEqual([...p2.followers, ...p3.followers].map((e) => e.userId), expected);
    const created = p1.followers.map((e) => Number(e.createdAt!.seconds));
    t.deepEqual(created, [...created].sort((x, y) => y - x));

    const garbage = await rpcError(t, p.clients.graph.listFollowers({ userId: target, cursor: "garbage!" }));
    t.is(garbage.code, Code.InvalidArgument);
    t.is(garbage.rawMessage, "cursor: malformed");
    const foreign = await rpcError(t, p.clients.graph.listFollowing({ userId: target, cursor: p1.nextCursor }));
    t.is(foreign.code, Code.InvalidArgument);
    const tooMany = await rpcError(t, p.clients.graph.listFollowers({ userId: target, limit: 101 }));
    t.is(tooMany.code, Code.InvalidArgument);
    t.regex(tooMany.rawMessage, /^limit: /);
  });

  test(`${mode}: ListFollowerIds / ListFollowingIds: big pages of bare ids, cursors shared with the full lists`, async (t) => {
    const p = await pair();
    const target = await newUser(p);
    const followers = Array.from({ length: 1_003 }, (_, i) => target + 50_000_000n + BigInt(i));
    const newestFirst = [...followers].reverse();
    // One at a time, so edge ids (and the newest-first order) follow the array.
    for (const f of followers) await p.clients.graph.follow({ userId: f, followeeId: target }, await p.as(f));
    const all = await p.clients.graph.listFollowerIds({ userId: target, limit: 5000 });
    t.deepEqual(all.userIds, newestFirst);
    t.false(all.hasMore);
    const byDefault = await p.clients.graph.listFollowerIds({ userId: target });
    t.is(byDefault.userIds.length, 1000, "limit 0 means 1,000");
    t.true(byDefault.hasMore);
    // A ListFollowers cursor continues an id listing, and the other way round.
    const head = await p.clients.graph.listFollowers({ userId: target, limit: 7 });
    const rest = await p.clients.graph.listFollowerIds({ userId: target, limit: 5000, cursor: head.nextCursor });
    t.deepEqual([...head.followers.map((e) => e.userId), ...rest.userIds], newestFirst);
    const ids = await p.clients.graph.listFollowerIds({ userId: target, limit: 1_000 });
    const tail = await p.clients.graph.listFollowers({ userId: target, limit: 100, cursor: ids.nextCursor });
    t.deepEqual(tail.followers.map((e) => e.userId), newestFirst.slice(1_000));
    t.deepEqual((await p.clients.graph.listFollowingIds({ userId: followers[0]! })).userIds, [target]);
    const tooMany = await rpcError(t, p.clients.graph.listFollowerIds({ userId: target, limit: 5001 }));
    t.is(tooMany.code, Code.InvalidArgument);
    t.regex(tooMany.rawMessage, /^limit: /);
    const garbage = await rpcError(t, p.clients.graph.listFollowerIds({ userId: target, cursor: "garbage!" }));
    t.deepEqual([garbage.code, garbage.rawMessage], [Code.InvalidArgument, "cursor: malformed"]);
    t.is((await rpcError(t, p.clients.graph.listFollowingIds({ userId: target, cursor: ids.nextCursor }))).code, Code.InvalidArgument, "a followers cursor is not a following cursor");
    const noUser = await rpcError(t, p.clients.graph.listFollowingIds({ userId: 0n }));
    t.is(noUser.code, Code.InvalidArgument);
    t.regex(noUser.rawMessage, /^user_id: /);
  });

  test(`${mode}: BatchGetRelationships answers both directions in request order`, async (t) => {
    const p = await pair();
    const [me, x, y, z] = [await newUser(p), await newUser(p), await newUser(p), await newUser(p)];
    await p.clients.graph.follow({ userId: me, followeeId: x }, await p.as(me));
    await p.clients.graph.follow({ userId: y, followeeId: me }, await p.as(y));
    await p.clients.graph.follow({ userId: me, followeeId: z }, await p.as(me));
    await p.clients.graph.follow({ userId: z, followeeId: me }, await p.as(z));
    const res = await p.clients.graph.batchGetRelationships({ userId: me, targetIds: [z, y, x] });
    t.deepEqual(
      res.relationships.map((r) => [r.targetId, r.following, r.followedBy]),
      [
        [z, true, true],
        [y, false, true],
        [x, true, false],
      ],
    );
    const only = await p.clients.graph.batchGetRelationships({ userId: me, targetIds: [z, y, x], followingOnly: true });
    t.deepEqual(
      only.relationships.map((r) => [r.targetId, r.following, r.followedBy]),
      [
        [z, true, false],
        [y, false, false],
        [x, true, false],
      ],
    );
    const empty = await rpcError(t, p.clients.graph.batchGetRelationships({ userId: me, targetIds: [] }));
    t.is(empty.code, Code.InvalidArgument);
  });

  test.serial(`${mode}: follow and unfollow publish events with the edge in the message id, once`, async (t) => {
    const p = await pair();
    const events = await recordEvents(p, `events_${mode}`);
    const [a, b] = [await newUser(p), await newUser(p)];
    const asA = await p.as(a);
    await p.clients.graph.follow({ userId: a, followeeId: b }, asA);
    await p.clients.graph.follow({ userId: a, followeeId: b }, asA); // no change: same message id
    await p.clients.graph.unfollow({ userId: a, followeeId: b }, asA);
    t.deepEqual((await p.clients.graph.listFollowers({ userId: b })).followers, []);
    await events.waitFor([]);
    const mine = events.got.filter((m) => m.msgId.includes(`:${a}:${b}:`));
    t.is(mine.length, 2, mine.map((m) => m.msgId).join(", "));
    const [f, u] = mine;
    t.is(f!.subject, SUBJECTS.graphFollowed);
    t.regex(f!.msgId, new RegExp(`^followed:${a}:${b}:\\d+$`));
    t.like(fromBinary(FollowedEventSchema, f!.data), { followerId: a, followeeId: b });
    t.is(u!.subject, SUBJECTS.graphUnfollowed);
    t.is(u!.msgId, f!.msgId.replace(/^followed/, "unfollowed"));
    t.like(fromBinary(UnfollowedEventSchema, u!.data), { followerId: a, followeeId: b });
    await events.stop();
  });

  test.serial(`${mode}: a failed publish fails the RPC UNAVAILABLE and the retry delivers the event`, async (t) => {
    const p = await pair();
    const events = await recordEvents(p, `retry_${mode}`);
    const [a, b] = [await newUser(p), await newUser(p)];
    const asA = await p.as(a);
    p.busFault.on = true;
    try {
      const e = await rpcError(t, p.clients.graph.follow({ userId: a, followeeId: b }, asA));
      t.is(e.code, Code.Unavailable);
    } finally {
      p.busFault.on = false;
    }
    // The edge was saved; the client retries, nothing changes, the event goes out.
    t.false((await p.clients.graph.follow({ userId: a, followeeId: b }, asA)).created);
    p.busFault.on = true;
    try {
      t.is((await rpcError(t, p.clients.graph.unfollow({ userId: a, followeeId: b }, asA))).code, Code.Unavailable);
    } finally {
      p.busFault.on = false;
    }
    t.false((await p.clients.graph.unfollow({ userId: a, followeeId: b }, asA)).removed);
    await events.waitFor([]);
    const mine = events.got.filter((m) => m.msgId.includes(`:${a}:${b}:`));
    t.deepEqual(
      mine.map((m) => m.subject),
      [SUBJECTS.graphFollowed, SUBJECTS.graphUnfollowed],
    );
    t.like((await p.clients.graph.getCounts({ userId: b })).counts, { followerCount: 0n });
    await events.stop();
  });
}
