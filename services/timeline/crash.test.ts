// A fan-out worker killed (SIGKILL) in the middle of a tweet's fan-out: after
// another worker takes over, every follower's timeline holds the tweet, once.
// Cluster mode: the worker is a separate process on JetStream + Redis Cluster.
import test from "ava";
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { eventually } from "../testing/eventually.js";
import { startChirp, withTimelineStore, type ChirpWithStore as System } from "../testing/chirp.js";

const CHILD = fileURLToPath(new URL("./testing/fanout-child.ts", import.meta.url));
const FOLLOWERS = 1500;
const settings = { fanoutBatchSize: 100, fanoutConcurrency: 2, fanoutAckWaitMs: 2000 };

let sys: System | undefined;
let child: ChildProcess | undefined;
test.after.always(async () => {
  child?.kill("SIGKILL");
  await sys?.stop();
});

async function inParallel<T>(items: T[], n: number, fn: (x: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: n }, async () => {
    while (next < items.length) await fn(items[next++]!);
  }));
}

test("cluster: a worker killed mid-fan-out leaves every timeline complete, without duplicates", async (t) => {
  t.timeout(180_000);
  sys = await withTimelineStore(
    await startChirp({ mode: "cluster", label: "tl_crash", targets: ["user", "graph", "tweet", "timeline"], overrides: { timeline: settings } }),
  );
  const s = sys;
  const author = await s.register();
  const base = 7_000_000_000n + BigInt(Date.now() % 1_000_000) * 10_000n;
  const followers = Array.from({ length: FOLLOWERS }, (_, i) => base + BigInt(i));
  await inParallel(followers, 32, (f) => s.follow(f, author));
  // Timelines that exist (as if their owners had read them): fan-out writes only to those.
  await inParallel([author, ...followers], 64, (u) => s.store.finishBuild(u, []));

  child = spawn(process.execPath, ["--import", "tsx", CHILD], {
    env: {
      ...process.env,
      ...s.env,
      CHIRP_FANOUT_BATCH_SIZE: String(settings.fanoutBatchSize),
      CHIRP_FANOUT_CONCURRENCY: String(settings.fanoutConcurrency),
      CHIRP_FANOUT_ACK_WAIT_MS: String(settings.fanoutAckWaitMs),
      CHIRP_TEST_BATCH_DELAY_MS: "100",
    },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const [first] = (await once(child.stdout!, "data")) as [Buffer];
  t.is(first.toString().trim(), "ready");

  const tweetId = await s.post(author, "do not lose me");
  let reached = 0;
  const partial = await eventually(async () => {
    reached = (await s.store.contains(followers, tweetId)).filter(Boolean).length;
    return reached >= 200;
  }, 30_000, 10);
  t.true(partial, "the child started fanning out");
  child.kill("SIGKILL");
  await once(child, "exit");
  const atKill = (await s.store.contains(followers, tweetId)).filter(Boolean).length;
  t.log(`${atKill} of ${FOLLOWERS} timelines had the tweet when the worker was killed`);
  t.true(atKill < FOLLOWERS, "killed in the middle, not after the end");

  await s.start("fanout"); // same durable consumers: takes over what the dead worker held
  t.true(await eventually(async () => (await s.store.contains(followers, tweetId)).every(Boolean), 60_000, 100), "every follower has it");
  const pages = await Promise.all(followers.map((f) => s.store.page(f, undefined, 10)));
  t.true(pages.every((p) => p.built && p.ids.length === 1 && p.ids[0] === tweetId), "exactly once in each timeline");
  t.deepEqual(await s.homeIds(followers[0]!), [tweetId], "and through the API");

  // The replacement worker carries on normally.
  const next = await s.post(author, "after the crash");
  t.true(await eventually(async () => (await s.store.contains(followers, next)).every(Boolean), 30_000, 100));
});
