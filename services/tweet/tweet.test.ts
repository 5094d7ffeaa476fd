// The tweet service end to end: a started target, called through a real gRPC
// client, in both modes (LMDB + in-process bus; Cassandra + NATS JetStream).
import test, { type ExecutionContext } from "ava";
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { connect as tcpConnect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect as natsConnect } from "@nats-io/transport-node";
import { fromBinary } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient, type Client } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { Health, HealthCheckResponse_ServingStatus } from "../../gen/grpc/health/v1/health_pb.js";
import { TweetCreatedEventSchema, TweetDeletedEventSchema, TweetRetweetedEventSchema } from "../../gen/chirp/tweet/v1/events_pb.js";
import { TweetService } from "../../gen/chirp/tweet/v1/tweet_pb.js";
import type { JetStreamBus } from "../platform/bus/jetstream.js";
import type { BusMessage } from "../platform/bus/port.js";
import { startChirp, type Chirp } from "../testing/chirp.js";
import { MODES, type Mode } from "../testing/runtime.js";
import type { StartedTweet } from "./target.js";
import { eventually } from "../testing/eventually.js";
import { unavailable } from "../kit/errors.js";
import { freePorts } from "../testing/ports.js";

interface Env {
  s: Chirp;
  started: StartedTweet;
  client: Client<typeof TweetService>;
  events: BusMessage[];
  /** Viewers the timeline service was told about (statesChanged), in order. */
  notices: bigint[];
  /** Viewers whose notices fail (tests run concurrently: per viewer, not for all). */
  failNotices: Set<bigint>;
  as(userId: bigint): Promise<{ headers: Record<string, string> }>;
}

const envs = new Map<Mode, Promise<Env>>();
let nextUser = BigInt(Date.now()) * 1000n;
const newUser = () => ++nextUser;

async function setup(mode: Mode): Promise<Env> {
  // No timeline service here: the notices are recorded (the timeline suite checks them end to end).
  const notices: bigint[] = [];
  const failNotices = new Set<bigint>();
  const s = await startChirp({
    mode,
    label: `tweet${mode[0]}`,
    targets: ["tweet"],
    overrides: {
      tweet: {
        statesChanged: async (viewerId) => {
          if (failNotices.has(viewerId)) throw unavailable("the change is saved, but home timelines could not be told of it; retry, which is safe");
          notices.push(viewerId);
        },
      },
    },
  });
  const started = s.targets.started.get("tweet") as StartedTweet;
  const events: BusMessage[] = [];
  await s.rt.bus.consume({ durable: "probe", subjects: ["tweet.created", "tweet.deleted", "tweet.liked", "tweet.retweeted"], handler: async (m) => void events.push(m) });
  const client = createClient(TweetService, createGrpcTransport({ baseUrl: started.url! }));
  const tokens = new Map<bigint, string>();
  return {
    s,
    started,
    client,
    events,
    notices,
    failNotices,
    async as(userId) {
      let token = tokens.get(userId);
      if (!token) tokens.set(userId, (token = (await s.rt.signer!.sign({ userId, sessionId: "s" })).token));
      return { headers: { authorization: `Bearer ${token}` } };
    },
  };
}

test.after.always(async () => {
  for (const env of envs.values()) {
    const e = await env.catch(() => undefined);
    if (!e) continue;
    await e.s.stop();
  }
});

async function refused(t: ExecutionContext, p: Promise<unknown>, code: Code, message: RegExp) {
  const err = await t.throwsAsync(p);
  const ce = ConnectError.from(err);
  t.is(ce.code, code, `${Code[ce.code]}: ${ce.rawMessage}`);
  t.regex(ce.rawMessage, message);
}

for (const mode of MODES) {
  const env = () => {
    if (!envs.has(mode)) envs.set(mode, setup(mode));
    return envs.get(mode)!;
  };
  const it = (title: string, body: (t: ExecutionContext, e: Env) => Promise<void>) =>
    test(`${mode}: ${title}`, async (t) => body(t, await env()));

  it("listens on the port the OS picked and reports SERVING", async (t, e) => {
    t.true(e.started.port > 0);
    t.is(e.started.url, `http://127.0.0.1:${e.started.port}`);
    const health = createClient(Health, createGrpcTransport({ baseUrl: e.started.url! }));
    t.is((await health.check({ service: TweetService.typeName })).status, HealthCheckResponse_ServingStatus.SERVING);
  });

  it("creates a tweet as the caller, with hashtags and mentions, and emits tweet.created", async (t, e) => {
    const author = newUser();
    const { tweet } = await e.client.createTweet(
      { content: "Hello #Chirp from @alice 🎉", mediaUrls: ["https://cdn.example/a.png"] },
      await e.as(author),
    );
    t.is(tweet!.authorId, author);
    t.deepEqual(tweet!.hashtags, ["chirp"]);
    t.deepEqual(tweet!.mentions, ["alice"]);
    t.deepEqual(tweet!.mediaUrls, ["https://cdn.example/a.png"]);
    const got = (await e.client.getTweet({ tweetId: tweet!.tweetId })).tweet!;
    t.is(got.content, "Hello #Chirp from @alice 🎉");
    t.true(await eventually(() => e.events.some((m) => m.msgId === `tweet.created:${tweet!.tweetId}`)));
    const m = e.events.find((x) => x.msgId === `tweet.created:${tweet!.tweetId}`)!;
    t.is(m.subject, "tweet.created");
    t.is(fromBinary(TweetCreatedEventSchema, m.data).tweet!.content, "Hello #Chirp from @alice 🎉");
  });

  it("280 emoji are accepted and 281 refused; NFC is applied before counting", async (t, e) => {
    const opts = await e.as(newUser());
    const ok = await e.client.createTweet({ content: "😀".repeat(280) }, opts);
    t.is(ok.tweet!.content, "😀".repeat(280));
    await refused(t, e.client.createTweet({ content: "😀".repeat(281) }, opts), Code.InvalidArgument, /^content: must be at most 280 characters, got 281$/);
    const composed = await e.client.createTweet({ content: "e\u0301".repeat(280) }, opts);
    t.is(composed.tweet!.content, "\u00e9".repeat(280));
  });

  it("bad input gets a precise code and a clear message", async (t, e) => {
    const author = newUser();
    const opts = await e.as(author);
    await refused(t, e.client.createTweet({ content: "hi" }), Code.Unauthenticated, /needs an access token/);
    await refused(t, e.client.createTweet({ content: " \n\t " }, opts), Code.InvalidArgument, /^content: must not be blank$/);
    await refused(t, e.client.createTweet({ content: "" }, opts), Code.InvalidArgument, /^content: /);
    await refused(t, e.client.createTweet({ content: "a".repeat(281) }, opts), Code.InvalidArgument, /at most 280 characters/);
    await refused(t, e.client.createTweet({ content: "x", mediaUrls: ["http://cdn.example/a.png"] }, opts), Code.InvalidArgument, /^media_urls\[0\]: /);
    // The contract's rule is the https prefix; the service refuses the rest.
    for (const bad of ["https://cdn.example/a b.png", "https://"]) {
      await refused(t, e.client.createTweet({ content: "x", mediaUrls: [bad] }, opts), Code.InvalidArgument, /^media_urls\[0\]: must be an https:\/\/ URL$/);
    }
    await refused(
      t,
      e.client.createTweet({ content: "x", mediaUrls: [`https://cdn.example/${"a".repeat(1100)}`] }, opts),
      Code.InvalidArgument,
      /^media_urls\[0\]: .*1024/,
    );
    await refused(
      t,
      e.client.createTweet({ content: "x", mediaUrls: Array(5).fill("https://cdn.example/a.png") }, opts),
      Code.InvalidArgument,
      /^media_urls: .*4/,
    );
    await refused(t, e.client.createTweet({ content: "x", replyToTweetId: 999n }, opts), Code.NotFound, /^reply_to_tweet_id: tweet 999 not found$/);
    const { tweet } = await e.client.createTweet({ content: "mine" }, opts);
    await refused(t, e.client.deleteTweet({ tweetId: tweet!.tweetId }, await e.as(newUser())), Code.PermissionDenied, /only the author can delete tweet/);
    await e.client.deleteTweet({ tweetId: tweet!.tweetId }, opts);
    await refused(t, e.client.likeTweet({ tweetId: tweet!.tweetId }, await e.as(newUser())), Code.NotFound, new RegExp(`^tweet ${tweet!.tweetId} not found$`));
    await refused(t, e.client.getTweet({ tweetId: tweet!.tweetId }), Code.NotFound, /not found/);
    await refused(t, e.client.listUserTweets({ userId: author, cursor: "bogus" }), Code.InvalidArgument, /^cursor: /);
    await refused(t, e.client.createTweet({ content: "x", idempotencyKey: "no spaces allowed" }, opts), Code.InvalidArgument, /^idempotency_key: /);
  });

  it("a retried create with the same idempotency key returns the same tweet, and one event", async (t, e) => {
    const opts = await e.as(newUser());
    const key = `retry-${Date.now()}`;
    const first = await e.client.createTweet({ content: "only once", idempotencyKey: key }, opts);
    const again = await Promise.all(Array.from({ length: 5 }, () => e.client.createTweet({ content: "only once", idempotencyKey: key }, opts)));
    for (const r of again) t.is(r.tweet!.tweetId, first.tweet!.tweetId);
    const msgId = `tweet.created:${first.tweet!.tweetId}`;
    t.true(await eventually(() => e.events.some((m) => m.msgId === msgId)));
    await new Promise((r) => setTimeout(r, 300));
    t.is(e.events.filter((m) => m.msgId === msgId).length, 1);
  });

  it("50 concurrent likes by distinct users give 50; 50 by one user give 1", async (t, e) => {
    const { tweet } = await e.client.createTweet({ content: "like me" }, await e.as(newUser()));
    const id = tweet!.tweetId;
    const fans = Array.from({ length: 50 }, newUser);
    const byMany = await Promise.all(fans.map(async (u) => e.client.likeTweet({ tweetId: id }, await e.as(u))));
    t.true(byMany.every((r) => r.created));
    t.is((await e.client.getTweet({ tweetId: id })).tweet!.likeCount, 50n);

    const solo = (await e.client.createTweet({ content: "like me once" }, await e.as(newUser()))).tweet!.tweetId;
    const fan = await e.as(newUser());
    const byOne = await Promise.all(Array.from({ length: 50 }, () => e.client.likeTweet({ tweetId: solo }, fan)));
    t.is(byOne.filter((r) => r.created).length, 1);
    t.is((await e.client.getTweet({ tweetId: solo })).tweet!.likeCount, 1n);
    const un = await e.client.unlikeTweet({ tweetId: solo }, fan);
    t.deepEqual([un.removed, un.likeCount], [true, 0n]);
    t.false((await e.client.unlikeTweet({ tweetId: solo }, fan)).removed);
    t.true(await eventually(() => e.events.filter((m) => m.subject === "tweet.liked" && m.msgId.startsWith(`tweet.liked:${id}:`)).length === 50));
    // Liked again after the unlike: a new event, not taken for a resend.
    t.true((await e.client.likeTweet({ tweetId: solo }, fan)).created);
    t.true(await eventually(() => e.events.filter((m) => m.msgId.startsWith(`tweet.liked:${solo}:`)).length === 2), "two likes, two events");
  });

  it("BatchGetTweets keeps request order and reports missing and deleted ids", async (t, e) => {
    const author = newUser();
    const opts = await e.as(author);
    const made = [];
    for (let i = 0; i < 4; i++) made.push((await e.client.createTweet({ content: `b${i}` }, opts)).tweet!.tweetId);
    await e.client.deleteTweet({ tweetId: made[1]! }, opts);
    const res = await e.client.batchGetTweets({ tweetIds: [made[3]!, made[1]!, 5n, made[0]!, made[2]!] });
    t.deepEqual(res.tweets.map((x) => x.content), ["b3", "b0", "b2"]);
    t.deepEqual(res.missingTweetIds, [made[1], 5n]);
    await refused(t, e.client.batchGetTweets({ tweetIds: Array.from({ length: 101 }, (_, i) => BigInt(i + 1)) }), Code.InvalidArgument, /^tweet_ids: /);
  });

  it("ListUserTweets and ListReplies page with cursors, each tweet once", async (t, e) => {
    const author = newUser();
    const opts = await e.as(author);
    const made: bigint[] = [];
    for (let i = 0; i < 45; i++) made.push((await e.client.createTweet({ content: `n${i}` }, opts)).tweet!.tweetId);
    const seen: bigint[] = [];
    let cursor = "";
    let pages = 0;
    let userCursor = "";
    do {
      const page = await e.client.listUserTweets({ userId: author, cursor });
      seen.push(...page.tweets.map((x) => x.tweetId));
      cursor = page.nextCursor;
      userCursor ||= cursor;
      pages++;
      t.is(page.hasMore, cursor !== "");
    } while (cursor);
    t.is(pages, 3);
    t.deepEqual(seen, [...made].reverse());

    const parent = made[0]!;
    const replies = [];
    for (let i = 0; i < 3; i++) replies.push((await e.client.createTweet({ content: `r${i}`, replyToTweetId: parent }, await e.as(newUser()))).tweet!.tweetId);
    const p1 = await e.client.listReplies({ tweetId: parent, limit: 2 });
    const p2 = await e.client.listReplies({ tweetId: parent, limit: 2, cursor: p1.nextCursor });
    t.deepEqual([...p1.replies, ...p2.replies].map((x) => x.tweetId), replies);
    t.false(p2.hasMore);
    t.is((await e.client.getTweet({ tweetId: parent })).tweet!.replyCount, 3n);
    // A cursor of another list is refused, not misread.
    await refused(t, e.client.listReplies({ tweetId: parent, cursor: userCursor }), Code.InvalidArgument, /^cursor: /);
  });

  it("retweet once, shown on the retweeter's tweets, viewer states, undo and delete events", async (t, e) => {
    const { tweet } = await e.client.createTweet({ content: "worth sharing" }, await e.as(newUser()));
    const id = tweet!.tweetId;
    const fan = newUser();
    const fanOpts = await e.as(fan);
    const tries = await Promise.all(Array.from({ length: 5 }, () => e.client.retweet({ tweetId: id }, fanOpts)));
    t.is(tries.filter((r) => r.created).length, 1);
    const rt = tries[0]!.retweet!;
    t.is(rt.retweetOfTweetId, id);
    t.is(rt.content, "");
    t.deepEqual((await e.client.listUserTweets({ userId: fan })).tweets.map((x) => x.tweetId), [rt.tweetId]);
    t.is((await e.client.getTweet({ tweetId: id })).tweet!.retweetCount, 1n);
    await e.client.likeTweet({ tweetId: id }, fanOpts);
    const states = await e.client.batchGetViewerStates({ viewerId: fan, tweetIds: [id, 1n] }, fanOpts);
    t.deepEqual(states.states.map((s) => [s.tweetId, s.liked, s.retweeted]), [[id, true, true], [1n, false, false]]);
    await refused(t, e.client.batchGetViewerStates({ viewerId: fan, tweetIds: [id] }, await e.as(newUser())), Code.PermissionDenied, /only the owner/);

    t.true((await e.client.undoRetweet({ tweetId: id }, fanOpts)).removed);
    t.false((await e.client.undoRetweet({ tweetId: id }, fanOpts)).removed);
    t.is((await e.client.getTweet({ tweetId: id })).tweet!.retweetCount, 0n);
    t.deepEqual((await e.client.listUserTweets({ userId: fan })).tweets, []);
    t.true(await eventually(() => e.events.some((m) => m.msgId === `tweet.deleted:${rt.tweetId}`)));
    const del = fromBinary(TweetDeletedEventSchema, e.events.find((m) => m.msgId === `tweet.deleted:${rt.tweetId}`)!.data);
    t.deepEqual([del.tweetId, del.authorId, del.retweetOfTweetId], [rt.tweetId, fan, id]);
    const re = e.events.find((m) => m.msgId === `tweet.retweeted:${rt.tweetId}`)!;
    t.is(fromBinary(TweetRetweetedEventSchema, re.data).originalAuthorId, tweet!.authorId);
  });

  it("every like, unlike, retweet and undo tells the timelines before answering; a failed notice fails the call and a retry repairs it", async (t, e) => {
    const { tweet } = await e.client.createTweet({ content: "engage" }, await e.as(newUser()));
    const id = tweet!.tweetId;
    const fan = newUser();
    const opts = await e.as(fan);
    const mine = () => e.notices.filter((v) => v === fan).length;
    await e.client.likeTweet({ tweetId: id }, opts);
    t.is(mine(), 1);
    await e.client.likeTweet({ tweetId: id }, opts);
    t.is(mine(), 2, "also when nothing changed: it may repair a notice that failed");
    await e.client.unlikeTweet({ tweetId: id }, opts);
    const { retweet } = await e.client.retweet({ tweetId: id }, opts);
    await e.client.undoRetweet({ tweetId: id }, opts);
    t.is(mine(), 5);
    const again = await e.client.retweet({ tweetId: id }, opts);
    await e.client.deleteTweet({ tweetId: again.retweet!.tweetId }, opts);
    t.is(mine(), 7, "deleting one's retweet takes it back");
    t.not(again.retweet!.tweetId, retweet!.tweetId);
    await e.client.createTweet({ content: "no engagement" }, opts);
    t.is(mine(), 7, "a plain tweet changes no viewer state");

    e.failNotices.add(fan);
    await refused(t, e.client.likeTweet({ tweetId: id }, opts), Code.Unavailable, /saved.*retry, which is safe/);
    e.failNotices.delete(fan);
    t.is((await e.client.getTweet({ tweetId: id })).tweet!.likeCount, 1n, "the like is stored");
    const retry = await e.client.likeTweet({ tweetId: id }, opts);
    t.deepEqual([retry.created, retry.likeCount, mine()], [false, 1n, 8]);
  });
}

// --- NATS outage -------------------------------------------------------------
// A NATS server of this test's own (same binary as the system one, its own
// port and store), so stopping it cannot disturb anyone else's tests.

// The system's nats-server (Debian puts it in /usr/sbin), or CHIRP_NATS_SERVER_BIN.
const NATS_BIN = process.env.CHIRP_NATS_SERVER_BIN ?? ["/usr/sbin/nats-server", "/usr/bin/nats-server", "/usr/local/bin/nats-server"].find((p) => existsSync(p));

async function portAnswers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = tcpConnect(port, "127.0.0.1");
    s.once("connect", () => (s.destroy(), resolve(true)));
    s.once("error", () => resolve(false));
  });
}

class OwnNats {
  private proc?: ChildProcess | undefined;
  constructor(
    readonly port: number,
    private readonly storeDir: string,
  ) {}
  async start(): Promise<void> {
    if (!NATS_BIN) throw new Error("this test needs a nats-server binary: install nats-server or set CHIRP_NATS_SERVER_BIN");
    this.proc = spawn(NATS_BIN, ["-a", "127.0.0.1", "-p", String(this.port), "-js", "-sd", this.storeDir], { stdio: "ignore" });
    const until = Date.now() + 10_000;
    while (!(await portAnswers(this.port))) {
      if (Date.now() > until) throw new Error(`nats-server did not come up on ${this.port}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  /** A crash, not a goodbye: SIGKILL to the process this test started. */
  async kill(): Promise<void> {
    const p = this.proc;
    if (!p || p.exitCode !== null) return;
    const exited = new Promise((r) => p.once("exit", r));
    p.kill("SIGKILL");
    await exited;
    this.proc = undefined;
  }
}

test.serial("cluster: creates acknowledged while NATS is down reach consumers once each after it returns", async (t) => {
  const storeDir = mkdtempSync(join(tmpdir(), "chirp-nats-"));
  const nats = new OwnNats((await freePorts(1))[0]!, storeDir);
  await nats.start();
  let rt: Chirp | undefined;
  let started: StartedTweet | undefined;
  try {
    rt = await startChirp({ mode: "cluster", label: "tweetnats", targets: ["tweet"], env: { CHIRP_NATS_URL: `nats://127.0.0.1:${nats.port}` } });
    started = rt.targets.started.get("tweet") as StartedTweet;
    // What a consumer sees after de-duplicating by msgId. (A crash can bring
    // messages again: lost acks, consumer state restored from an older point.)
    const seen = new Map<string, number>();
    await rt.rt.bus.consume({
      durable: "outage_probe",
      subjects: ["tweet.created"],
      handler: async (m) => void seen.set(m.msgId, (seen.get(m.msgId) ?? 0) + 1),
    });
    const client = createClient(TweetService, createGrpcTransport({ baseUrl: started.url! }));
    const opts = { headers: { authorization: `Bearer ${(await rt.rt.signer!.sign({ userId: 4242n, sessionId: "s" })).token}` } };
    const ids: bigint[] = [];
    const create = async (i: number) => ids.push((await client.createTweet({ content: `outage ${i}` }, opts)).tweet!.tweetId);

    for (let i = 0; i < 10; i++) await create(i);
    await nats.kill();
    const downAt = Date.now();
    await Promise.all(Array.from({ length: 30 }, (_, i) => create(100 + i)));
    const concurrentFor = Date.now() - downAt;
    for (let i = 0; i < 10; i++) await create(200 + i);
    const downFor = Date.now() - downAt;
    t.is(ids.length, 50, "every create was acknowledged while NATS was down");
    // Only the first creates wait out the 2 s publish timeout; the rest go
    // straight to the outbox (40 timeouts in turn would take 80 s).
    t.true(downFor < 20_000, `creates during the outage took ${downFor} ms`);
    t.true((await started.ctx.store.outbox.list(100)).length >= 40, "the events of the outage wait in the outbox");
    await nats.start();

    const want = ids.map((id) => `tweet.created:${id}`);
    t.true(await eventually(() => want.every((m) => seen.has(m)), 30_000), `missing: ${want.filter((m) => !seen.has(m)).length}`);
    await new Promise((r) => setTimeout(r, 1500)); // room for a duplicate to show up
    t.deepEqual((await started.ctx.store.outbox.list(100)), []);
    t.is(seen.size, 50);
    // Once each on the stream itself: the outbox relay and any publish that
    // got through before timing out were de-duplicated by msgId.
    const nc = await natsConnect({ servers: `127.0.0.1:${nats.port}` });
    const jsm = await jetstreamManager(nc);
    const stream = (rt.rt.bus as JetStreamBus).streamName("TWEETS");
    const info = await jsm.streams.info(stream);
    const stored: string[] = [];
    for (let seq = info.state.first_seq; seq <= info.state.last_seq; seq++) {
      const m = await jsm.streams.getMessage(stream, { seq });
      if (m) stored.push(m.header.get("Nats-Msg-Id"));
    }
    await nc.close();
    t.is(info.state.messages, 50);
    t.deepEqual([...stored].sort(), [...want].sort());
    t.log(`outage: ${concurrentFor} ms for 30 concurrent creates, ${downFor - concurrentFor} ms for 10 more in sequence; deliveries repeated by the crash: ${[...seen.values()].filter((n) => n > 1).length}`);
  } finally {
    await rt?.stop().catch(() => {});
    await nats.kill();
    rmSync(storeDir, { recursive: true, force: true });
  }
});
