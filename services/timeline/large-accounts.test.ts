// Large accounts, end to end in both modes, with the fan-out threshold at 3
// followers: their tweets are not copied into timelines but merged in when
// read, and paging across that merge returns every tweet once, in order.
import test, { type ExecutionContext } from "ava";
import { MODES, type Mode } from "../testing/runtime.js";
import { eventually } from "../testing/eventually.js";
import { startChirp, withTimelineStore, type ChirpWithStore as System } from "../testing/chirp.js";

const systems = new Map<Mode, Promise<System>>();
const system = (mode: Mode) => {
  let s = systems.get(mode);
  if (!s) {
    s = startChirp({
      mode,
      label: "tl_large",
      targets: ["user", "graph", "tweet", "timeline", "fanout"],
      overrides: { timeline: { fanoutThreshold: 3, largeAccountCacheMs: 0, largeAccountFollowsCacheMs: 0 } },
    }).then(withTimelineStore);
    systems.set(mode, s);
  }
  return s;
};
test.after.always(async () => {
  for (const s of systems.values()) await (await s.catch(() => undefined))?.stop();
});

const desc = (ids: bigint[]) => [...ids].sort((x, y) => (x < y ? 1 : x > y ? -1 : 0));

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
    t.deepEqual(await s.homeIds(reader), [second, first]);
    t.deepEqual(await s.store.contains([reader], first), [false], "never copied into the reader's timeline");
    t.deepEqual(await s.store.contains([star], second), [true], "but in the author's own");
    t.deepEqual(await s.homeIds(star), [second, first]);

    await s.clients.tweet.deleteTweet({ tweetId: first }, await s.as(star));
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
}
