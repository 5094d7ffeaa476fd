// End to end through the REST edge only; everything a client does goes over
// HTTP/JSON. The happy path walks a whole session; then each route family's
// refusals. Three kinds of system, all started by the one harness
// (services/testing/):
//   embedded  every target in this process on the embedded storage, as
//             `make run` runs them;
//   cluster   the same on Cassandra, NATS and the local Redis Cluster;
//   mesh      one OS process per target on Cassandra, NATS and Redis, spawned
//             the way `make run-cluster` spawns them, on free ports with a
//             keyspace, NATS prefix and Redis prefix of its own.
// Targets that share a process call each other in memory
// (services/runtime/local-transport.ts), so the mesh is this suite's coverage
// of service-to-service gRPC between processes, as deployed. Every test here
// needs only the gateway's base URL, so all of them run against all three
// kinds; in the mesh, the rate-limit test's extra gateways are extra gateway
// processes configured through the gateway's CHIRP_* environment variables.
import test, { type ExecutionContext } from "ava";
import { MODES, type Mode } from "../testing/runtime.js";
import { startChirp, type Chirp } from "../testing/chirp.js";
import { startChirpProcesses, type ChirpProcesses } from "../testing/chirp-processes.js";
import { call, openSse, type JsonResponse } from "./testing/http.js";
import type { GatewayConfig } from "./config.js";
import { eventually } from "../testing/eventually.js";
import { SERVICE_NAMES } from "../runtime/config.js";
import { UNLIMITED_RATE } from "./testing/rest-accounts.js";

type Kind = Mode | "mesh";
const KINDS: Kind[] = [...MODES, "mesh"];
type System = Chirp | ChirpProcesses;

const gatewayConfig: Partial<GatewayConfig> = {
  sseKeepAliveMs: 300,
  rateLimit: UNLIMITED_RATE,
};
const systems = new Map<Kind, Promise<System>>();
const system = (kind: Kind) => {
  let s = systems.get(kind);
  if (!s) {
    s =
      kind === "mesh"
        ? startChirpProcesses({ label: "gw_mesh", gateway: gatewayConfig })
        : startChirp({ mode: kind, label: `gw_${kind}`, overrides: { gateway: gatewayConfig } });
    systems.set(kind, s);
  }
  return s;
};
test.after.always(async () => {
  await Promise.all([...systems.values()].map(async (s) => (await s.catch(() => undefined))?.stop()));
});

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

let seq = 0;
interface Account {
  id: string;
  username: string;
  token: string;
}

function expect(t: ExecutionContext, res: JsonResponse<Json>, status: number, what: string): Json {
  t.is(res.status, status, `${what}: ${res.text}`);
  return res.body;
}

for (const kind of KINDS) {
  const it = (title: string, body: (t: ExecutionContext, s: System) => Promise<void>) => test(`${kind}: ${title}`, async (t) => body(t, await system(kind)));

  async function signUp(t: ExecutionContext, s: System): Promise<Account> {
    const username = `gw${process.pid % 1000}_${seq++}_${Math.random().toString(36).slice(2, 5)}`.slice(0, 15);
    const reg = await call<Json>(s.base, "POST", "/api/v1/users", { json: { username, email: `${username}@example.com`, password: "correct horse battery" } });
    const user = expect(t, reg, 200, "register").user;
    t.is(user.username, username);
    t.regex(user.user_id, /^[0-9]+$/, "int64 ids are strings");
    const login = await call<Json>(s.base, "POST", "/api/v1/auth/login", { json: { login: username, password: "correct horse battery" } });
    const session = expect(t, login, 200, "login").session;
    t.truthy(session.access_token);
    return { id: user.user_id, username, token: session.access_token };
  }

  it("a whole session through REST: sign up, follow, post, like, retweet, reply, timelines, live stream, delete, unfollow", async (t, s) => {
    const alice = await signUp(t, s);
    const bob = await signUp(t, s);
    const get = (path: string, who?: Account) => call<Json>(s.base, "GET", path, { token: who?.token });
    const post = (path: string, json: unknown, who?: Account) => call<Json>(s.base, "POST", path, { json, token: who?.token });

    // Profiles.
    t.is(expect(t, await get(`/api/v1/users/${alice.id}`), 200, "get user").user.username, alice.username);
    t.is(expect(t, await get(`/api/v1/users/by-username/${alice.username}`), 200, "by username").user.user_id, alice.id);
    const batch = expect(t, await get(`/api/v1/users:batchGet?userIds=${alice.id}&user_ids=${bob.id}&userIds=999999999`), 200, "batch");
    t.deepEqual(batch.users.map((u: Json) => u.user_id), [alice.id, bob.id]);
    t.deepEqual(batch.missing_user_ids, ["999999999"]);
    const patched = await call<Json>(s.base, "PATCH", `/api/v1/users/${alice.id}`, { json: { bio: "hello from REST" }, token: alice.token });
    t.is(expect(t, patched, 200, "update profile").user.bio, "hello from REST");

    // Bob follows Alice and watches his home timeline live. Request bodies
    // may spell fields either way: the proto name or the JSON name.
    t.deepEqual(expect(t, await post(`/api/v1/users/${bob.id}/follow`, { followee_id: alice.id }, bob), 200, "follow"), { created: true });
    t.deepEqual(expect(t, await post(`/api/v1/users/${bob.id}/follow`, { followeeId: alice.id }, bob), 200, "follow again"), { created: false });
    const following = expect(t, await get(`/api/v1/users/${bob.id}/following`), 200, "following");
    t.deepEqual(following.following.map((e: Json) => e.user_id), [alice.id]);
    const followers = expect(t, await get(`/api/v1/users/${alice.id}/followers?limit=10`), 200, "followers");
    t.deepEqual(followers.followers.map((e: Json) => e.user_id), [bob.id]);
    t.true(
      await eventually(async () => {
        const c = (await get(`/api/v1/users/${alice.id}/counts`)).body;
        return c?.counts?.follower_count === "1";
      }),
      "follower count",
    );
    const rel = expect(t, await get(`/api/v1/users/${bob.id}/relationships?target_ids=${alice.id}`), 200, "relationships");
    t.like(rel.relationships[0], { target_id: alice.id, following: true, followed_by: false });
    await get("/api/v1/timeline/home", bob); // builds Bob's timeline before the tweet
    const stream = await openSse(s.base, "/api/v1/timeline/home/stream", { authorization: `Bearer ${bob.token}` });
    t.is(stream.status, 200);
    const keepAlive = await stream.next();
    t.is(keepAlive.event, "keep_alive", "the service's first keep-alive");
    t.regex(JSON.parse(keepAlive.data).keep_alive.sent_at, /^\d{4}-\d\d-\d\dT/, "event data uses the proto names too");

    // Alice posts; Bob sees it live and in his timeline.
    const tweet = expect(t, await post("/api/v1/tweets", { content: "Hello #REST from @gateway", idempotency_key: "k1" }, alice), 200, "create tweet").tweet;
    t.is(tweet.author_id, alice.id);
    t.deepEqual(tweet.hashtags, ["rest"]);
    const again = expect(t, await post("/api/v1/tweets", { content: "Hello #REST from @gateway", idempotencyKey: "k1" }, alice), 200, "retry");
    t.is(again.tweet.tweet_id, tweet.tweet_id, "the idempotency key makes the retry return the same tweet");
    let live;
    do live = await stream.next(10_000);
    while (live.event === "keep_alive");
    t.is(live.event, "tweet");
    t.is(JSON.parse(live.data).tweet.tweet.tweet_id, tweet.tweet_id);
    stream.close();

    // Likes, retweets and replies.
    t.like(expect(t, await post(`/api/v1/tweets/${tweet.tweet_id}/like`, undefined, bob), 200, "like"), { created: true, like_count: "1" });
    const rt = expect(t, await post(`/api/v1/tweets/${tweet.tweet_id}/retweet`, undefined, bob), 200, "retweet");
    t.is(rt.retweet.retweet_of_tweet_id, tweet.tweet_id);
    const reply = expect(t, await post("/api/v1/tweets", { content: "nice one", reply_to_tweet_id: tweet.tweet_id }, bob), 200, "reply").tweet;
    t.is(reply.reply_to_tweet_id, tweet.tweet_id);
    const replies = expect(t, await get(`/api/v1/tweets/${tweet.tweet_id}/replies`), 200, "replies");
    t.deepEqual(replies.replies.map((r: Json) => r.tweet_id), [reply.tweet_id]);
    const fetched = expect(t, await get(`/api/v1/tweets/${tweet.tweet_id}`), 200, "get tweet").tweet;
    t.like(fetched, { like_count: "1", retweet_count: "1", reply_count: "1" });
    const many = expect(t, await get(`/api/v1/tweets:batchGet?tweet_ids=${tweet.tweet_id}&tweetIds=${reply.tweet_id}`), 200, "batch tweets");
    t.is(many.tweets.length, 2);

    // Timelines.
    t.true(
      await eventually(async () => {
        const home = (await get("/api/v1/timeline/home?limit=20", bob)).body;
        return home?.tweets?.some((h: Json) => h.tweet.tweet_id === tweet.tweet_id && h.liked === true && h.author.user_id === alice.id);
      }),
      "Bob's home timeline has Alice's tweet, hydrated, liked by him",
    );
    const aliceTl = expect(t, await get(`/api/v1/timeline/user/${alice.id}`), 200, "user timeline");
    t.true(aliceTl.tweets.some((h: Json) => h.tweet.tweet_id === tweet.tweet_id));
    t.is(typeof aliceTl.has_more, "boolean");
    t.is(typeof aliceTl.next_cursor, "string");
    const bobTweets = expect(t, await get(`/api/v1/users/${bob.id}/tweets?limit=5`), 200, "list user tweets");
    t.true(bobTweets.tweets.some((x: Json) => x.tweet_id === reply.tweet_id));

    // Undo, delete, unfollow.
    t.like(expect(t, await call<Json>(s.base, "DELETE", `/api/v1/tweets/${tweet.tweet_id}/like`, { token: bob.token }), 200, "unlike"), { removed: true, like_count: "0" });
    t.like(expect(t, await call<Json>(s.base, "DELETE", `/api/v1/tweets/${tweet.tweet_id}/retweet`, { token: bob.token }), 200, "undo retweet"), { removed: true });
    t.deepEqual(expect(t, await call<Json>(s.base, "DELETE", `/api/v1/tweets/${tweet.tweet_id}`, { token: alice.token }), 200, "delete"), {});
    expect(t, await get(`/api/v1/tweets/${tweet.tweet_id}`), 404, "deleted tweet");
    const unfollow = await call<Json>(s.base, "DELETE", `/api/v1/users/${bob.id}/following/${alice.id}`, { token: bob.token });
    t.deepEqual(expect(t, unfollow, 200, "unfollow"), { removed: true });
    t.deepEqual(expect(t, await post(`/api/v1/users/${bob.id}/unfollow`, { followeeId: alice.id }, bob), 200, "unfollow again"), { removed: false });

    // Sessions.
    const login = expect(t, await post("/api/v1/auth/login", { login: bob.username, password: "correct horse battery" }), 200, "login");
    const refreshed = expect(t, await post("/api/v1/auth/refresh", { refresh_token: login.session.refresh_token }), 200, "refresh");
    t.truthy(refreshed.session.access_token);
    t.deepEqual(expect(t, await post("/api/v1/auth/logout", { refreshToken: refreshed.session.refresh_token }), 200, "logout"), {});
  });

  it("refusals, per route family: 401 without a token, 403 for someone else's, 400, 404", async (t, s) => {
    const alice = await signUp(t, s);
    const bob = await signUp(t, s);
    const tweet = (await call<Json>(s.base, "POST", "/api/v1/tweets", { json: { content: "mine" }, token: alice.token })).body.tweet;
    const refused = async (status: number, code: string, method: string, path: string, o: { json?: unknown; raw?: string; token?: string; headers?: Record<string, string> } = {}) => {
      const res = await call<Json>(s.base, method, path, o);
      t.is(res.status, status, `${method} ${path}: ${res.text}`);
      t.is(res.body?.code, code, `${method} ${path}`);
      t.deepEqual(Object.keys(res.body ?? {}).sort(), ["code", "details", "message"]);
      return res.body;
    };

    // users
    await refused(401, "unauthenticated", "PATCH", `/api/v1/users/${alice.id}`, { json: { bio: "x" } });
    await refused(403, "permission_denied", "PATCH", `/api/v1/users/${alice.id}`, { json: { bio: "x" }, token: bob.token });
    await refused(404, "not_found", "GET", "/api/v1/users/999999999999");
    await refused(400, "invalid_argument", "GET", "/api/v1/users/not-a-number");
    await refused(409, "already_exists", "POST", "/api/v1/users", { json: { username: alice.username, email: "other@example.com", password: "correct horse battery" } });
    const badRegister = await refused(400, "invalid_argument", "POST", "/api/v1/users", { json: { username: "no spaces allowed", email: "x@example.com", password: "correct horse battery" } });
    t.is(badRegister.details[0]["@type"], "type.googleapis.com/buf.validate.Violations");
    await refused(401, "unauthenticated", "POST", "/api/v1/auth/login", { json: { login: alice.username, password: "wrong password" } });
    // graph
    await refused(401, "unauthenticated", "POST", `/api/v1/users/${bob.id}/follow`, { json: { followee_id: alice.id } });
    await refused(403, "permission_denied", "POST", `/api/v1/users/${alice.id}/follow`, { json: { followee_id: bob.id }, token: bob.token });
    await refused(400, "invalid_argument", "POST", `/api/v1/users/${bob.id}/follow`, { json: { followee_id: bob.id }, token: bob.token });
    await refused(400, "invalid_argument", "POST", `/api/v1/users/${bob.id}/follow`, { json: { followee_id: alice.id, user_id: alice.id }, token: bob.token });
    await refused(400, "invalid_argument", "POST", `/api/v1/users/${bob.id}/follow`, { json: { followeeId: alice.id, userId: alice.id }, token: bob.token });
    await refused(404, "not_found", "POST", `/api/v1/users/${bob.id}/follow`, { json: { followee_id: "999999999999" }, token: bob.token });
    await refused(401, "unauthenticated", "DELETE", `/api/v1/users/${bob.id}/following/${alice.id}`);
    // tweets
    await refused(401, "unauthenticated", "POST", "/api/v1/tweets", { json: { content: "hi" } });
    const long = await refused(400, "invalid_argument", "POST", "/api/v1/tweets", { json: { content: "x".repeat(281) }, token: alice.token });
    t.regex(long.message, /280/);
    t.is((await call<Json>(s.base, "POST", "/api/v1/tweets", { json: { content: "é".repeat(280) }, token: alice.token })).status, 200, "280 is fine");
    await refused(400, "invalid_argument", "POST", "/api/v1/tweets", { raw: '{"content": "unterminated', token: alice.token, headers: { "content-type": "application/json" } });
    await refused(400, "invalid_argument", "POST", "/api/v1/tweets", { json: { content: "hi", colour: "red" }, token: alice.token });
    await refused(415, "invalid_argument", "POST", "/api/v1/tweets", { raw: "content=hi", token: alice.token, headers: { "content-type": "application/x-www-form-urlencoded" } });
    await refused(403, "permission_denied", "DELETE", `/api/v1/tweets/${tweet.tweet_id}`, { token: bob.token });
    await refused(404, "not_found", "GET", "/api/v1/tweets/999999999999");
    await refused(404, "not_found", "POST", "/api/v1/tweets/999999999999/like", { token: bob.token });
    await refused(401, "unauthenticated", "POST", `/api/v1/tweets/${tweet.tweet_id}/like`);
    await refused(401, "unauthenticated", "POST", `/api/v1/tweets/${tweet.tweet_id}/retweet`);
    await refused(404, "not_found", "POST", "/api/v1/tweets", { json: { content: "reply to nothing", reply_to_tweet_id: "999999999999" }, token: bob.token });
    // timelines
    await refused(401, "unauthenticated", "GET", "/api/v1/timeline/home");
    await refused(400, "invalid_argument", "GET", "/api/v1/timeline/home?limit=1000", { token: bob.token });
    await refused(400, "invalid_argument", "GET", "/api/v1/timeline/home?cursor=%00garbage", { token: bob.token });
    const anonymousStream = await openSse(s.base, "/api/v1/timeline/home/stream");
    t.is(anonymousStream.status, 401);
    t.is(JSON.parse(await anonymousStream.body()).code, "unauthenticated");
    // routing
    await refused(404, "not_found", "GET", "/api/v1/nothing-here");
    const wrong = await call<Json>(s.base, "PUT", `/api/v1/tweets/${tweet.tweet_id}`);
    t.is(wrong.status, 405);
    t.is(wrong.headers.get("allow"), "DELETE, GET");
    await refused(413, "invalid_argument", "POST", "/api/v1/tweets", { json: { content: "x".repeat(70_000) }, token: alice.token });
  });

  it("rate limit reached: 429 with Retry-After, per user and per address", async (t, s) => {
    const alice = await signUp(t, s);
    const limited = await s.extraGateway({ rateLimit: { perIpPerMinute: 0, perUserPerMinute: 3, timeoutMs: 5000 } });
    const statuses: number[] = [];
    let last: JsonResponse<Json> | undefined;
    for (let i = 0; i < 4; i++) {
      last = await call<Json>(limited.url!, "GET", "/api/v1/timeline/home", { token: alice.token });
      statuses.push(last.status);
    }
    t.deepEqual(statuses, [200, 200, 200, 429]);
    t.is(last!.body.code, "resource_exhausted");
    t.true(Number(last!.headers.get("retry-after")) >= 1);
    t.is(last!.headers.get("ratelimit-limit"), "3");
    t.is(last!.headers.get("ratelimit-remaining"), "0");
    const perIp = await s.extraGateway({ trustProxyHops: 1, rateLimit: { perIpPerMinute: 2, perUserPerMinute: 0, timeoutMs: 5000 } });
    const from = { "x-forwarded-for": `198.51.100.${Math.floor(Math.random() * 250)}` };
    const codes = [];
    for (let i = 0; i < 3; i++) codes.push((await call(perIp.url!, "GET", `/api/v1/users/${alice.id}`, { headers: from })).status);
    t.deepEqual(codes, [200, 200, 429]);
  });

  it("/readyz sees every service SERVING; /metrics counts by route template", async (t, s) => {
    // Probes can time out on a busy test machine: ask again until it settles.
    let ready = await call<Json>(s.base, "GET", "/readyz");
    await eventually(async () => (ready = await call<Json>(s.base, "GET", "/readyz")).status === 200, 15_000);
    t.is(ready.status, 200, ready.text);
    t.deepEqual(ready.body, { status: "ready", services: Object.fromEntries(SERVICE_NAMES.map((name) => [name, "SERVING"])) });
    await call(s.base, "GET", "/api/v1/users/1");
    const metrics = await call(s.base, "GET", "/metrics");
    t.regex(metrics.text, /http_server_requests_total\{route="\/api\/v1\/users\/\{user_id\}",method="GET",status="\d+"\}/);
    const userRpcs = /rpc_server_requests_total\{service="chirp.user.v1.UserService"/;
    if ("mesh" in s) {
      t.log(`mesh start-up: ${(s.startupMs / 1000).toFixed(1)} s`);
      // The gateway process serves no RPCs: the user process counted the call, which came over gRPC.
      t.notRegex(metrics.text, userRpcs, "the gateway has a registry of its own");
      const user = await call(s.mesh.urls.user, "GET", "/metrics");
      t.regex(user.text, userRpcs, "the user process served the gateway's call");
    } else t.regex(metrics.text, userRpcs, "the services' metrics too, one registry");
  });
}
