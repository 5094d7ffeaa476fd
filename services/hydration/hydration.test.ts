// The read path through the shared hydration cache, end to end in both modes:
// a warm page is served without asking the owning services, and a like, a
// profile change, a delete, a post and a follow each reach a cached page
// within a second;
// an emptied cache is read through and refills.
import test, { type ExecutionContext } from "ava";
import { Cluster } from "ioredis";
import { eventually } from "../testing/eventually.js";
import { startChirp, type Chirp } from "../testing/chirp.js";
import { REDIS_CLUSTER_NODES } from "../testing/redis-cluster.js";
import { MODES, type Mode } from "../testing/runtime.js";
import { MemoryHydrationCache } from "./memory.js";

const systems = new Map<Mode, Promise<Chirp>>();
const system = (mode: Mode) => {
  let s = systems.get(mode);
  if (!s) {
    s = startChirp({ mode, label: "hydration", targets: ["user", "graph", "tweet", "timeline", "fanout"] });
    systems.set(mode, s);
  }
  return s;
};
test.after.always(async () => {
  for (const s of systems.values()) await (await s.catch(() => undefined))?.stop();
});

/** Calls the services answered so far, by method (in-memory calls are counted as network ones). */
async function served(s: Chirp, method: string): Promise<number> {
  const m = (await s.rt.metrics.registry.getSingleMetric("rpc_server_requests_total")!.get()).values;
  return m.filter((v) => v.labels.method === method).reduce((a, v) => a + v.value, 0);
}

/** A reader following an author who posted once; the reader's home page read twice (the cache is warm). */
async function scene(s: Chirp) {
  const [author, reader] = [await s.register(), await s.register()];
  await s.follow(reader, author);
  await s.homeIds(reader);
  const tweetId = await s.post(author, "cached #hydration");
  const home = async () => (await s.clients.timeline.getHomeTimeline({ limit: 20 }, await s.as(reader))).tweets;
  if (!(await eventually(async () => (await home()).some((h) => h.tweet?.tweetId === tweetId)))) throw new Error("the post never reached the reader");
  return { author, reader, tweetId, home };
}

/** Within a second of `since`, the page shows what `check` wants. */
async function withinASecond(t: ExecutionContext, what: string, check: () => Promise<boolean>) {
  const since = Date.now();
  t.true(await eventually(check, 1000, 25), `${what} did not reach the cached page within 1 s`);
  t.log(`${what}: seen after ${Date.now() - since} ms`);
}

for (const mode of MODES) {
  test.serial(`${mode}: a warm page asks no other service: tweets, authors and the viewer's likes come from the cache`, async (t) => {
    const s = await system(mode);
    const { home } = await scene(s);
    await home();
    const calls = () => Promise.all(["BatchGetTweets", "BatchGetUsers", "BatchGetViewerStates"].map((m) => served(s, m)));
    const before = await calls();
    const page = await home();
    t.true(page.length > 0);
    t.deepEqual(await calls(), before);
  });

  test.serial(`${mode}: a like, a profile change and a delete reach a cached page within a second`, async (t) => {
    const s = await system(mode);
    const { author, reader, tweetId, home } = await scene(s);
    const shown = async () => (await home()).find((h) => h.tweet?.tweetId === tweetId);
    t.is((await shown())?.tweet?.likeCount, 0n);

    await s.clients.tweet.likeTweet({ tweetId }, await s.as(reader));
    await withinASecond(t, "a like", async () => (await shown())?.tweet?.likeCount === 1n);

    await s.clients.user.updateProfile({ userId: author, displayName: "Renamed Author" }, await s.as(author));
    await withinASecond(t, "a profile change", async () => (await shown())?.author?.displayName === "Renamed Author");

    await s.clients.tweet.deleteTweet({ tweetId }, await s.as(author));
    await withinASecond(t, "a delete", async () => (await shown()) === undefined);
  });

  test.serial(`${mode}: a post and a follow show in the author's counts on a cached page within a second; neither the new tweet nor its author is read through, nor is the author's follower count asked for`, async (t) => {
    const s = await system(mode);
    const { author, tweetId, home } = await scene(s);
    const shownAuthor = async () => (await home()).find((h) => h.tweet?.tweetId === tweetId)?.author;
    const before = (await shownAuthor())!;
    const calls = () => Promise.all(["BatchGetTweets", "BatchGetUsers", "GetCounts"].map((m) => served(s, m)));
    const callsBefore = await calls();
    const second = await s.post(author, "a second one");
    await withinASecond(t, "a post's tweet count", async () => (await shownAuthor())?.tweetCount === before.tweetCount + 1n);
    t.true(await eventually(async () => (await home()).some((h) => h.tweet?.tweetId === second)), "the post reached the reader");
    t.deepEqual(await calls(), callsBefore, "the new tweet, its author and the author's follower count (is it a large account?) came from the cache");
    await s.follow(await s.register(), author);
    await withinASecond(t, "a follow's follower count", async () => (await shownAuthor())?.followerCount === before.followerCount + 1n);
  });

  test.serial(`${mode}: an emptied cache is read through, correct, and refills`, async (t) => {
    const s = await system(mode);
    const { tweetId, home } = await scene(s);
    await home();
    await emptyCache(s);
    const before = await served(s, "BatchGetTweets");
    t.true((await home()).some((h) => h.tweet?.tweetId === tweetId), "the page is whole after the cache was emptied");
    t.true((await served(s, "BatchGetTweets")) > before, "read through from the tweet service");
    // The write-back runs behind the answer: soon a read asks no service.
    const servedByRead = async () => {
      const before = await served(s, "BatchGetTweets");
      await home();
      return (await served(s, "BatchGetTweets")) - before;
    };
    t.true(await eventually(async () => (await servedByRead()) === 0, 2000), "filled again: a read asks no service");
  });
}

/** As a Redis flush does to its entries (only this system's keys: the Redis Cluster is shared). */
async function emptyCache(s: Chirp): Promise<void> {
  const cache = await s.targets.shared.hydrationCache();
  if (cache instanceof MemoryHydrationCache) return cache.close();
  const cluster = new Cluster(REDIS_CLUSTER_NODES, { lazyConnect: true });
  await cluster.connect();
  try {
    for (const node of cluster.nodes("master")) {
      let cursor = "0";
      do {
        const [next, keys] = await node.scan(cursor, "MATCH", `${s.rt.config.redis.prefix}h:*`, "COUNT", 1000);
        cursor = next;
        for (const k of keys) await node.del(k);
      } while (cursor !== "0");
    }
  } finally {
    cluster.disconnect();
  }
}
