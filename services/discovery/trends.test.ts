// Trending hashtags through the real consumer, in both modes: tweet events
// are published on the system's bus (JetStream in cluster mode) as the tweet
// service publishes them, the discovery target's durable consumer counts
// them, and the trends job computes the list on an injected clock, so a week
// of traffic plays in seconds. Each scenario runs 10 simulated days after the
// previous one, so none sees another's tweets. Authors are ids the user
// service does not know; their weight comes from a table (young: half).
import { create, toBinary } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import test, { type ExecutionContext } from "ava";
import { TweetCreatedEventSchema, TweetDeletedEventSchema } from "../../gen/chirp/tweet/v1/events_pb.js";
import type { TrendingHashtag } from "../../gen/chirp/discovery/v1/discovery_pb.js";
import { SUBJECTS } from "../platform/bus/streams.js";
import { readHydrationConfig } from "../hydration/config.js";
import { eventually } from "../testing/eventually.js";
import { startChirp, type Chirp } from "../testing/chirp.js";
import { MODES, type Mode } from "../testing/runtime.js";
import { createDiscoveryContext } from "./context.js";
import type { StartedDiscovery } from "./target.js";
import { TrendsJob } from "./trends/job.js";
import { DAY_MS, HOUR_MS } from "./trends/windows.js";

const MINUTE = 60_000;
/** The test clock starts at a real whole hour (Redis expires records at real times) and only moves forward. */
let clock = Math.ceil(Date.now() / HOUR_MS) * HOUR_MS + HOUR_MS;
const now = () => clock;
const young = new Set<bigint>();

const systems = new Map<Mode, Promise<Chirp>>();
const system = (mode: Mode) => {
  let s = systems.get(mode);
  if (!s) {
    s = startChirp({
      mode,
      label: "disc_trends",
      targets: ["discovery"],
      overrides: {
        discovery: {
          now,
          manualTrends: true,
          authorWeight: async (id) => (young.has(id) ? 1 : 2),
          config: { trends: { deny: ["blockedtag"], intervalMs: 60_000, minAuthors: 5, minScore: 2, halfLifeMs: 4 * HOUR_MS } },
        },
      },
    });
    systems.set(mode, s);
  }
  return s;
};
test.after.always(async () => {
  for (const s of systems.values()) await (await s.catch(() => undefined))?.stop();
});

const discovery = (s: Chirp) => s.targets.started.get("discovery") as StartedDiscovery;

let seq = 0n;
const base = BigInt(Date.now()) * 1000n;
const newId = () => base + ++seq;

/** Events the consumer has handled (ok), across both durables. */
async function handled(s: Chirp): Promise<number> {
  const m = s.rt.metrics.registry.getSingleMetric("discovery_events_total");
  if (!m) return 0;
  return (await m.get()).values.filter((v) => v.labels.outcome === "ok").reduce((a, v) => a + v.value, 0);
}

/** Publishes the events and waits until the consumer handled them all. */
async function play(s: Chirp, events: Array<{ subject: string; data: Uint8Array; msgId: string }>): Promise<void> {
  const before = await handled(s);
  for (const e of events) await s.rt.bus.publish(e.subject, e.data, e.msgId);
  if (!(await eventually(async () => (await handled(s)) >= before + events.length, 30_000, 25))) {
    throw new Error(`the consumer handled ${(await handled(s)) - before} of ${events.length} events`);
  }
}

interface Posted {
  tweetId: bigint;
  authorId: bigint;
}

function created(authorId: bigint, hashtags: string[], at: number, tweetId = newId()) {
  const data = toBinary(
    TweetCreatedEventSchema,
    create(TweetCreatedEventSchema, { tweet: { tweetId, authorId, content: hashtags.map((h) => `#${h}`).join(" "), hashtags, createdAt: timestampFromMs(at) } }),
  );
  return { subject: SUBJECTS.tweetCreated, data, msgId: `tweet.created:${tweetId}:${Math.random()}`, posted: { tweetId, authorId } };
}

function deleted(p: Posted) {
  const data = toBinary(TweetDeletedEventSchema, create(TweetDeletedEventSchema, { tweetId: p.tweetId, authorId: p.authorId, deletedAt: timestampFromMs(clock) }));
  return { subject: SUBJECTS.tweetDeleted, data, msgId: `tweet.deleted:${p.tweetId}` };
}

/** `n` distinct new authors post `tag` once each, spread over the `spreadMs` before `end`. */
function burst(tag: string, n: number, end: number, spreadMs = 30 * MINUTE) {
  return Array.from({ length: n }, (_, i) => created(newId(), [tag], end - 1 - Math.floor((i * spreadMs) / n)));
}

/** Moves to a fresh stretch of simulated time, 10 days on. */
function nextScenario(): number {
  clock += 10 * DAY_MS;
  return clock;
}

/** Runs the job at the clock's time (a new minute each call) and reads the list through the API. */
async function trends(s: Chirp): Promise<TrendingHashtag[]> {
  clock += MINUTE;
  if (!(await discovery(s).trends.runOnce())) throw new Error("the trends run was claimed already");
  return (await s.clients.discovery.listTrendingHashtags({ limit: 20 })).hashtags;
}

const find = (list: TrendingHashtag[], tag: string) => list.find((h) => h.tag === tag);
const tagName = (what: string) => `${what}${seq}`;

for (const mode of MODES) {
  const it = (title: string, body: (t: ExecutionContext, s: Chirp) => Promise<void>) =>
    test.serial(`${mode}: ${title}`, async (t) => body(t, await system(mode)));

  it("a burst trends, with what its score was made of; a tag under 5 authors does not", async (t, s) => {
    const end = nextScenario();
    const [hot, few] = [tagName("burst"), tagName("few")];
    await play(s, [...burst(hot, 30, end), ...burst(few, 4, end)]);
    const list = await trends(s);
    const h = find(list, hot);
    if (!t.truthy(h, list.map((x) => x.tag).join(" "))) return;
    t.is(h!.uniqueAuthors, 30n);
    t.is(h!.observed, 30);
    t.is(h!.expected, 1);
    t.is(h!.currentScore, 29);
    t.is(h!.score, 29);
    t.falsy(find(list, few));
  });

  it("a daily habit (#monday every day at the same hour for a week) does not trend; on its first day it did", async (t, s) => {
    const end = nextScenario();
    const tag = tagName("monday");
    const regulars = Array.from({ length: 20 }, () => newId());
    // Day one: a new tag, 20 authors: it trends.
    const start = end - 7 * DAY_MS;
    clock = start;
    await play(s, regulars.map((a, i) => created(a, [tag], start - 1 - i * MINUTE)));
    t.truthy(find(await trends(s), tag), "new on its first day");
    // Then every day at the same hour, and today.
    for (let d = 6; d >= 0; d--) {
      const dayEnd = end - d * DAY_MS;
      await play(s, regulars.map((a, i) => created(a, [tag], dayEnd - 1 - i * MINUTE)));
    }
    clock = end - MINUTE;
    const list = await trends(s);
    t.falsy(find(list, tag), JSON.stringify(list.map((h) => h.tag)));
    const explained = (await discovery(s).trends.compute(clock)).hashtags;
    t.falsy(find(explained, tag));
  });

  it("one noisy account posting a tag 500 times does not trend; redelivered and re-cased tweets count once", async (t, s) => {
    const end = nextScenario();
    const tag = tagName("noisy");
    const noisy = newId();
    const events = Array.from({ length: 500 }, (_, i) => created(noisy, [tag], end - 1 - i * 1000));
    // Two more accounts, and a third whose tweet is delivered twice (another
    // message id, as a redelivery after a crash is): four in all, one short.
    events.push(...burst(tag, 2, end));
    const again = created(newId(), [tag], end - 5000);
    events.push(again, created(again.posted.authorId, [tag], end - 5000, again.posted.tweetId));
    t.is(events.length, 504);
    await play(s, events);
    t.falsy(find(await trends(s), tag), "4 distinct authors: it would trend if tweets were counted");
    // The same tag, spelled otherwise by a fifth account, normalised as one: now it trends, by authors.
    await play(s, [created(newId(), [tag.toUpperCase()], end - 2000)]);
    const h = find(await trends(s), tag);
    t.is(h?.uniqueAuthors, 5n);
    t.is(h?.observed, 5);
  });

  it("a deleted burst stops trending within a minute; decay keeps nothing of it", async (t, s) => {
    const end = nextScenario();
    const [gone, fading] = [tagName("gone"), tagName("fading")];
    // A burst now, and another tag's bigger burst 3 hours ago that is still used a little now.
    const now1 = burst(gone, 40, end);
    const earlier = burst(fading, 41, end - 2 * HOUR_MS - 10 * MINUTE);
    const still = burst(fading, 6, end);
    await play(s, [...now1, ...earlier, ...still]);
    clock = end - MINUTE;
    const before = await trends(s);
    t.is(find(before, gone)?.uniqueAuthors, 40n);
    const f = find(before, fading)!;
    t.is(f.currentScore, 5);
    t.true(f.score > 15, `decayed past burst: ${f.score}`);
    // Both bursts deleted (a moderated campaign).
    await play(s, [...now1, ...earlier].map((e) => deleted(e.posted)));
    const after = await trends(s);
    t.falsy(find(after, gone), "the deleted burst is off the list at the next run, a minute later");
    t.is(find(after, fading)?.score, 5, "the past burst's decayed score went with it");
  });

  it("new accounts count half; a denied tag is never listed, however it is spelled", async (t, s) => {
    const end = nextScenario();
    const tag = tagName("young");
    const events = burst(tag, 10, end);
    for (const e of events) young.add(e.posted.authorId);
    await play(s, [...events, ...burst("BlockedTag", 30, end)]);
    const list = await trends(s);
    const h = find(list, tag);
    t.is(h?.uniqueAuthors, 10n);
    t.is(h?.observed, 5);
    t.is(h?.currentScore, 4);
    t.falsy(find(list, "blockedtag"));
  });

  it("removing an account takes back its contributions (one store call)", async (t, s) => {
    const end = nextScenario();
    const tag = tagName("campaign");
    const events = burst(tag, 6, end);
    await play(s, events);
    t.truthy(find(await trends(s), tag));
    const { store } = discovery(s).ctx;
    for (const e of events.slice(0, 2)) t.is(await store.trends.removeAuthor(e.posted.authorId, clock + 8 * DAY_MS), 1);
    t.falsy(find(await trends(s), tag));
  });

  it("replicas share the work: one run per minute computes, the others find it claimed", async (t, s) => {
    nextScenario();
    // Another replica: in cluster mode a store of its own on the same Redis (a
    // process of its own would have one); the all-in-one has one process.
    const ctx = await createDiscoveryContext(s.rt, await s.targets.shared.hydrationCache(), readHydrationConfig(), {
      now,
      config: { trends: { ...discovery(s).ctx.config.trends } },
      ...(mode === "embedded" ? { store: discovery(s).ctx.store } : {}),
    });
    t.teardown(() => (mode === "cluster" ? ctx.store.close() : undefined));
    const other = new TrendsJob(ctx);
    clock += MINUTE;
    const runs = await Promise.all([discovery(s).trends.runOnce(), other.runOnce(), discovery(s).trends.runOnce(), other.runOnce()]);
    t.is(runs.filter(Boolean).length, 1);
    clock += MINUTE;
    t.true(await other.runOnce());
    t.false(await discovery(s).trends.runOnce());
  });

  it("a limit out of range is INVALID_ARGUMENT", async (t, s) => {
    const err = ConnectError.from(await t.throwsAsync(s.clients.discovery.listTrendingHashtags({ limit: 21 })));
    t.is(err.code, Code.InvalidArgument);
    t.regex(err.rawMessage, /limit/);
    t.true((await s.clients.discovery.listTrendingHashtags({})).hashtags.length <= 10);
  });
}
