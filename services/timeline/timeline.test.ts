// End to end, in both modes: the user, graph, tweet and timeline services and
// the fan-out worker in one process, called through real gRPC clients.
// Home timelines are read once before each change, so what appears later can
// only have come through fan-out (a missing timeline would be rebuilt instead).
import test, { type ExecutionContext } from "ava";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { Health, HealthCheckResponse_ServingStatus } from "../../gen/grpc/health/v1/health_pb.js";
import { TimelineService, type StreamHomeTimelineResponse } from "../../gen/chirp/timeline/v1/timeline_pb.js";
import { MODES, type Mode } from "../testing/runtime.js";
import { TARGETS } from "../targets.js";
import { eventually } from "../testing/eventually.js";
import { startChirp, withTimelineStore, type ChirpWithStore as System } from "../testing/chirp.js";

const KEEPALIVE_MS = 300;
const systems = new Map<Mode, Promise<System>>();
const system = (mode: Mode) => {
  let s = systems.get(mode);
  if (!s) {
    s = startChirp({
      mode,
      label: "tl_e2e",
      targets: ["user", "graph", "tweet", "timeline", "fanout"],
      overrides: { timeline: { keepAliveMs: KEEPALIVE_MS, largeAccountCacheMs: 0, largeAccountFollowsCacheMs: 0 } },
    }).then(withTimelineStore);
    systems.set(mode, s);
  }
  return s;
};
test.after.always(async () => {
  for (const s of systems.values()) await (await s.catch(() => undefined))?.stop();
});

const sameIds = (a: bigint[], b: bigint[]) => a.length === b.length && a.every((x, i) => x === b[i]);
const desc = (ids: bigint[]) => [...ids].sort((x, y) => (x < y ? 1 : x > y ? -1 : 0));

for (const mode of MODES) {
  const it = (title: string, body: (t: ExecutionContext, s: System) => Promise<void>) =>
    test(`${mode}: ${title}`, async (t) => body(t, await system(mode)));
  const serial = (title: string, body: (t: ExecutionContext, s: System) => Promise<void>) =>
    test.serial(`${mode}: ${title}`, async (t) => body(t, await system(mode)));

  it("a new tweet reaches every follower's home timeline and the author's own", async (t, s) => {
    const author = await s.register();
    const followers = await Promise.all([1, 2, 3, 4].map(() => s.register()));
    for (const f of followers) await s.follow(f, author);
    for (const u of [author, ...followers]) t.deepEqual(await s.homeIds(u), [], "built empty before the tweet");
    const tweetId = await s.post(author, "fan me out");
    for (const u of [author, ...followers]) {
      t.true(await eventually(async () => sameIds(await s.homeIds(u), [tweetId])), `user ${u}`);
    }
    const res = await s.clients.timeline.getHomeTimeline({}, await s.as(followers[0]!));
    t.is(res.tweets[0]!.author!.userId, author, "hydrated with its author");
    t.is(res.tweets[0]!.tweet!.content, "fan me out");
  });

  it("follow brings the followee's recent tweets in; unfollow takes them out", async (t, s) => {
    const [reader, writer] = [await s.register(), await s.register()];
    const posted = [await s.post(writer, "one"), await s.post(writer, "two"), await s.post(writer, "three")];
    t.deepEqual(await s.homeIds(reader), []);
    await s.follow(reader, writer);
    t.true(await eventually(async () => sameIds(await s.homeIds(reader), desc(posted))));
    await s.unfollow(reader, writer);
    t.true(await eventually(async () => (await s.homeIds(reader)).length === 0));
    t.deepEqual(await s.store.contains([reader], posted[0]!), [false], "gone from the store, not just filtered");
  });

  it("a deleted tweet leaves every follower's timeline and the author's", async (t, s) => {
    const [author, f1, f2] = [await s.register(), await s.register(), await s.register()];
    await s.follow(f1, author);
    await s.follow(f2, author);
    for (const u of [author, f1, f2]) await s.homeIds(u);
    const keep = await s.post(author, "keep");
    const doomed = await s.post(author, "delete me");
    for (const u of [author, f1, f2]) t.true(await eventually(async () => sameIds(await s.homeIds(u), [doomed, keep])));
    await s.clients.tweet.deleteTweet({ tweetId: doomed }, await s.as(author));
    t.true(await eventually(async () => (await s.store.contains([author, f1, f2], doomed)).every((x) => !x)));
    for (const u of [author, f1, f2]) t.deepEqual(await s.homeIds(u), [keep]);
  });

  it("a retweet fans out like a tweet and carries the original", async (t, s) => {
    const [original, retweeter, reader] = [await s.register(), await s.register(), await s.register()];
    await s.follow(reader, retweeter);
    await s.homeIds(reader);
    const tweetId = await s.post(original, "worth sharing");
    const { retweet } = await s.clients.tweet.retweet({ tweetId }, await s.as(retweeter));
    t.true(await eventually(async () => sameIds(await s.homeIds(reader), [retweet!.tweetId])));
    const [h] = (await s.clients.timeline.getHomeTimeline({}, await s.as(reader))).tweets;
    t.is(h!.author!.userId, retweeter);
    t.is(h!.retweetedTweet!.tweet!.tweetId, tweetId);
    t.is(h!.retweetedTweet!.author!.userId, original);
    await s.clients.tweet.undoRetweet({ tweetId }, await s.as(retweeter));
    t.true(await eventually(async () => (await s.homeIds(reader)).length === 0));
  });

  it("hydration reports the viewer's likes and retweets", async (t, s) => {
    const [author, reader] = [await s.register(), await s.register()];
    await s.follow(reader, author);
    await s.homeIds(reader);
    const liked = await s.post(author, "like me");
    const plain = await s.post(author, "just read me");
    await s.clients.tweet.likeTweet({ tweetId: liked }, await s.as(reader));
    t.true(await eventually(async () => (await s.homeIds(reader)).length === 2));
    const res = await s.clients.timeline.getHomeTimeline({}, await s.as(reader));
    t.deepEqual(
      res.tweets.map((h) => [h.tweet!.tweetId, h.liked]),
      [
        [plain, false],
        [liked, true],
      ],
    );
    const user = await s.clients.timeline.getUserTimeline({ userId: author }, await s.as(reader));
    t.deepEqual(user.tweets.map((h) => [h.tweet!.tweetId, h.liked]), [
      [plain, false],
      [liked, true],
    ]);
    const anonymous = await s.clients.timeline.getUserTimeline({ userId: author, limit: 1 });
    t.deepEqual(anonymous.tweets.map((h) => h.tweet!.tweetId), [plain]);
    t.true(anonymous.hasMore);
    const next = await s.clients.timeline.getUserTimeline({ userId: author, limit: 1, cursor: anonymous.nextCursor });
    t.deepEqual(next.tweets.map((h) => h.tweet!.tweetId), [liked]);
  });

  it("a like, unlike, retweet or undo shows on the very next read, though viewer states are cached", async (t, s) => {
    const [author, reader] = [await s.register(), await s.register()];
    await s.follow(reader, author);
    await s.homeIds(reader);
    const id = await s.post(author, "engage with me");
    t.true(await eventually(async () => (await s.homeIds(reader)).includes(id)));
    const opts = await s.as(reader);
    const home = async () => {
      const h = (await s.clients.timeline.getHomeTimeline({}, opts)).tweets.find((x) => x.tweet!.tweetId === id)!;
      return [h.liked, h.retweeted];
    };
    const profile = async () => {
      const h = (await s.clients.timeline.getUserTimeline({ userId: author }, opts)).tweets.find((x) => x.tweet!.tweetId === id)!;
      return [h.liked, h.retweeted];
    };
    // Read twice each first: the states are now cached as "not engaged".
    for (let i = 0; i < 2; i++) t.deepEqual([await home(), await profile()], [[false, false], [false, false]]);
    await s.clients.tweet.likeTweet({ tweetId: id }, opts);
    t.deepEqual([await home(), await profile()], [[true, false], [true, false]], "liked");
    await s.clients.tweet.retweet({ tweetId: id }, opts);
    t.deepEqual([await home(), await profile()], [[true, true], [true, true]], "retweeted");
    await s.clients.tweet.unlikeTweet({ tweetId: id }, opts);
    await s.clients.tweet.undoRetweet({ tweetId: id }, opts);
    t.deepEqual([await home(), await profile()], [[false, false], [false, false]], "both taken back");
    // Someone else's like is not the reader's.
    await s.clients.tweet.likeTweet({ tweetId: id }, await s.as(author));
    t.deepEqual(await home(), [false, false]);
    await t.throwsAsync(s.clients.timeline.invalidateViewerStates({ viewerId: reader }, await s.as(author)), { message: /permission_denied.*only the owner/ });
    await t.throwsAsync(s.clients.timeline.invalidateViewerStates({ viewerId: 0n }, opts), { message: /invalid_argument.*viewer_id/ });
    await t.throwsAsync(s.clients.timeline.invalidateViewerStates({ viewerId: reader }), { message: /unauthenticated/ });
  });

  it("pages of every size walk the timeline once, newest first", async (t, s) => {
    const reader = await s.register();
    const authors = [await s.register(), await s.register()];
    for (const a of authors) await s.follow(reader, a);
    await s.homeIds(reader);
    const posted: bigint[] = [];
    for (let i = 0; i < 7; i++) posted.push(await s.post(authors[i % 2]!, `tweet ${i}`));
    t.true(await eventually(async () => (await s.homeIds(reader)).length === 7));
    for (const limit of [1, 2, 3, 7, 100]) t.deepEqual(await s.homeIds(reader, limit), desc(posted), `limit ${limit}`);
  });

  // Serial: its 1-second bound is about this system, not about sharing two CPUs with the other tests.
  serial("the live stream gets a new tweet within a second, deletes, and keep-alives", async (t, s) => {
    const [author, reader] = [await s.register(), await s.register()];
    await s.follow(reader, author);
    await s.homeIds(reader);
    const abort = new AbortController();
    const events: Array<{ at: number; e: StreamHomeTimelineResponse["event"] }> = [];
    const stream = s.clients.timeline.streamHomeTimeline({}, { ...(await s.as(reader)), signal: abort.signal });
    const reading = (async () => {
      try {
        for await (const m of stream) events.push({ at: Date.now(), e: m.event });
      } catch (err) {
        if (!(err instanceof ConnectError && err.code === Code.Canceled)) throw err;
      }
    })();
    t.true(await eventually(() => events.length > 0), "the stream opens with a keep-alive");
    t.is(events[0]!.e.case, "keepAlive");
    const postedAt = Date.now();
    const tweetId = await s.post(author, "live!");
    t.true(await eventually(() => events.some((x) => x.e.case === "tweet"), 3000));
    const got = events.find((x) => x.e.case === "tweet")!;
    t.true(got.at - postedAt < 1000, `arrived after ${got.at - postedAt} ms`);
    t.is(got.e.case === "tweet" ? got.e.value.tweet!.tweetId : undefined, tweetId);
    t.is(got.e.case === "tweet" ? got.e.value.author!.userId : undefined, author);
    await s.clients.tweet.deleteTweet({ tweetId }, await s.as(author));
    t.true(await eventually(() => events.some((x) => x.e.case === "deletedTweetId" && x.e.value === tweetId), 3000));
    const since = Date.now();
    t.true(await eventually(() => events.some((x) => x.e.case === "keepAlive" && x.at > since), KEEPALIVE_MS * 4), "keep-alive while idle");
    abort.abort();
    await reading;
  });

  it("a server shutting down ends open streams cleanly", async (t, s) => {
    const reader = await s.register();
    const extra = await TARGETS.timeline.start(s.rt, s.targets.shared, {}); // the system's settings (keep-alives every KEEPALIVE_MS)
    const client = createClient(TimelineService, createGrpcTransport({ baseUrl: extra.url! }));
    let messages = 0;
    const reading = (async () => {
      for await (const _ of client.streamHomeTimeline({}, await s.as(reader))) messages++;
    })();
    t.true(await eventually(() => messages > 0));
    // The suite runs with no grace period (sockets are cut at once); a real
    // shutdown has one, in which the aborted stream writes its end.
    const grace = s.rt.config.shutdownGraceMs;
    s.rt.config.shutdownGraceMs = 2000;
    await extra.stop().finally(() => (s.rt.config.shutdownGraceMs = grace));
    await t.notThrowsAsync(reading, "the stream ended with OK, not an error");
  });

  it("asks for a caller and a valid cursor", async (t, s) => {
    const anonymous = await t.throwsAsync(s.clients.timeline.getHomeTimeline({}));
    t.is(ConnectError.from(anonymous).code, Code.Unauthenticated);
    const me = await s.register();
    const bad = await t.throwsAsync(s.clients.timeline.getHomeTimeline({ cursor: "not-a-cursor" }, await s.as(me)));
    t.is(ConnectError.from(bad).code, Code.InvalidArgument);
    t.regex(ConnectError.from(bad).rawMessage, /cursor/);
    const tooMany = await t.throwsAsync(s.clients.timeline.getHomeTimeline({ limit: 101 }, await s.as(me)));
    t.is(ConnectError.from(tooMany).code, Code.InvalidArgument);
  });

  it("the fan-out worker and the timeline service report SERVING", async (t, s) => {
    for (const url of [s.urls.fanout!, s.urls.timeline!]) {
      const health = createClient(Health, createGrpcTransport({ baseUrl: url }));
      t.is((await health.check({ service: "" })).status, HealthCheckResponse_ServingStatus.SERVING, url);
    }
  });

  serial("timelines rebuilt after the store is emptied equal the fanned-out ones", async (t, s) => {
    const users = await Promise.all([1, 2, 3, 4, 5].map(() => s.register()));
    // A small random-ish graph among them, tweets before and after the follows.
    const edges: Array<[number, number]> = [[0, 1], [0, 2], [1, 2], [2, 3], [3, 0], [4, 0], [4, 1], [4, 2], [4, 3]];
    for (const u of users) await s.homeIds(u);
    for (let i = 0; i < 5; i++) await s.post(users[i]!, `early ${i}`);
    for (const [a, b] of edges) await s.follow(users[a]!, users[b]!);
    for (let i = 0; i < 10; i++) await s.post(users[i % 5]!, `late ${i}`);
    const expected = new Map<bigint, number>(users.map((u, i) => [u, 1 + 2 + edges.filter(([a]) => a === i).length * 3]));
    // Each user: own 3 tweets + 3 per followee.
    for (const u of users) t.true(await eventually(async () => (await s.homeIds(u)).length === expected.get(u)), `user ${u}`);
    const before = new Map<bigint, { api: bigint[]; raw: bigint[] }>();
    for (const u of users) before.set(u, { api: await s.homeIds(u), raw: (await s.store.page(u, undefined, 1000)).ids });
    await s.store.dropAll();
    t.false((await s.store.page(users[0]!, undefined, 1)).built);
    for (const u of users) {
      t.deepEqual(await s.homeIds(u), before.get(u)!.api, `user ${u}: same page contents`);
      t.deepEqual((await s.store.page(u, undefined, 1000)).ids, before.get(u)!.raw, `user ${u}: same stored timeline`);
    }
  });
}
