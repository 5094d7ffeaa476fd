// Large accounts, end to end in both modes, with the fan-out threshold at 3
// followers: their tweets are not copied into timelines but merged in when
// read, from their author lists (built from BUILD ids on a miss, so a list
// can end before the account's history does), and paging across that merge
// returns every tweet once, in order. Once a list is built, a home read asks
// the tweet service for nothing, and new tweets and deletes still arrive.
import test, { type ExecutionContext } from "ava";
import { MODES, type Mode } from "../testing/runtime.js";
import { eventually } from "../testing/eventually.js";
import { startChirp, withTimelineStore, type Chirp, type ChirpWithStore } from "../testing/chirp.js";
import { LargeAccounts } from "./large-accounts.js";
import type { TimelineStore } from "./store/port.js";
import type { TimelineStarted } from "./target.js";

const BUILD = 2;

type System = ChirpWithStore & { lists: TimelineStore };

const systems = new Map<Mode, Promise<System>>();
const system = (mode: Mode) => {
  let s = systems.get(mode);
  if (!s) {
    s = startChirp({
      mode,
      label: "tl_large",
      targets: ["user", "graph", "tweet", "timeline", "fanout"],
      overrides: { timeline: { fanoutThreshold: 3, largeAccountCacheMs: 0, largeAccountFollowsCacheMs: 0, userTimelineBuild: BUILD } },
    })
      .then(withTimelineStore)
      .then(async (c) => Object.assign(c, { lists: await c.targets.shared.userTweetsStore() }));
    systems.set(mode, s);
  }
  return s;
};
test.after.always(async () => {
  for (const s of systems.values()) await (await s.catch(() => undefined))?.stop();
});

const desc = (ids: bigint[]) => [...ids].sort((x, y) => (x < y ? 1 : x > y ? -1 : 0));

/** The sum of a counter's values whose labels include `labels`. */
async function counted(s: Chirp, metric: string, labels: Record<string, string>): Promise<number> {
  const m = s.rt.metrics.registry.getSingleMetric(metric);
  if (!m) return 0;
  const match = (v: { labels: Partial<Record<string, string | number>> }) => Object.entries(labels).every(([k, x]) => v.labels[k] === x);
  return (await m.get()).values.filter(match).reduce((a, v) => a + v.value, 0);
}

/** Calls the services answered so far, by method (in-process calls count too). */
const served = (s: Chirp, method: string) => counted(s, "rpc_server_requests_total", { method });

/** Events the fan-out worker has handled so far (all subjects). */
const handled = (s: Chirp) => counted(s, "timeline_fanout_events_total", { outcome: "ok" });

const listReads = (s: Chirp, result: string) => counted(s, "chirp_timeline_author_list_reads_total", { use: "large_account", result });

/** The tweet service's own listing of the author, all pages. */
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

/** A registered account with `n` followers that are bare ids (Follow checks the followee only). */
async function withFollowers(s: System, n: number, base: bigint): Promise<bigint> {
  const account = await s.register();
  for (let i = 0n; i < BigInt(n); i++) await s.follow(base + i, account);
  return account;
}

for (const mode of MODES) {
  const it = (title: string, body: (t: ExecutionContext, s: System) => Promise<void>) =>
    test(`${mode}: ${title}`, async (t) => body(t, await system(mode)));

  it("a large account's tweets are merged at read time, not fanned out", async (t, s) => {
    const reader = await s.register();
    const star = await withFollowers(s, 3, 9_000_000_000n + BigInt(Date.now() % 1_000_000) * 10n);
    await s.follow(reader, star); // 4 followers now
    t.deepEqual(await s.homeIds(reader), []);
    t.deepEqual(await s.homeIds(star), []);
    const first = await s.post(star, "hello, fans");
    t.true(await eventually(() => s.store.isLargeAccount(star)), "became a large account on its first tweet");
    t.deepEqual(await s.homeIds(reader), [first], "visible through the merge");
    const second = await s.post(star, "again");
    // The author's list takes the tweet when the fan-out worker handles its event.
    t.true(await eventually(async () => (await s.homeIds(reader)).length === 2), "the new tweet reached the merge");
    t.deepEqual(await s.homeIds(reader), [second, first]);
    t.deepEqual(await s.store.contains([reader], first), [false], "never copied into the reader's timeline");
    t.deepEqual(await s.store.contains([star], second), [true], "but in the author's own");
    t.deepEqual(await s.homeIds(star), [second, first]);

    await s.clients.tweet.deleteTweet({ tweetId: first }, await s.as(star));
    t.true(await eventually(async () => (await s.homeIds(reader)).length === 1), "the delete reached the merge");
    t.deepEqual(await s.homeIds(reader), [second], "a deleted tweet is gone from the merge");
    await s.unfollow(reader, star);
    t.deepEqual(await s.homeIds(reader), [], "unfollowed: no longer merged");
  });

  it("paging across the merge returns every tweet once, newest first", async (t, s) => {
    const reader = await s.register();
    const base = 8_000_000_000n + BigInt(Date.now() % 1_000_000) * 100n;
    const stars = [await withFollowers(s, 3, base), await withFollowers(s, 3, base + 10n)];
    const normal = [await s.register(), await s.register()];
    for (const a of [...stars, ...normal]) await s.follow(reader, a);
    await s.homeIds(reader);
    // Interleaved in time, so pages mix fanned-out and merged tweets.
    const posted: bigint[] = [];
    const authors = [stars[0]!, normal[0]!, stars[1]!, normal[1]!, reader];
    for (let i = 0; i < 17; i++) posted.push(await s.post(authors[i % authors.length]!, `tweet ${i}`));
    t.true(await eventually(async () => (await s.homeIds(reader)).length === posted.length));
    for (const limit of [1, 3, 16, 17, 100]) {
      t.deepEqual(await s.homeIds(reader, limit), desc(posted), `limit ${limit}`);
    }
    t.deepEqual(
      (await s.store.page(reader, undefined, 100)).ids,
      desc(posted.filter((_, i) => !stars.includes(authors[i % authors.length]!))),
      "only the small accounts' tweets (and the reader's own) are stored",
    );
  });
  // Serial (ava runs these before the others): the count of calls below holds only while no other test acts.
  test.serial(`${mode}: once a large account's list is built, a home read calls ListUserTweets no more, and its tweets and deletes still arrive`, async (t) => {
    const s = await system(mode);
    const events = await handled(s);
    const reader = await s.register();
    const star = await withFollowers(s, 3, 7_000_000_000n + BigInt(Date.now() % 1_000_000) * 10n);
    const friend = await s.register();
    await s.follow(reader, star);
    await s.follow(reader, friend);
    const first = await s.post(star, "large one");
    t.true(await eventually(() => s.store.isLargeAccount(star)), "a large account");
    const small = await s.post(friend, "small one");
    t.true(await eventually(async () => (await s.homeIds(reader)).length === 2), "the first read builds the reader's timeline and the account's list");
    t.deepEqual(await s.homeIds(reader), [small, first]);
    t.deepEqual(await s.lists.page(star, undefined, 20), { built: true, ids: [first], complete: true }, "the account's whole history");
    // Five follows and two tweets: once handled, nothing of this test is left that could ask the tweet service.
    t.true(await eventually(async () => (await handled(s)) >= events + 7), "the fan-out worker is done");

    const calls = await served(s, "ListUserTweets");
    const hits = await listReads(s, "hit");
    for (const limit of [1, 2, 100]) t.deepEqual(await s.homeIds(reader, limit), [small, first], `pages of ${limit}`);
    const second = await s.post(star, "large two");
    t.true(await eventually(async () => (await s.homeIds(reader))[0] === second), "the account's new tweet reached the page");
    t.deepEqual(await s.homeIds(reader), [second, small, first]);
    await s.clients.tweet.deleteTweet({ tweetId: first }, await s.as(star));
    t.true(await eventually(async () => !(await s.lists.page(star, undefined, 20)).ids.includes(first)), "the delete reached the account's list");
    t.deepEqual(await s.homeIds(reader), [second, small], "and the page");
    t.deepEqual(await s.homeIds(reader, 1), [second, small]);
    t.is(await served(s, "ListUserTweets"), calls, "no ListUserTweets call");
    t.true((await listReads(s, "hit")) > hits, "counted as list hits");
    t.deepEqual((await s.lists.page(star, undefined, 20)).ids, await listed(s, star), "the list is what the tweet service lists");
  });

  test.serial(`${mode}: past the end of a large account's list, the merge goes on in the tweet service: every tweet once, in order`, async (t) => {
    const s = await system(mode);
    const reader = await s.register();
    const star = await withFollowers(s, 3, 6_000_000_000n + BigInt(Date.now() % 1_000_000) * 10n);
    await s.follow(reader, star);
    const posted = [await s.post(star, "p 0")];
    t.true(await eventually(() => s.store.isLargeAccount(star)), "a large account");
    for (let i = 1; i < 6; i++) posted.push(await s.post(star, `p ${i}`));
    const all = desc(posted);
    const fallbacks = await listReads(s, "fallback");
    t.deepEqual(await s.homeIds(reader), all, "the first read builds the list from the newest BUILD ids");
    t.deepEqual(await s.lists.page(star, undefined, 20), { built: true, ids: all.slice(0, BUILD) }, "not the whole history");
    for (const limit of [1, 2, 3, 5, 6]) t.deepEqual(await s.homeIds(reader, limit), all, `pages of ${limit}`);
    t.true((await listReads(s, "fallback")) > fallbacks, "counted as fallbacks");

    // The merge goes no deeper than its depth (the home timelines' cap), counted from the account's newest tweet.
    const rc = (s.targets.started.get("timeline") as TimelineStarted).rc;
    const shallow = new LargeAccounts(rc.store, rc.clients, rc.source, rc, { accountsMs: 0, followsMs: 0 }, 4, rc.logger, rc.timelineMetrics);
    t.deepEqual(await shallow.idsBefore(star, undefined, 10), all.slice(0, 4));
    t.deepEqual(await shallow.idsBefore(star, all[0], 10), all.slice(1, 4));
    t.deepEqual(await shallow.idsBefore(star, all[2], 10), all.slice(3, 4));
    t.deepEqual(await shallow.idsBefore(star, all[3], 10), []);
  });
}
