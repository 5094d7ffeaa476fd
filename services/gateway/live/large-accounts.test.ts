// A large account's tweets on live home streams, in both modes, with the
// fan-out threshold at 3 followers: fan-out never writes them to followers,
// so every transport's home stream follows the account's own stream. The
// WebSocket, SSE and the gRPC stream deliver the same events with the same
// ids; a reconnect resumes them; a follow or unfollow made while connected
// shows at the next heartbeat, and a user:<id> subscription of the same
// account is kept apart from home's.
import test, { type ExecutionContext } from "ava";
import { startChirp, type Chirp } from "../../testing/chirp.js";
import { eventually } from "../../testing/eventually.js";
import { perMode } from "../../testing/per-mode.js";
import { MODES } from "../../testing/runtime.js";
import { readGrpcHome } from "../testing/grpc-home.js";
import { openSse } from "../testing/http.js";
import { mustOpen, type Frame, type WsClient } from "../testing/ws.js";
import { LIVE_DEFAULTS } from "./config.js";

const ABSENT = { CHIRP_DISCOVERY_ADDR: "http://127.0.0.1:9", CHIRP_SEARCH_ADDR: "http://127.0.0.1:9", CHIRP_NOTIFICATION_ADDR: "http://127.0.0.1:9" };
const system = perMode((mode) =>
  startChirp({
    mode,
    label: `ws_large_${mode}`,
    targets: ["user", "graph", "tweet", "timeline", "fanout", "gateway"],
    env: ABSENT,
    overrides: {
      timeline: { fanoutThreshold: 3, largeAccountCacheMs: 0, largeAccountFollowsCacheMs: 0 },
      gateway: { sseKeepAliveMs: 300, rateLimit: { perIpPerMinute: 0, perUserPerMinute: 0, timeoutMs: 5000 }, live: { ...LIVE_DEFAULTS, pingIntervalMs: 300 } },
    },
  }),
);

const token = async (s: Chirp, userId: bigint) => ((await s.as(userId)).headers as Record<string, string>).authorization!.slice("Bearer ".length);
const on = (c: WsClient, stream: string, event = "update") => c.frames.filter((f) => f.stream === stream && f.event === event);
const tweetIdOf = (f: Frame): string | undefined => (f.event === "update" ? f.payload.tweet.tweet_id : undefined);

/** An account over the threshold (its first tweet makes it large), and one of its followers. */
async function largeAccount(t: ExecutionContext, s: Chirp) {
  const star = await s.register();
  const fans = [await s.register(), await s.register(), await s.register()];
  for (const f of fans) await s.follow(f, star);
  const first = await s.post(star, "now large");
  // Merged at read time: the reader's home shows it although fan-out wrote it nowhere.
  t.true(await eventually(async () => (await s.homeIds(fans[0]!)).includes(first)), "merged into a follower's home");
  return { star, reader: fans[0]! };
}

for (const mode of MODES) {
  const it = (title: string, body: (t: ExecutionContext, s: Chirp) => Promise<void>) => test.serial(`${mode}: ${title}`, async (t) => body(t, await system(mode)));

  it("a large account's tweets and deletes reach home on the WebSocket, SSE and the gRPC stream, with the same ids; a reconnect resumes them", async (t, s) => {
    const { star, reader } = await largeAccount(t, s);
    const tk = await token(s, reader);
    const home = await readGrpcHome(s, reader);
    const grpc = home.tweets;
    const sse = await openSse(s.urls.gateway!, "/api/v1/timeline/home/stream", { authorization: `Bearer ${tk}` });
    t.is((await sse.next()).event, "keep_alive");
    const ws = await mustOpen(s.urls.gateway!, "?stream=home", { token: tk });
    await ws.next((f) => f.event === "subscribed" && f.stream === "home");
    t.true(await eventually(home.live));

    const tweet = String(await s.post(star, "to every follower online"));
    const update = await ws.next((f) => f.stream === "home" && f.event === "update");
    t.is(tweetIdOf(update), tweet);
    t.is(update.payload.author.user_id, String(star), "hydrated as REST shows it");
    let e;
    do e = await sse.next(10_000);
    while (e.event !== "tweet");
    t.deepEqual({ id: e.id, tweetId: JSON.parse(e.data).tweet.tweet.tweet_id }, { id: update.id, tweetId: tweet });
    t.true(await eventually(() => grpc.length === 1));
    t.deepEqual(grpc, [{ id: update.id!, tweetId: tweet }]);

    await s.clients.tweet.deleteTweet({ tweetId: BigInt(tweet) }, await s.as(star));
    const deleted = await ws.next((f) => f.stream === "home" && f.event === "delete");
    t.is(deleted.payload, tweet);

    ws.close();
    await ws.closed;
    const missed = String(await s.post(star, "while away"));
    t.true(await eventually(async () => (await s.homeIds(reader)).map(String).includes(missed)));
    const again = await mustOpen(s.urls.gateway!, `?stream=home&since=${deleted.id}`, { token: tk });
    const resumed = await again.next((f) => f.stream === "home" && f.event === "update");
    t.is(tweetIdOf(resumed), missed, "the reconnect gets what it missed");
    t.is(again.frames.filter((f) => f.event === "resync_required").length, 0);
    again.close();
    await home.stop();
    sse.close();
  });

  it("a large account followed while connected reaches home at the next heartbeat, and stops after an unfollow; user:<id> of it stays apart", async (t, s) => {
    const { star } = await largeAccount(t, s);
    const reader = await s.register();
    const ws = await mustOpen(s.urls.gateway!, `?stream=home&stream=user:${star}`, { token: await token(s, reader) });
    await ws.next((f) => f.event === "subscribed" && f.stream === "home");
    const before = String(await s.post(star, "not followed yet"));
    await ws.next((f) => f.stream === `user:${star}` && tweetIdOf(f) === before);
    t.deepEqual(on(ws, "home"), [], "not followed: nothing on home");

    await s.follow(reader, star);
    // Heartbeats every 300 ms refresh home's accounts; keep posting until one lands on home.
    t.true(
      await eventually(async () => {
        await s.post(star, "followed now");
        return on(ws, "home").length > 0;
      }, 10_000),
    );
    const onHome = on(ws, "home").at(-1)!;
    t.true(on(ws, `user:${star}`).some((f) => f.id === onHome.id), "the same event on both streams, with one id");

    ws.send({ type: "unsubscribe", stream: `user:${star}` });
    await ws.next((f) => f.event === "unsubscribed" && f.stream === `user:${star}`);
    const userBefore = on(ws, `user:${star}`).length;
    const homeOnly = String(await s.post(star, "home only"));
    await ws.next((f) => f.stream === "home" && tweetIdOf(f) === homeOnly);
    t.is(on(ws, `user:${star}`).length, userBefore, "user:<id> let go; home kept the account");

    await s.unfollow(reader, star);
    await new Promise((r) => setTimeout(r, 1_000));
    const homeBefore = on(ws, "home").length;
    await s.post(star, "unfollowed");
    await new Promise((r) => setTimeout(r, 1_000));
    t.is(on(ws, "home").length, homeBefore, "unfollowed: home lets go");
    ws.close();
  });
}
