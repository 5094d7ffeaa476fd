// User timelines from the authors' lists, end to end in both modes: once an
// author's list is built, a page asks no other service; posts, retweets and
// deletes reach it through the fan-out worker; and paging past the list's end
// (a list built from the newest page only, or trimmed at its cap) continues in
// the tweet service's pages, every tweet exactly once, in order, with cursors
// valid on either service. Follows and unfollows read the lists too. The lists
// are kept small here so the ends are near.
import test, { type ExecutionContext } from "ava";
import { Code, ConnectError } from "@connectrpc/connect";
import { Redis } from "ioredis";
import { eventually } from "../testing/eventually.js";
import { startChirp, type Chirp } from "../testing/chirp.js";
import { MODES, type Mode } from "../testing/runtime.js";
import type { TimelineStore } from "./store/port.js";
import { RedisTimelineStore } from "./store/redis.js";
import type { TimelineStarted } from "./target.js";
import { userPage } from "./user.js";

const CAP = 8;
const BUILD = 5;

type System = Chirp & { lists: TimelineStore };

const systems = new Map<Mode, Promise<System>>();
const system = (mode: Mode) => {
  let s = systems.get(mode);
  if (!s) {
    s = startChirp({
      mode,
      label: "tl_user",
      targets: ["user", "graph", "tweet", "timeline", "fanout"],
      overrides: { timeline: { userTimelineCap: CAP, userTimelineBuild: BUILD } },
    }).then(async (c) => Object.assign(c, { lists: await c.targets.shared.userTweetsStore() }));
    systems.set(mode, s);
  }
  return s;
};
test.after.always(async () => {
  for (const s of systems.values()) await (await s.catch(() => undefined))?.stop();
});

/** Calls the services answered so far, by method (in-process calls count too). */
async function served(s: Chirp, method: string): Promise<number> {
  const m = (await s.rt.metrics.registry.getSingleMetric("rpc_server_requests_total")!.get()).values;
  return m.filter((v) => v.labels.method === method).reduce((a, v) => a + v.value, 0);
}

const READ_THROUGH = ["ListUserTweets", "BatchGetTweets", "BatchGetUsers", "BatchGetViewerStates"];
const calls = (s: Chirp) => Promise.all(READ_THROUGH.map((m) => served(s, m)));

async function userIds(s: Chirp, author: bigint, limit = 20, viewer?: bigint): Promise<bigint[]> {
  const res = await s.clients.timeline.getUserTimeline({ userId: author, limit }, viewer === undefined ? {} : await s.as(viewer));
  return res.tweets.map((h) => h.tweet!.tweetId);
}

/** Every page of a user timeline, `limit` at a time, from the timeline service. */
async function walk(t: ExecutionContext, s: Chirp, author: bigint, limit: number): Promise<bigint[]> {
  const out: bigint[] = [];
  let cursor = "";
  for (let guard = 0; guard < 200; guard++) {
    const page = await s.clients.timeline.getUserTimeline({ userId: author, limit, cursor });
    t.true(page.tweets.length <= limit);
    out.push(...page.tweets.map((h) => h.tweet!.tweetId));
    if (!page.hasMore) {
      t.is(page.nextCursor, "");
      return out;
    }
    cursor = page.nextCursor;
  }
  throw new Error("paging did not end");
}

/** The tweet service's own listing of the author, all pages: what the user timeline must show. */
async function listed(s: Chirp, author: bigint): Promise<bigint[]> {
  const out: bigint[] = [];
  let cursor = "";
  for (;;) {
    const page = await s.clients.tweet.listUserTweets({ userId: author, limit: 100, cursor });
    out.push(...page.tweets.map((x) => x.tweetId));
    if (!page.hasMore) return out;
    cursor = page.nextCursor;
  }
}

for (const mode of MODES) {
  test.serial(`${mode}: once an author's list is built, a page asks no other service, for a reader or anonymously`, async (t) => {
    const s = await system(mode);
    const [author, reader] = [await s.register(), await s.register()];
    const posted = [await s.post(author, "one"), await s.post(author, "two"), await s.post(author, "three")];
    const before = await served(s, "ListUserTweets");
    t.deepEqual(await userIds(s, author, 20, reader), [...posted].reverse(), "the first read builds the list");
    t.is((await served(s, "ListUserTweets")) - before, 1, "built from one ListUserTweets page");
    const list = await s.lists.page(author, undefined, 20);
    t.deepEqual(list, { built: true, ids: [...posted].reverse(), complete: true }, "fewer tweets than a build reads: the list is the whole history");
    await userIds(s, author); // the anonymous path's lookups warm too

    const warm = await calls(s);
    t.deepEqual(await userIds(s, author, 20, reader), [...posted].reverse());
    t.deepEqual(await userIds(s, author, 2), [posted[2], posted[1]]);
    t.deepEqual(await userIds(s, author), [...posted].reverse());
    t.deepEqual(await calls(s), warm, `no call to ${READ_THROUGH.join(", ")}`);
  });

  test.serial(`${mode}: a post, a retweet, a delete and an undone retweet reach the page through the fan-out, not the tweet service`, async (t) => {
    const s = await system(mode);
    const [author, other] = [await s.register(), await s.register()];
    const first = await s.post(author, "first");
    const theirs = await s.post(other, "retweet me");
    t.deepEqual(await userIds(s, author), [first]);
    const lists = () => served(s, "ListUserTweets");
    const built = await lists();

    const second = await s.post(author, "second");
    t.true(await eventually(async () => (await userIds(s, author)).includes(second)), "the post reached the page");
    t.deepEqual((await s.lists.page(author, undefined, 20)).ids, [second, first], "written into the author's list");

    const rt = (await s.clients.tweet.retweet({ tweetId: theirs }, await s.as(author))).retweet!.tweetId;
    t.true(await eventually(async () => (await userIds(s, author))[0] === rt), "the retweet reached the page");
    const shown = (await s.clients.timeline.getUserTimeline({ userId: author }, await s.as(author))).tweets[0]!;
    t.is(shown.retweetedTweet?.tweet?.tweetId, theirs, "shown with the original");
    t.true(shown.retweetedTweet?.retweeted, "the viewer's own retweet");

    await s.clients.tweet.deleteTweet({ tweetId: first }, await s.as(author));
    t.true(await eventually(async () => !(await userIds(s, author)).includes(first)), "the delete reached the page");
    await s.clients.tweet.undoRetweet({ tweetId: theirs }, await s.as(author));
    t.true(await eventually(async () => (await userIds(s, author))[0] === second), "the undone retweet left the page");
    t.true(await eventually(async () => (await s.lists.page(author, undefined, 20)).ids.length === 1), "and the list");
    t.deepEqual((await s.lists.page(author, undefined, 20)).ids, [second]);
    t.is(await lists(), built, "never read from the tweet service again");
    t.deepEqual(await userIds(s, author), await listed(s, author), "the same as the tweet service lists");
  });

  test.serial(`${mode}: a follow and an unfollow take the followee's ids from their list when it exists, not from the tweet service`, async (t) => {
    const s = await system(mode);
    const [author, reader] = [await s.register(), await s.register()];
    const posted = [await s.post(author, "f 1"), await s.post(author, "f 2"), await s.post(author, "f 3")];
    t.deepEqual(await userIds(s, author), [...posted].reverse(), "the author's list is built");
    t.deepEqual(await s.homeIds(reader), [], "the reader's timeline is built");
    const backfills = () => s.rt.metrics.registry.getSingleMetric("chirp_timeline_author_list_reads_total")!.get();
    const hits = async (use: string) => (await backfills()).values.find((v) => v.labels.use === use && v.labels.result === "hit")?.value ?? 0;
    const [before, followHits, unfollowHits] = [await served(s, "ListUserTweets"), await hits("backfill"), await hits("unfollow")];

    await s.follow(reader, author);
    t.true(await eventually(async () => (await s.homeIds(reader)).length === posted.length), "the followee's tweets were merged in");
    t.deepEqual(await s.homeIds(reader), [...posted].reverse());
    await s.unfollow(reader, author);
    t.true(await eventually(async () => (await s.homeIds(reader)).length === 0), "and taken out again");
    t.is(await served(s, "ListUserTweets"), before, "no ListUserTweets call");
    t.is((await hits("backfill")) - followHits, 1, "the follow read the list");
    t.is((await hits("unfollow")) - unfollowHits, 1, "the unfollow read it too (it is the author's whole history)");
  });

  test.serial(`${mode}: a delete the fan-out has not applied yet is dropped from the page and from the list`, async (t) => {
    const s = await system(mode);
    const author = await s.register();
    const [a, b] = [await s.post(author, "a"), await s.post(author, "b")];
    t.deepEqual(await userIds(s, author), [b, a]);
    // As a list could hold after a lost event: an id whose tweet is gone.
    const gone = b + 1n;
    await s.lists.add([author], [gone]);
    t.deepEqual(await userIds(s, author), [b, a]);
    t.true(await eventually(async () => !(await s.lists.page(author, undefined, 20)).ids.includes(gone)), "taken out of the list");
  });

  test.serial(`${mode}: paging past the list's end goes on in the tweet service's pages: each tweet once, in order`, async (t) => {
    const s = await system(mode);
    const author = await s.register();
    for (let i = 0; i < 13; i++) await s.post(author, `tweet ${i}`);
    const all = await listed(s, author);
    t.is(all.length, 13);
    // Built from the newest BUILD ids only: a page past them needs the tweet service.
    t.deepEqual(await userIds(s, author, 2), all.slice(0, 2));
    t.deepEqual(await s.lists.page(author, undefined, 20), { built: true, ids: all.slice(0, BUILD) }, "not complete");
    for (const limit of [1, 2, 3, 4, 5, 6, 7, 13, 20]) t.deepEqual(await walk(t, s, author, limit), all, `pages of ${limit}`);

    // Posts past the cap: the list is trimmed to the newest CAP, never complete.
    for (let i = 0; i < 6; i++) await s.post(author, `more ${i}`);
    const now = await listed(s, author);
    const trimmed = async () => (await s.lists.page(author, undefined, 20)).ids.join() === now.slice(0, CAP).join();
    t.true(await eventually(trimmed), "the list holds the newest CAP ids");
    t.deepEqual(await s.lists.page(author, undefined, 20), { built: true, ids: now.slice(0, CAP) }, "not complete");
    for (const limit of [1, 3, 4, 8, 9, 20]) t.deepEqual(await walk(t, s, author, limit), now, `pages of ${limit} after the trim`);

    // A page within the list asks no one; the page that crosses its end asks once.
    const before = await served(s, "ListUserTweets");
    const first = await s.clients.timeline.getUserTimeline({ userId: author, limit: CAP - 1 });
    t.is(await served(s, "ListUserTweets"), before);
    const crossing = await s.clients.timeline.getUserTimeline({ userId: author, limit: 4, cursor: first.nextCursor });
    t.is((await served(s, "ListUserTweets")) - before, 1);
    t.deepEqual(crossing.tweets.map((h) => h.tweet!.tweetId), now.slice(CAP - 1, CAP + 3));
  });

  test.serial(`${mode}: cursors are valid on both services; a forged one is INVALID_ARGUMENT`, async (t) => {
    const s = await system(mode);
    const author = await s.register();
    for (let i = 0; i < 6; i++) await s.post(author, `c ${i}`);
    const all = await listed(s, author);
    const fromTweet = await s.clients.tweet.listUserTweets({ userId: author, limit: 2 });
    const next = await s.clients.timeline.getUserTimeline({ userId: author, limit: 2, cursor: fromTweet.nextCursor });
    t.deepEqual(next.tweets.map((h) => h.tweet!.tweetId), all.slice(2, 4));
    const back = await s.clients.tweet.listUserTweets({ userId: author, limit: 2, cursor: next.nextCursor });
    t.deepEqual(back.tweets.map((x) => x.tweetId), all.slice(4, 6));
    const forged = Buffer.from("h1:5").toString("base64url");
    const err = await s.clients.timeline.getUserTimeline({ userId: author, cursor: forged }).catch((e: unknown) => ConnectError.from(e));
    t.true(err instanceof ConnectError);
    t.is((err as ConnectError).code, Code.InvalidArgument);
    t.regex((err as ConnectError).rawMessage, /^cursor: /);
  });

  test.serial(`${mode}: when the lists cannot be read (Redis down), the tweet service serves the page`, async (t) => {
    const s = await system(mode);
    const author = await s.register();
    for (let i = 0; i < 5; i++) await s.post(author, `down ${i}`);
    const all = await listed(s, author);
    // A real client of a Redis that is not there: every command fails at once.
    const down = new Redis({ port: 1, lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0 });
    down.on("error", () => {}); // its refusals are the point here
    const rc = { ...(s.targets.started.get("timeline") as TimelineStarted).rc };
    rc.userTweets = new RedisTimelineStore(down, { prefix: "down:", cap: CAP, ttlMs: 60_000 });
    try {
      const first = await userPage(rc, author, undefined, 3);
      t.deepEqual([first.ids, first.rest.map((x) => x.tweetId), first.hasMore], [[], all.slice(0, 3), true]);
      const next = await userPage(rc, author, all[2], 3);
      t.deepEqual([next.rest.map((x) => x.tweetId), next.hasMore, next.nextCursor], [all.slice(3), false, ""]);
    } finally {
      down.disconnect();
    }
  });
}
