// The planner against the real services, in both modes: an author's tweets
// planned together share reads of the follower list, and every follower
// still gets every tweet, once.
import test from "ava";
import { eventually } from "../../testing/eventually.js";
import { MODES, type Mode } from "../../testing/runtime.js";
import { readTimelineConfig } from "../config.js";
import { timelineContext } from "../context.js";
import { startChirp, withTimelineStore, type ChirpWithStore as System } from "../../testing/chirp.js";
import { fanoutMetrics } from "./metrics.js";
import { FanoutPlanner } from "./plan.js";

const systems = new Map<Mode, Promise<System>>();
test.after.always(async () => {
  for (const s of systems.values()) await (await s.catch(() => undefined))?.stop();
});

async function scansSoFar(s: System): Promise<{ scans: number; tweets: number }> {
  const m = fanoutMetrics(s.rt.metrics.registry);
  const sum = async (c: typeof m.scans) => (await c.get()).values.reduce((a, v) => a + v.value, 0);
  return { scans: await sum(m.scans), tweets: await sum(m.scannedTweets) };
}

for (const mode of MODES) {
  test.serial(`${mode}: tweets planned together share follower reads; every follower gets each tweet once`, async (t) => {
    const system = startChirp({
      mode,
      label: "tl_plan",
      targets: ["user", "graph", "tweet", "timeline", "fanout"],
      overrides: { timeline: { fanoutBatchSize: 2 } },
    }).then(withTimelineStore);
    systems.set(mode, system);
    const s = await system;
    const planner = new FanoutPlanner(timelineContext(s.rt, s.store, { ...readTimelineConfig(), fanoutBatchSize: 2 }, "fanout", await s.targets.shared.userTweetsStore()));
    const author = await s.register();
    const followers = Array.from({ length: 5 }, (_, i) => 8_000_000_000n + BigInt(Date.now() % 1_000_000) * 100n + BigInt(i));
    for (const f of followers) await s.follow(f, author);
    // Timelines that exist (as if read once): fan-out writes only to those.
    for (const f of followers) await s.store.finishBuild(f, []);

    const tweets = Array.from({ length: 12 }, () => s.rt.ids.next());
    const before = await scansSoFar(s);
    const covered = await Promise.all(tweets.map((id) => planner.plan("add", id, author)));
    const after = await scansSoFar(s);
    t.deepEqual(covered, tweets.map(() => followers.length), "each tweet's jobs cover every follower");
    t.is(after.tweets - before.tweets, tweets.length);
    const scans = after.scans - before.scans;
    // The first tweet's read starts alone; the rest arrive while it runs and share the next.
    t.true(scans >= 2 && scans <= tweets.length / 2, `${scans} reads for ${tweets.length} tweets`);

    for (const id of tweets) {
      t.true(await eventually(async () => (await s.store.contains(followers, id)).every(Boolean)), `tweet ${id} reached every follower`);
    }
    const page = await s.store.page(followers[0]!, undefined, 100);
    t.deepEqual([...page.ids].sort(), [...tweets].sort(), "each tweet once, nothing else");

    // Planned again (a redelivered event): its saved progress says done, so no read at all.
    const again = await scansSoFar(s);
    t.is(await planner.plan("add", tweets[0]!, author), 0);
    t.deepEqual(await scansSoFar(s), again);
  });
}
