// The notification service and the WebSocket together, through the REST edge
// only, in both modes: follow, like, retweet, reply and mention each reach
// the account acted on as a `notification` event on its `notifications`
// stream, the group's JSON as GET /api/v1/notifications shows it; an unlike
// sends `notification.removed`.
import test from "ava";
import { startChirp } from "../../testing/chirp.js";
import { perMode } from "../../testing/per-mode.js";
import { MODES } from "../../testing/runtime.js";
import { call } from "../testing/http.js";
import { signUp, type Json } from "../testing/rest-accounts.js";
import { mustOpen } from "../testing/ws.js";

const system = perMode((mode) =>
  startChirp({ mode, label: `wsn_${mode}`, overrides: { gateway: { rateLimit: { perIpPerMinute: 0, perUserPerMinute: 0, timeoutMs: 5000 } } } }),
);

for (const mode of MODES) {
  test.serial(`${mode}: follow, like, retweet, reply and mention arrive live on the notifications stream; an unlike removes`, async (t) => {
    const { base } = await system(mode);
    const [ann, bob] = [await signUp(t, base, { prefix: "wn" }), await signUp(t, base, { prefix: "wn" })];
    const ws = await mustOpen(base, "?stream=notifications", { token: ann.token });
    await ws.next((f) => f.event === "subscribed");
    const as = (who: { token: string }) => ({ token: who.token });
    const next = async (type: string, event = "notification") => {
      const f = await ws.next((x) => x.stream === "notifications" && x.event === event && x.payload.type === type, 15_000);
      t.regex(f.id!, /^[0-9]+$/);
      return f;
    };

    await call(base, "POST", `/api/v1/users/${bob.id}/follow`, { json: { followee_id: ann.id }, ...as(bob) });
    t.is((await next("follow")).payload.sample_accounts[0].username, bob.username);
    const tweet = (await call<Json>(base, "POST", "/api/v1/tweets", { json: { content: "notify me" }, ...as(ann) })).body.tweet;
    await call(base, "POST", `/api/v1/tweets/${tweet.tweet_id}/like`, as(bob));
    const like = await next("like");
    t.is(like.payload.tweet.tweet.tweet_id, tweet.tweet_id);
    await call(base, "POST", `/api/v1/tweets/${tweet.tweet_id}/retweet`, as(bob));
    await next("retweet");
    await call(base, "POST", "/api/v1/tweets", { json: { content: "a reply", reply_to_tweet_id: tweet.tweet_id }, ...as(bob) });
    await next("reply");
    await call(base, "POST", "/api/v1/tweets", { json: { content: `hello @${ann.username}` }, ...as(bob) });
    await next("mention");
    await call(base, "DELETE", `/api/v1/tweets/${tweet.tweet_id}/like`, as(bob));
    t.is((await next("like", "notification.removed")).payload.group_key, like.payload.group_key, "the same group key as when it came");
    const listed = (await call<Json>(base, "GET", "/api/v1/notifications", as(ann))).body.groups as Json[];
    t.true(listed.some((g) => g.type === "follow" && g.group_key === ws.frames.find((f) => f.payload?.type === "follow")!.payload.group_key), "the list's group key");
    ws.close();
  });
}
