// /api/v1/streaming with a real `ws` client, in both modes: live tweets on
// home, user:<id> and hashtag:<tag>, notifications as the notification
// service publishes them, resume without a gap or a duplicate, resync_required,
// the limits and bad input, several gateways, and a gateway restarted while
// its clients reconnect with their last ids. SSE's Last-Event-ID resumes the same way.
import test, { type ExecutionContext } from "ava";
import { create, toBinary } from "@bufbuild/protobuf";
import { NotificationLiveEventSchema } from "../../../gen/chirp/notification/v1/notification_pb.js";
import { TokenSigner } from "../../kit/auth.js";
import { SUBJECTS } from "../../platform/bus/streams.js";
import { HydratedTweetSchema } from "../../../gen/chirp/timeline/v1/timeline_pb.js";
import { encodeLiveTweet } from "../../timeline/live.js";
import { startChirp, type Chirp } from "../../testing/chirp.js";
import { eventually } from "../../testing/eventually.js";
import { perMode } from "../../testing/per-mode.js";
import { MODES, testKeys } from "../../testing/runtime.js";
import type { TargetName } from "../../targets.js";
import { readGrpcHome } from "../testing/grpc-home.js";
import { call, openSse } from "../testing/http.js";
import { isRefused, mustOpen, openWs, type Frame, type WsClient } from "../testing/ws.js";
import type { GatewayConfig } from "../config.js";
import { LIVE_DEFAULTS } from "./config.js";

const TARGETS: TargetName[] = ["user", "graph", "tweet", "timeline", "fanout", "gateway"];
/** Services the gateway calls that these tests do not run (cluster mode wants an address for each). */
const ABSENT = { CHIRP_DISCOVERY_ADDR: "http://127.0.0.1:9", CHIRP_SEARCH_ADDR: "http://127.0.0.1:9", CHIRP_NOTIFICATION_ADDR: "http://127.0.0.1:9" };
const gateway: Partial<GatewayConfig> = {
  sseKeepAliveMs: 300,
  rateLimit: { perIpPerMinute: 0, perUserPerMinute: 0, timeoutMs: 5000 },
};

const system = perMode((mode) => startChirp({ mode, label: `ws_${mode}`, targets: TARGETS, env: ABSENT, overrides: { gateway } }));

/** The gateway's URL as it is now (a test restarts it on another port). */
const gw = (s: Chirp) => s.urls.gateway!;
const token = async (s: Chirp, userId: bigint) => ((await s.as(userId)).headers as Record<string, string>).authorization!.slice("Bearer ".length);
const tag = () => `live${Math.random().toString(36).slice(2, 8)}`;
const subscribed = (c: WsClient, stream: string) => c.next((f) => f.event === "subscribed" && f.stream === stream);
const updates = (c: WsClient, stream: string) => c.frames.filter((f) => f.stream === stream && f.event === "update");
const tweetIdOf = (f: Frame): string => f.payload.tweet.tweet_id;
const sortedIds = (frames: Frame[]) => frames.map(tweetIdOf).sort();

/** A reader following an author, with a built home timeline (fan-out writes only to built ones). */
async function pair(s: Chirp) {
  const [author, reader] = [await s.register(), await s.register()];
  await s.follow(reader, author);
  await s.homeIds(reader);
  return { author, reader };
}

for (const mode of MODES) {
  const it = (title: string, body: (t: ExecutionContext, s: Chirp) => Promise<void>) => test.serial(`${mode}: ${title}`, async (t) => body(t, await system(mode)));

  it("no token or a bad one: the upgrade is answered 401; the header and the subprotocol both carry a good one", async (t, s) => {
    for (const o of [{}, { token: "not-a-jwt" }, { token: "not-a-jwt", viaProtocol: true }]) {
      const c = await openWs(gw(s), "?stream=home", o);
      t.true(isRefused(c), JSON.stringify(o));
      if (isRefused(c)) {
        t.is(c.status, 401);
        t.is(JSON.parse(c.body).code, "unauthenticated");
      }
    }
    const me = await s.register();
    const viaHeader = await mustOpen(gw(s), "?stream=home", { token: await token(s, me) });
    await subscribed(viaHeader, "home");
    const tk = await token(s, me);
    const viaProtocol = await mustOpen(gw(s), "?stream=notifications", { token: tk, viaProtocol: true });
    t.is(viaProtocol.ws.protocol, tk, "the subprotocol is echoed, as browsers require");
    await subscribed(viaProtocol, "notifications");
    viaHeader.close();
    viaProtocol.close();
    const plain = await call<Record<string, string>>(gw(s), "GET", "/api/v1/streaming?stream=home", { token: tk });
    t.is(plain.status, 426, "a request that does not upgrade is told to");
    t.is(plain.body.code, "failed_precondition");
    t.regex(String(plain.body.message), /Upgrade: websocket/);
  });

  it("a new tweet arrives on home, user:<id> and hashtag:<tag> as REST shows it; a delete on home and user", async (t, s) => {
    const { author, reader } = await pair(s);
    const tg = tag();
    const c = await mustOpen(gw(s), `?stream=home&stream=user:${author}`, { token: await token(s, reader) });
    c.send({ type: "subscribe", stream: `hashtag:${tg.toUpperCase()}` });
    await Promise.all([subscribed(c, "home"), subscribed(c, `user:${author}`), subscribed(c, `hashtag:${tg}`)]);
    const tweetId = String(await s.post(author, `hello #${tg}`));
    for (const stream of ["home", `user:${author}`, `hashtag:${tg}`]) {
      const f = await c.next((x) => x.stream === stream && x.event === "update");
      t.is(tweetIdOf(f), tweetId, stream);
      t.is(f.payload.author.user_id, String(author), "hydrated with its author, proto field names as REST");
      t.is(f.payload.tweet.content, `hello #${tg}`);
      t.regex(f.id!, /^[0-9]+$/);
    }
    await s.clients.tweet.deleteTweet({ tweetId: BigInt(tweetId) }, await s.as(author));
    for (const stream of ["home", `user:${author}`]) t.is((await c.next((x) => x.stream === stream && x.event === "delete")).payload, tweetId);
    const ids = c.frames.filter((f) => f.id !== null).map((f) => BigInt(f.id!));
    t.deepEqual(ids, [...ids].sort((a, b) => (a < b ? -1 : 1)), "ids increase in the order sent");
    t.is(new Set(ids).size, ids.length, "no id twice");
    c.close();
  });

  it("notifications as the notification service publishes them: the group's JSON", async (t, s) => {
    const me = await s.register();
    const c = await mustOpen(gw(s), "?stream=notifications", { token: await token(s, me) });
    await subscribed(c, "notifications");
    const group = { groupKey: "like-1-2", type: "like", count: 3n, sampleAccountIds: [5n, 6n], latestNotificationId: 77n };
    const bytes = toBinary(NotificationLiveEventSchema, create(NotificationLiveEventSchema, { event: "notification", group }));
    await s.rt.bus.publish(SUBJECTS.liveNotifications(me), bytes, `n-${me}-1`);
    const f = await c.next((x) => x.stream === "notifications" && x.event !== "subscribed");
    t.is(f.event, "notification");
    t.like(f.payload, { group_key: "like-1-2", type: "like", count: "3", sample_account_ids: ["5", "6"], latest_notification_id: "77" });
    c.close();
  });

  it("a reconnect with its last id gets what it missed, in order, once; so does a resume message", async (t, s) => {
    const { author, reader } = await pair(s);
    const tk = await token(s, reader);
    const first = await mustOpen(gw(s), "?stream=home", { token: tk });
    await subscribed(first, "home");
    const seen = [String(await s.post(author, "one"))];
    const last = await first.next((f) => f.event === "update");
    first.close();
    await first.closed;
    for (const text of ["two", "three", "four"]) seen.push(String(await s.post(author, text)));
    // Fan-out has published them (the author's own stream sees the last one on the same path).
    await eventually(async () => (await s.homeIds(reader)).length === 4);
    await new Promise((r) => setTimeout(r, 300));

    const again = await mustOpen(gw(s), `?stream=home&since=${last.id}`, { token: tk });
    await subscribed(again, "home");
    seen.push(String(await s.post(author, "five")));
    await eventually(() => updates(again, "home").length >= 4);
    await new Promise((r) => setTimeout(r, 300));
    // Fan-out handles tweets concurrently: the stream may hold them in another order than they were posted.
    t.deepEqual(sortedIds(updates(again, "home")), [...seen.slice(1)].sort(), "the missed ones, then the live one, each once");
    t.is(tweetIdOf(updates(again, "home").at(-1)!), seen.at(-1)!, "the live one last");

    const bySend = await mustOpen(gw(s), "?stream=home", { token: tk });
    await subscribed(bySend, "home");
    bySend.send({ type: "resume", since: last.id });
    await eventually(() => updates(bySend, "home").length >= 4);
    t.deepEqual(updates(bySend, "home").map(tweetIdOf), updates(again, "home").map(tweetIdOf), "in the stream's order, as the other client");
    again.close();
    bySend.close();
  });

  it("an id the live history no longer covers gets one resync_required, then live events", async (t, s) => {
    const { author, reader } = await pair(s);
    // An id from the future (another stream's, or a forged one) is not covered either.
    const c = await mustOpen(gw(s), "?stream=home&since=8999999999999999", { token: await token(s, reader) });
    await subscribed(c, "home");
    t.is(c.frames.filter((f) => f.event === "resync_required").length, 1);
    const id = String(await s.post(author, "after the reload"));
    t.is(tweetIdOf(await c.next((f) => f.event === "update")), id);
    c.close();
    if (mode === "embedded") {
      // The in-process history starts at this process's clock: an id from before it is older than anything kept.
      const old = await mustOpen(gw(s), "?stream=home&since=1", { token: await token(s, reader) });
      await subscribed(old, "home");
      t.is(old.frames.filter((f) => f.event === "resync_required").length, 1);
      old.close();
    }
  });

  it("bad input gets an error message and the socket stays open; binary and oversized frames close it; others are unaffected", async (t, s) => {
    const { author, reader } = await pair(s);
    const tk = await token(s, reader);
    const bystander = await mustOpen(gw(s), `?stream=user:${author}`, { token: tk });
    await subscribed(bystander, `user:${author}`);
    const c = await mustOpen(gw(s), "?stream=nope", { token: tk });
    const errors = () => c.frames.filter((f) => f.event === "error");
    await c.next((f) => f.event === "error");
    t.regex(errors()[0]!.payload.message, /unknown stream 'nope'/);
    c.send("{not json");
    c.send({ type: "dance" });
    c.send({ type: "subscribe", stream: "user:abc" });
    c.send({ type: "resume", since: "yesterday" });
    await eventually(() => errors().length === 5);
    t.deepEqual(errors().map((f) => f.payload.code), ["invalid_argument", "invalid_argument", "invalid_argument", "invalid_argument", "invalid_argument"]);
    t.regex(errors()[2]!.payload.message, /unknown message type "dance"/);
    // Still open and working.
    c.send({ type: "subscribe", stream: `user:${author}` });
    await subscribed(c, `user:${author}`);
    // At most 50 streams.
    for (let i = 1; i < LIVE_DEFAULTS.maxSubscriptions; i++) c.send({ type: "subscribe", stream: `hashtag:t${i}x` });
    await eventually(() => c.frames.filter((f) => f.event === "subscribed").length === LIVE_DEFAULTS.maxSubscriptions);
    c.send({ type: "subscribe", stream: "home" });
    const full = await c.next((f) => f.event === "error" && f.payload.code === "resource_exhausted");
    t.regex(full.payload.message, /at most 50 streams/);
    c.send({ type: "unsubscribe", stream: "hashtag:t1x" });
    c.send({ type: "subscribe", stream: "home" });
    await subscribed(c, "home");

    const binary = await mustOpen(gw(s), "", { token: tk });
    binary.ws.send(Buffer.from([1, 2, 3]));
    t.is((await binary.closed).code, 1003);
    const big = await mustOpen(gw(s), "", { token: tk });
    big.send({ type: "subscribe", stream: "x".repeat(70 * 1024) });
    t.is((await big.closed).code, 1009);

    const id = String(await s.post(author, "still here"));
    t.is(tweetIdOf(await bystander.next((f) => f.event === "update")), id, "the others are served as before");
    t.is(tweetIdOf(await c.next((f) => f.event === "update" && f.stream === "home")), id);
    bystander.close();
    c.close();
  });

  it("upgrades count against the client address's rate limit: past it, 429", async (t, s) => {
    const me = await s.register();
    const limited = await s.extraGateway({ ...gateway, rateLimit: { perIpPerMinute: 2, perUserPerMinute: 0, timeoutMs: 5000 } });
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) {
      const c = await openWs(limited.url, "", { token: await token(s, me) });
      statuses.push(isRefused(c) ? c.status : 101);
      if (!isRefused(c)) c.close();
      else t.is(JSON.parse(c.body).code, "resource_exhausted");
    }
    t.deepEqual(statuses, [101, 101, 429]);
  });

  it("an expired token closes the socket with 4401 when it expires", async (t, s) => {
    const me = await s.register();
    const { issuer, audience } = s.rt.config.jwt;
    const signer = await TokenSigner.fromPem(testKeys.privateKeyPem, { issuer, audience, ttlSeconds: 3 });
    const { token: short, expiresAt } = await signer.sign({ userId: me, sessionId: "short" });
    const c = await mustOpen(gw(s), "?stream=home", { token: short });
    await subscribed(c, "home");
    const { code } = await c.closed;
    t.is(code, 4401);
    t.true(Date.now() >= expiresAt.getTime() - 50, "not before the expiry");
  });

  it("a socket that stops answering pings is closed; a reader that stops reading is closed with 1013", async (t, s) => {
    const { author, reader } = await pair(s);
    const tk = await token(s, reader);
    const pinging = await s.extraGateway({ ...gateway, live: { ...LIVE_DEFAULTS, pingIntervalMs: 200 } });
    const small = await s.extraGateway({ ...gateway, live: { ...LIVE_DEFAULTS, maxBufferedBytes: 64 * 1024 } });
    const dead = await mustOpen(pinging.url, "", { token: tk });
    // Not reading: no pong goes back.
    (dead.ws as unknown as { _socket: { pause(): void } })._socket.pause();
    const slow = await mustOpen(small.url, `?stream=user:${author}`, { token: tk });
    await subscribed(slow, `user:${author}`);
    const raw = (slow.ws as unknown as { _socket: { pause(): void; resume(): void } })._socket;
    raw.pause();
    // Big events (as the fan-out worker publishes them) until the gateway's buffer for this reader passes the limit.
    const big = create(HydratedTweetSchema, { tweet: { tweetId: 1n, authorId: author, content: "x".repeat(60_000) }, author: { userId: author } });
    await Promise.all(Array.from({ length: 200 }, (_, i) => s.rt.bus.publish(SUBJECTS.liveUser(author), encodeLiveTweet(big), `big-${author}-${i}`)));
    await new Promise((r) => setTimeout(r, 1000));
    raw.resume();
    (dead.ws as unknown as { _socket: { resume(): void } })._socket.resume();
    t.is((await slow.closed).code, 1013);
    t.not((await dead.closed).code, 1000, "cut, not closed politely");
  });

  it("two gateways each deliver every event to their own clients", async (t, s) => {
    const { author, reader } = await pair(s);
    const other = await s.extraGateway(gateway);
    const a = await mustOpen(gw(s), `?stream=home&stream=user:${author}`, { token: await token(s, reader) });
    const b = await mustOpen(other.url, `?stream=home&stream=user:${author}`, { token: await token(s, reader) });
    await Promise.all([subscribed(a, "home"), subscribed(b, "home"), subscribed(a, `user:${author}`), subscribed(b, `user:${author}`)]);
    const ids = [String(await s.post(author, "x")), String(await s.post(author, "y"))];
    for (const c of [a, b]) {
      await eventually(() => updates(c, "home").length === 2 && updates(c, `user:${author}`).length === 2);
      t.deepEqual(sortedIds(updates(c, "home")), [...ids].sort());
      t.deepEqual(sortedIds(updates(c, `user:${author}`)), [...ids].sort());
    }
    t.deepEqual(a.frames.filter((f) => f.id).map((f) => f.id), b.frames.filter((f) => f.id).map((f) => f.id), "the same ids, the same order");
    a.close();
    b.close();
  });

  it("the gateway stopped and started again while clients reconnect with their last ids: nothing missed, nothing twice", async (t, s) => {
    const { author, reader } = await pair(s);
    const clients = await Promise.all([0, 1, 2].map(async () => mustOpen(gw(s), "?stream=home", { token: await token(s, reader) })));
    await Promise.all(clients.map((c) => subscribed(c, "home")));
    const posted: string[] = [];
    let posting = true;
    const poster = (async () => {
      while (posting) {
        posted.push(String(await s.post(author, `tick ${posted.length}`)));
        await new Promise((r) => setTimeout(r, 40));
      }
    })();
    await eventually(() => posted.length >= 5);
    const got = clients.map(() => [] as string[]);
    const lastIds = clients.map(() => "");
    const take = (i: number, c: WsClient) => {
      for (const f of updates(c, "home")) got[i]!.push(tweetIdOf(f));
      lastIds[i] = c.frames.filter((f) => f.id).at(-1)?.id ?? lastIds[i]!;
    };
    await s.stopTarget("gateway");
    await Promise.all(clients.map((c) => c.closed));
    clients.forEach((c, i) => take(i, c));
    await new Promise((r) => setTimeout(r, 300)); // tweets go on while no gateway runs
    await s.start("gateway");
    const again = await Promise.all(clients.map(async (_, i) => mustOpen(s.urls.gateway!, `?stream=home&since=${lastIds[i]}`, { token: await token(s, reader) })));
    await new Promise((r) => setTimeout(r, 400));
    posting = false;
    await poster;
    await eventually(async () => (await s.homeIds(reader)).length === posted.length);
    await eventually(() => again.every((c, i) => got[i]!.length + updates(c, "home").length === posted.length));
    again.forEach((c, i) => take(i, c));
    // Fan-out handles tweets concurrently: the stream's order may differ from the posting order, never between clients.
    const sorted = (xs: string[]) => [...xs].sort();
    for (const g of got) t.deepEqual(sorted(g), sorted(posted), "every tweet, once");
    for (const g of got.slice(1)) t.deepEqual(g, got[0], "the same order for every client");
    again.forEach((c) => c.close());
  });

  it("the gRPC stream, SSE and the WebSocket deliver the same events, with the same ids, in the same order", async (t, s) => {
    const { author, reader } = await pair(s);
    const home = await readGrpcHome(s, reader);
    const grpc = home.tweets;
    const sse = await openSse(gw(s), "/api/v1/timeline/home/stream", { authorization: `Bearer ${await token(s, reader)}` });
    t.is((await sse.next()).event, "keep_alive");
    const ws = await mustOpen(gw(s), "?stream=home", { token: await token(s, reader) });
    await subscribed(ws, "home");
    t.true(await eventually(home.live));
    const posted = await Promise.all([1, 2, 3].map((i) => s.post(author, `same ${i}`).then(String)));
    const viaSse: Array<{ id: string; tweetId: string }> = [];
    while (viaSse.length < 3) {
      const e = await sse.next(10_000);
      if (e.event === "tweet") viaSse.push({ id: e.id!, tweetId: JSON.parse(e.data).tweet.tweet.tweet_id });
    }
    t.true(await eventually(() => grpc.length === 3 && updates(ws, "home").length === 3));
    const viaWs = updates(ws, "home").map((f) => ({ id: f.id!, tweetId: tweetIdOf(f) }));
    t.deepEqual(viaSse, grpc);
    t.deepEqual(viaWs, grpc);
    t.deepEqual(grpc.map((g) => g.tweetId).sort(), [...posted].sort());
    await home.stop();
    sse.close();
    ws.close();
  });

  it("a retweet shows each reader's own like and retweet of its original, on the WebSocket, SSE and the gRPC stream", async (t, s) => {
    const { author, reader } = await pair(s);
    const other = await s.register();
    await s.follow(other, author);
    await s.homeIds(other);
    const original = await s.post(await s.register(), "liked by one reader, retweeted by the author");
    await s.clients.tweet.likeTweet({ tweetId: original }, await s.as(reader));
    const abort = new AbortController();
    const viaGrpc = (async () => {
      for await (const m of s.clients.timeline.streamHomeTimeline({}, { ...(await s.as(reader)), signal: abort.signal })) {
        if (m.event.case === "tweet") return m.event.value.retweetedTweet;
      }
    })().catch(() => undefined);
    const sse = await openSse(gw(s), "/api/v1/timeline/home/stream", { authorization: `Bearer ${await token(s, reader)}` });
    t.is((await sse.next()).event, "keep_alive");
    const [mine, theirs] = [await mustOpen(gw(s), "?stream=home", { token: await token(s, reader) }), await mustOpen(gw(s), "?stream=home", { token: await token(s, other) })];
    await Promise.all([subscribed(mine, "home"), subscribed(theirs, "home")]);
    await new Promise((r) => setTimeout(r, 300)); // the gRPC stream subscribed too
    await s.clients.tweet.retweet({ tweetId: original }, await s.as(author));
    const onMine = await mine.next((f) => f.event === "update");
    const onTheirs = await theirs.next((f) => f.event === "update");
    t.is(onMine.payload.retweeted_tweet.tweet.tweet_id, String(original));
    t.like(onMine.payload.retweeted_tweet, { liked: true, retweeted: false }, "the reader liked it");
    t.is(onTheirs.payload.tweet.tweet_id, onMine.payload.tweet.tweet_id, "the same retweet");
    t.like(onTheirs.payload.retweeted_tweet, { liked: false, retweeted: false }, "the other reader did not");
    let e;
    do e = await sse.next(10_000);
    while (e.event !== "tweet");
    t.like(JSON.parse(e.data).tweet.retweeted_tweet, { liked: true });
    t.like(await viaGrpc, { liked: true, retweeted: false });
    abort.abort();
    sse.close();
    mine.close();
    theirs.close();
  });

  it("SSE resumes after Last-Event-ID the same way, with an id on each event", async (t, s) => {
    const { author, reader } = await pair(s);
    const auth = { authorization: `Bearer ${await token(s, reader)}` };
    const first = await openSse(gw(s), "/api/v1/timeline/home/stream", auth);
    t.is((await first.next()).event, "keep_alive");
    const one = String(await s.post(author, "one"));
    let e;
    do e = await first.next();
    while (e.event !== "tweet");
    t.is(JSON.parse(e.data).tweet.tweet.tweet_id, one);
    t.regex(e.id!, /^[0-9]+$/);
    first.close();
    // A reader that stays connected shows the stream's order (fan-out handles tweets concurrently, so it may not be the posting order).
    const witness = await mustOpen(gw(s), "?stream=home", { token: await token(s, reader) });
    await subscribed(witness, "home");
    const missed = [String(await s.post(author, "two")), String(await s.post(author, "three"))];
    await eventually(async () => (await s.homeIds(reader)).length === 3);
    t.true(await eventually(() => updates(witness, "home").length === 2));
    const again = await openSse(gw(s), "/api/v1/timeline/home/stream", { ...auth, "last-event-id": e.id! });
    const tweets: Array<{ id: string; tweetId: string }> = [];
    while (tweets.length < 2) {
      const x = await again.next();
      if (x.event === "tweet") tweets.push({ id: x.id!, tweetId: JSON.parse(x.data).tweet.tweet.tweet_id });
      t.not(x.event, "resync_required");
    }
    const live = updates(witness, "home").map((f) => ({ id: f.id!, tweetId: tweetIdOf(f) }));
    t.deepEqual(tweets, live, "the missed ones, in the stream's order, with the stream's ids");
    t.deepEqual(tweets.map((x) => x.tweetId).sort(), [...missed].sort());
    again.close();
    witness.close();
    const forged = await openSse(gw(s), "/api/v1/timeline/home/stream", { ...auth, "last-event-id": "8999999999999999" });
    let r;
    do r = await forged.next();
    while (r.event === "keep_alive");
    t.is(r.event, "resync_required");
    forged.close();
    const garbage = await openSse(gw(s), "/api/v1/timeline/home/stream", { ...auth, "last-event-id": "yesterday" });
    t.is(garbage.status, 400, "an id that is not one is refused, not ignored");
    t.is(JSON.parse(await garbage.body()).code, "invalid_argument");
  });
}
