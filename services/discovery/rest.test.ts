// Both discovery features through the REST edge, in both modes, on the real
// clock: accounts sign up, post, follow and delete over HTTP/JSON, the
// gateway transcodes to the discovery service, and the trends job runs every
// 200 ms. JSON uses the proto field names (unique_authors, current_score).
import test, { type ExecutionContext } from "ava";
import { call } from "../gateway/testing/http.js";
import { expectStatus as expect, signUp as restSignUp, type Json, type RestAccount as Account, UNLIMITED_RATE } from "../gateway/testing/rest-accounts.js";
import { eventually } from "../testing/eventually.js";
import { startChirp } from "../testing/chirp.js";
import { perMode } from "../testing/per-mode.js";
import { MODES } from "../testing/runtime.js";

const system = perMode((mode) =>
  startChirp({
    mode,
    label: "disc_rest",
    targets: ["user", "graph", "tweet", "discovery", "gateway"],
    overrides: {
      discovery: { config: { trends: { deny: [], intervalMs: 200, minAuthors: 5, minScore: 2, halfLifeMs: 4 * 3_600_000 } } },
      gateway: { rateLimit: UNLIMITED_RATE },
    },
  }),
);

const signUp = (t: ExecutionContext, base: string) => restSignUp(t, base, { prefix: "dr" });

for (const mode of MODES) {
  test.serial(`${mode}: trending hashtags over REST: eight new accounts make a tag trend, explained; deleting their tweets takes it off`, async (t) => {
    const s = await system(mode);
    const tag = `RestTrend${Date.now().toString(36)}`;
    const people = await Promise.all(Array.from({ length: 8 }, () => signUp(t, s.base)));
    const tweets: Array<[Account, string]> = [];
    for (const p of people) {
      const res = await call<Json>(s.base, "POST", "/api/v1/tweets", { token: p.token, json: { content: `Look at #${tag}!` } });
      tweets.push([p, expect(t, res, 200, "post").tweet.tweet_id]);
    }
    const listed = async () => {
      const res = await call<Json>(s.base, "GET", "/api/v1/trends/hashtags?limit=20");
      return (expect(t, res, 200, "trends").hashtags ?? []).find((h: Json) => h.tag === tag.toLowerCase());
    };
    let h: Json | undefined;
    // Listed once every post has been counted (a computation may run while the last ones are on their way).
    t.true(await eventually(async () => (h = await listed())?.unique_authors === "8", 20_000, 100), `the tag never trended with all 8: ${JSON.stringify(h)}`);
    // Accounts younger than a week count half: 8 authors, observed 4, expected 1, score (4 - 1) / 1.
    t.like(h, { tag: tag.toLowerCase(), unique_authors: "8", observed: 4, expected: 1, current_score: 3, score: 3 });
    t.regex(h!.peaked_at, /^\d{4}-\d\d-\d\dT/);

    for (const [p, id] of tweets) expect(t, await call<Json>(s.base, "DELETE", `/api/v1/tweets/${id}`, { token: p.token }), 200, "delete");
    t.true(await eventually(async () => (await listed()) === undefined, 20_000, 100), "the deleted burst kept trending");

    for (const q of ["limit=21", "limit=-1"]) {
      const bad = await call<Json>(s.base, "GET", `/api/v1/trends/hashtags?${q}`);
      t.is(bad.status, 400, q);
      t.is(bad.body.code, "invalid_argument");
    }
  });

  test.serial(`${mode}: who to follow over REST: a friend of a friend with its reason; a dismissal; bad input`, async (t) => {
    const s = await system(mode);
    const [ann, bob, cy] = await Promise.all([signUp(t, s.base), signUp(t, s.base), signUp(t, s.base)]);
    expect(t, await call<Json>(s.base, "POST", "/api/v1/tweets", { token: cy.token, json: { content: "hello" } }), 200, "post");
    expect(t, await call<Json>(s.base, "POST", `/api/v1/users/${ann.id}/follow`, { token: ann.token, json: { followee_id: bob.id } }), 200, "follow");
    expect(t, await call<Json>(s.base, "POST", `/api/v1/users/${bob.id}/follow`, { token: bob.token, json: { followee_id: cy.id } }), 200, "follow");

    const suggested = async () => expect(t, await call<Json>(s.base, "GET", "/api/v1/suggestions?limit=5", { token: ann.token }), 200, "suggestions").suggestions ?? [];
    const first = (await suggested()).find((x: Json) => x.user_id === cy.id);
    t.like(first, {
      user_id: cy.id,
      user: { username: cy.username },
      reason: `followed by ${bob.username}, who you follow`,
      sources: ["SUGGESTION_SOURCE_FRIENDS_OF_FRIENDS"],
      mutual_count: 1,
      followed_by_ids: [bob.id],
    });

    expect(t, await call<Json>(s.base, "DELETE", `/api/v1/suggestions/${cy.id}`, { token: ann.token }), 200, "dismiss");
    t.false((await suggested()).some((x: Json) => x.user_id === cy.id));

    const bad: Array<[string, string, number, string]> = [
      ["GET", "/api/v1/suggestions?limit=81", 400, "invalid_argument"],
      ["DELETE", `/api/v1/suggestions/${ann.id}`, 400, "invalid_argument"],
      ["DELETE", "/api/v1/suggestions/987654321987", 404, "not_found"],
    ];
    for (const [method, path, status, code] of bad) {
      const res = await call<Json>(s.base, method, path, { token: ann.token });
      t.is(res.status, status, `${method} ${path}: ${res.text}`);
      t.is(res.body.code, code);
    }
    t.is((await call<Json>(s.base, "GET", "/api/v1/suggestions")).status, 401);
    t.is((await call<Json>(s.base, "DELETE", `/api/v1/suggestions/${cy.id}`)).status, 401);
  });
}
