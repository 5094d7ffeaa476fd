// Notifications through the REST edge, in both modes: accounts follow, like,
// retweet, reply and mention over HTTP/JSON; the notification service's
// consumer turns the events into grouped notifications; the caller lists
// them, counts and marks them read. JSON uses the proto field names.
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { timestampNow } from "@bufbuild/protobuf/wkt";
import test, { type ExecutionContext } from "ava";
import { NotificationLiveEventSchema, type NotificationLiveEvent } from "../../gen/chirp/notification/v1/notification_pb.js";
import { TweetLikedEventSchema } from "../../gen/chirp/tweet/v1/events_pb.js";
import { call } from "../gateway/testing/http.js";
import { expectStatus as expect, signUp as restSignUp, type Json, type RestAccount as Account, UNLIMITED_RATE } from "../gateway/testing/rest-accounts.js";
import { SUBJECTS } from "../platform/bus/streams.js";
import { eventually } from "../testing/eventually.js";
import { startChirp, type Chirp } from "../testing/chirp.js";
import { perMode } from "../testing/per-mode.js";
import { MODES } from "../testing/runtime.js";

const system = perMode((mode) =>
  startChirp({
    mode,
    label: "notif_rest",
    // The tweet service tells home timelines of likes: the timeline target answers it.
    targets: ["user", "graph", "tweet", "timeline", "notification", "gateway"],
    overrides: { gateway: { rateLimit: UNLIMITED_RATE } },
  }),
);

const signUp = (t: ExecutionContext, base: string) => restSignUp(t, base, { prefix: "nr" });

const list = async (t: ExecutionContext, base: string, who: Account, query = "") =>
  expect(t, await call<Json>(base, "GET", `/api/v1/notifications${query}`, { token: who.token }), 200, `list ${query}`);
const unread = async (t: ExecutionContext, base: string, who: Account) =>
  expect(t, await call<Json>(base, "GET", "/api/v1/notifications/unread_count", { token: who.token }), 200, "unread");
/** Events the notification consumer has handled, by subject (its metric). */
async function handled(s: Chirp): Promise<Record<string, number>> {
  const metric = s.rt.metrics.registry.getSingleMetric("notification_events_total");
  const out: Record<string, number> = {};
  for (const v of (await metric?.get())?.values ?? []) if (v.labels.outcome === "ok") out[String(v.labels.subject)] = (out[String(v.labels.subject)] ?? 0) + v.value;
  return out;
}

/** The groups as "type:count:sample usernames". */
// A page names each account once, in `accounts`; the groups carry their ids.
const shape = (body: Json) => {
  const names = new Map((body.accounts ?? []).map((u: Json) => [u.user_id, u.username]));
  return (body.groups ?? []).map((g: Json) => `${g.type}:${g.count}:${(g.sample_account_ids ?? []).map((id: string) => names.get(id)).join(",")}`);
};

for (const mode of MODES) {
  test.serial(`${mode}: follow, like, retweet, reply and mention notifications, grouped; undo removes; unread count and mark read`, async (t) => {
    const s = await system(mode);
    const [ann, bob, cy] = await Promise.all([signUp(t, s.base), signUp(t, s.base), signUp(t, s.base)]);
    const post = async (who: Account, json: Json) => expect(t, await call<Json>(s.base, "POST", "/api/v1/tweets", { token: who.token, json }), 200, "post").tweet;

    expect(t, await call<Json>(s.base, "POST", `/api/v1/users/${bob.id}/follow`, { token: bob.token, json: { followee_id: ann.id } }), 200, "follow");
    expect(t, await call<Json>(s.base, "POST", `/api/v1/users/${cy.id}/follow`, { token: cy.token, json: { followee_id: ann.id } }), 200, "follow");
    const tweet = await post(ann, { content: "my first chirp" });
    for (const who of [bob, cy, ann]) expect(t, await call<Json>(s.base, "POST", `/api/v1/tweets/${tweet.tweet_id}/like`, { token: who.token }), 200, "like");
    t.true(await eventually(async () => shape(await list(t, s.base, ann)).join(" ") === `like:2:${cy.username},${bob.username} follow:2:${cy.username},${bob.username}`, 15_000, 50), JSON.stringify(shape(await list(t, s.base, ann))));
    expect(t, await call<Json>(s.base, "POST", `/api/v1/tweets/${tweet.tweet_id}/retweet`, { token: bob.token }), 200, "retweet");
    t.true(await eventually(async () => shape(await list(t, s.base, ann))[0] === `retweet:1:${bob.username}`, 15_000, 50));
    const reply = await post(cy, { content: "nice one", reply_to_tweet_id: tweet.tweet_id });
    t.true(await eventually(async () => shape(await list(t, s.base, ann))[0] === `reply:1:${cy.username}`, 15_000, 50));
    const mention = await post(bob, { content: `hello @${ann.username} and @nobody_here_x` });

    let body: Json = {};
    t.true(await eventually(async () => (body = await list(t, s.base, ann)).groups.length === 5, 15_000, 50), JSON.stringify(shape(body)));
    t.deepEqual(shape(body), [
      `mention:1:${bob.username}`,
      `reply:1:${cy.username}`,
      `retweet:1:${bob.username}`,
      `like:2:${cy.username},${bob.username}`,
      `follow:2:${cy.username},${bob.username}`,
    ]);
    const [m, r, rt, like, follow] = body.groups as Json[];
    t.is(m!.tweet.tweet.tweet_id, mention.tweet_id);
    t.is(m!.tweet.author.username, bob.username);
    t.regex(m!.group_key, /^ungrouped-\d+$/);
    t.is(r!.tweet.tweet.content, "nice one");
    t.is(rt!.tweet.tweet.tweet_id, tweet.tweet_id);
    t.is(like!.tweet.tweet.content, "my first chirp");
    t.true(like!.tweet.liked, "the reader's own like is hydrated");
    t.regex(like!.group_key, new RegExp(`^like-${tweet.tweet_id}-\\d+$`));
    t.is(follow!.tweet, undefined);
    t.deepEqual(follow!.sample_account_ids, [cy.id, bob.id]);
    t.deepEqual(follow!.sample_accounts, [], "a page names its accounts once, apart");
    t.deepEqual((body.accounts as Json[]).map((u) => u.username).sort(), [bob.username, cy.username].sort());
    t.regex(follow!.latest_at, /^\d{4}-\d\d-\d\dT/);
    t.deepEqual(await unread(t, s.base, ann), { count: "7", last_read_id: "0" });
    t.deepEqual(shape(await list(t, s.base, ann, "?types=like&types=follow")), [`like:2:${cy.username},${bob.username}`, `follow:2:${cy.username},${bob.username}`]);

    // Pages: two groups, then the rest, then nothing.
    const p1 = await list(t, s.base, ann, "?limit=2");
    t.is(p1.groups.length, 2);
    t.true(p1.has_more);
    const p2 = await list(t, s.base, ann, `?limit=2&cursor=${p1.next_cursor}`);
    const p3 = await list(t, s.base, ann, `?limit=2&cursor=${p2.next_cursor}`);
    t.deepEqual([...p1.groups, ...p2.groups, ...p3.groups].map((g: Json) => g.group_key), body.groups.map((g: Json) => g.group_key));
    t.falsy(p3.has_more);

    // Undo: unlike, undo the retweet, delete the reply, unfollow; like, unlike, like leaves exactly one.
    const before = await handled(s);
    expect(t, await call<Json>(s.base, "DELETE", `/api/v1/tweets/${tweet.tweet_id}/like`, { token: cy.token }), 200, "unlike");
    expect(t, await call<Json>(s.base, "DELETE", `/api/v1/tweets/${tweet.tweet_id}/retweet`, { token: bob.token }), 200, "unretweet");
    expect(t, await call<Json>(s.base, "DELETE", `/api/v1/tweets/${reply.tweet_id}`, { token: cy.token }), 200, "delete reply");
    expect(t, await call<Json>(s.base, "POST", `/api/v1/users/${cy.id}/unfollow`, { token: cy.token, json: { followee_id: ann.id } }), 200, "unfollow");
    for (const path of ["like", "unlike", "like"]) expect(t, await call<Json>(s.base, "POST", `/api/v1/tweets/${tweet.tweet_id}/${path}`, { token: cy.token }), 200, path);
    // Every one of those events handled (in any order: the consumer runs several at once).
    const expected = { "tweet.liked": 2, "tweet.unliked": 2, "tweet.deleted": 2, "graph.unfollowed": 1 };
    const delta = async () => {
      const now = await handled(s);
      return Object.fromEntries(Object.keys(expected).map((k) => [k, (now[k] ?? 0) - (before[k] ?? 0)]));
    };
    t.true(await eventually(async () => JSON.stringify(await delta()) === JSON.stringify(expected), 15_000, 50), JSON.stringify(await delta()));
    body = await list(t, s.base, ann);
    // cy's like again is the like group's newest: the group moves up, as Mastodon's do.
    t.deepEqual(shape(body), [`like:2:${cy.username},${bob.username}`, `mention:1:${bob.username}`, `follow:1:${bob.username}`]);
    t.is((await unread(t, s.base, ann)).count, "4");

    // Mark read: up to the mention (the like after it stays unread); then
    // concurrently up to both, which settles on the higher.
    const likeId = (body.groups as Json[])[0]!.latest_notification_id;
    const mentionId = (body.groups as Json[])[1]!.latest_notification_id;
    t.deepEqual(expect(t, await call<Json>(s.base, "POST", "/api/v1/notifications/read", { token: ann.token, json: { up_to_id: mentionId } }), 200, "read"), {
      last_read_id: mentionId,
      unread_count: "1",
    });
    await Promise.all(
      [likeId, mentionId].map(async (id) => expect(t, await call<Json>(s.base, "POST", "/api/v1/notifications/read", { token: ann.token, json: { up_to_id: id } }), 200, "read")),
    );
    const back = expect(t, await call<Json>(s.base, "POST", "/api/v1/notifications/read", { token: ann.token, json: { up_to_id: mentionId } }), 200, "read");
    t.deepEqual(back, { last_read_id: likeId, unread_count: "0" }, "a lower marker never moves it back");
    t.deepEqual(await unread(t, s.base, ann), { count: "0", last_read_id: likeId });

    // Deleting a mention takes it back; it was read, so the count stays.
    const deletes = (await handled(s))["tweet.deleted"] ?? 0;
    expect(t, await call<Json>(s.base, "DELETE", `/api/v1/tweets/${mention.tweet_id}`, { token: bob.token }), 200, "delete mention");
    t.true(await eventually(async () => ((await handled(s))["tweet.deleted"] ?? 0) > deletes, 15_000, 50));
    t.deepEqual(shape(await list(t, s.base, ann)), [`like:2:${cy.username},${bob.username}`, `follow:1:${bob.username}`]);
    t.deepEqual(await unread(t, s.base, ann), { count: "0", last_read_id: likeId });
    // Deleting the liked tweet takes its likes with it.
    expect(t, await call<Json>(s.base, "DELETE", `/api/v1/tweets/${tweet.tweet_id}`, { token: ann.token }), 200, "delete tweet");
    t.true(await eventually(async () => ((await handled(s))["tweet.deleted"] ?? 0) > deletes + 1, 15_000, 50));
    t.deepEqual(shape(await list(t, s.base, ann)), [`follow:1:${bob.username}`]);

    // Only the caller's own: nobody acted on bob.
    t.deepEqual((await list(t, s.base, bob)).groups ?? [], []);
    t.deepEqual(await unread(t, s.base, bob), { count: "0", last_read_id: "0" });
  });

  test.serial(`${mode}: each change is published on the user's live subject, with the list's group key`, async (t) => {
    const s = await system(mode);
    const [ann, bob] = await Promise.all([signUp(t, s.base), signUp(t, s.base)]);
    const events: NotificationLiveEvent[] = [];
    const sub = await s.rt.bus.consume({
      durable: `notif-live-test-${ann.id}`,
      subjects: [SUBJECTS.liveNotifications(ann.id)],
      handler: async (msg) => void events.push(fromBinary(NotificationLiveEventSchema, msg.data)),
    });
    try {
      const tweet = expect(t, await call<Json>(s.base, "POST", "/api/v1/tweets", { token: ann.token, json: { content: "live" } }), 200, "post").tweet;
      expect(t, await call<Json>(s.base, "POST", `/api/v1/tweets/${tweet.tweet_id}/like`, { token: bob.token }), 200, "like");
      t.true(await eventually(() => events.length === 1, 15_000, 50));
      const listed = (await list(t, s.base, ann)).groups[0];
      t.is(events[0]!.event, "notification");
      t.is(events[0]!.group?.groupKey, listed.group_key);
      t.is(events[0]!.group?.count, 1n);
      t.is(events[0]!.group?.sampleAccounts[0]?.username, bob.username);
      t.is(events[0]!.group?.tweet?.tweet?.content, "live");
      expect(t, await call<Json>(s.base, "DELETE", `/api/v1/tweets/${tweet.tweet_id}/like`, { token: bob.token }), 200, "unlike");
      t.true(await eventually(() => events.length === 2, 15_000, 50));
      t.is(events[1]!.event, "notification.removed");
      t.is(events[1]!.group?.groupKey, listed.group_key);
      t.is(events[1]!.group?.count, 0n, "the group is gone");
    } finally {
      await sub.stop();
    }
  });

  test.serial(`${mode}: a redelivered event adds one notification; acting on yourself adds none`, async (t) => {
    const s = await system(mode);
    const [ann, bob] = await Promise.all([signUp(t, s.base), signUp(t, s.base)]);
    const tweet = expect(t, await call<Json>(s.base, "POST", "/api/v1/tweets", { token: ann.token, json: { content: "again" } }), 200, "post").tweet;
    const event = toBinary(
      TweetLikedEventSchema,
      create(TweetLikedEventSchema, { tweetId: BigInt(tweet.tweet_id), authorId: BigInt(ann.id), userId: BigInt(bob.id), likedAt: timestampNow() }),
    );
    const before = (await handled(s))["tweet.liked"] ?? 0;
    // Different message ids: the bus's de-duplication does not hide the second one.
    await s.rt.bus.publish(SUBJECTS.tweetLiked, event, `test-like-1-${tweet.tweet_id}`);
    await s.rt.bus.publish(SUBJECTS.tweetLiked, event, `test-like-2-${tweet.tweet_id}`);
    const self = toBinary(TweetLikedEventSchema, create(TweetLikedEventSchema, { tweetId: BigInt(tweet.tweet_id), authorId: BigInt(ann.id), userId: BigInt(ann.id) }));
    await s.rt.bus.publish(SUBJECTS.tweetLiked, self, `test-like-self-${tweet.tweet_id}`);
    expect(t, await call<Json>(s.base, "POST", `/api/v1/users/${bob.id}/follow`, { token: bob.token, json: { followee_id: ann.id } }), 200, "follow");
    // All three likes handled, and the follow.
    t.true(await eventually(async () => ((await handled(s))["tweet.liked"] ?? 0) - before === 3, 15_000, 50));
    t.true(await eventually(async () => (await list(t, s.base, ann)).groups?.length === 2, 15_000, 50));
    t.deepEqual(shape(await list(t, s.base, ann)), [`follow:1:${bob.username}`, `like:1:${bob.username}`]);
    t.is((await unread(t, s.base, ann)).count, "2");
  });

  test.serial(`${mode}: bad input is 400 naming the problem; no token is 401`, async (t) => {
    const s = await system(mode);
    const ann = await signUp(t, s.base);
    const bad: Array<[string, string, unknown, RegExp]> = [
      ["GET", "/api/v1/notifications?limit=0", undefined, /limit/],
      ["GET", "/api/v1/notifications?limit=81", undefined, /limit/],
      ["GET", "/api/v1/notifications?cursor=nonsense", undefined, /cursor/],
      ["GET", "/api/v1/notifications?types=boost", undefined, /types/],
      ["GET", "/api/v1/notifications?types=like&types=like", undefined, /types/],
      ["POST", "/api/v1/notifications/read", { up_to_id: "0" }, /up_to_id/],
      ["POST", "/api/v1/notifications/read", { up_to_id: "9000000000000000000" }, /up_to_id/],
    ];
    for (const [method, path, json, names] of bad) {
      const res = await call<Json>(s.base, method, path, { token: ann.token, ...(json ? { json } : {}) });
      t.is(res.status, 400, `${method} ${path}: ${res.text}`);
      t.is(res.body.code, "invalid_argument", path);
      t.regex(res.text, names, path);
    }
    for (const [method, path] of [
      ["GET", "/api/v1/notifications"],
      ["GET", "/api/v1/notifications/unread_count"],
      ["POST", "/api/v1/notifications/read"],
    ] as const) {
      t.is((await call<Json>(s.base, method, path, { json: method === "POST" ? { up_to_id: "1" } : undefined })).status, 401, path);
    }
  });
}
