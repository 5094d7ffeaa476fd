// Search through the REST edge, in both modes: accounts sign up, post,
// follow, like and delete over HTTP/JSON; the gateway transcodes to the
// search service. Every search term is made unique per run, so the tests
// share one system per mode.
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
    label: "search_rest",
    targets: ["user", "graph", "tweet", "timeline", "search", "gateway"],
    overrides: { gateway: { rateLimit: UNLIMITED_RATE } },
  }),
);

let seq = 0;
const word = (stem: string) => `${stem}${Date.now().toString(36)}${(seq++).toString(36)}${Math.random().toString(36).slice(2, 5)}`;

const signUp = (t: ExecutionContext, base: string, username?: string, displayName?: string) => restSignUp(t, base, { prefix: "sr", username, displayName });

async function post(t: ExecutionContext, base: string, a: Account, content: string): Promise<string> {
  return expect(t, await call<Json>(base, "POST", "/api/v1/tweets", { token: a.token, json: { content } }), 200, "post").tweet.tweet_id;
}

const search = (base: string, q: string, extra = "", token?: string) =>
  call<Json>(base, "GET", `/api/v1/search/tweets?q=${encodeURIComponent(q)}${extra}`, token ? { token } : {});
const ids = (body: Json): string[] => (body.tweets ?? []).map((h: Json) => h.tweet.tweet_id);

/** Polls until the search answers exactly `want` (newest first). */
async function found(base: string, q: string, want: string[], token?: string): Promise<boolean> {
  return eventually(async () => JSON.stringify(ids((await search(base, q, "", token)).body)) === JSON.stringify(want), 10_000, 25);
}

for (const mode of MODES) {
  test.serial(`${mode}: a tweet is found by word, hashtag, phrase, mention and author, hydrated for the viewer; a deleted one leaves the results within a second`, async (t) => {
    const s = await system(mode);
    const [ann, bob] = await Promise.all([signUp(t, s.base), signUp(t, s.base)]);
    const w = word("kiwi");
    const tag = word("Tag");
    const first = await post(t, s.base, ann, `To be or not to be, ${w} #${tag} @${bob.username}`);
    const second = await post(t, s.base, bob, `not to be ${w}, or to be`);
    t.true(await found(s.base, w, [second, first]), "by word, newest first");
    t.true(await found(s.base, `#${tag.toUpperCase()}`, [first]), "by hashtag, whatever its case");
    t.true(await found(s.base, `"to be or not" ${w}`, [first]), "by phrase");
    t.true(await found(s.base, `@${bob.username} ${w}`, [first]), "by mention");
    t.true(await found(s.base, `from:${bob.username} ${w}`, [second]), "by author");
    t.true(await found(s.base, `${w} -tag`.replace("tag", tag), [second]), "an excluded hashtag word");
    t.true(await found(s.base, `${w} lang:en`, []), "an unknown operator is words, which match nothing here");

    // Hydrated as the home timeline is: the author, and the viewer's like.
    expect(t, await call<Json>(s.base, "POST", `/api/v1/tweets/${first}/like`, { token: bob.token }), 200, "like");
    const seen = expect(t, await search(s.base, `#${tag}`, "", bob.token), 200, "search as bob");
    t.like(seen.tweets[0], { tweet: { tweet_id: first }, author: { username: ann.username }, liked: true });
    t.is(seen.has_more, false);
    t.falsy(seen.next_cursor);

    expect(t, await call<Json>(s.base, "DELETE", `/api/v1/tweets/${first}`, { token: ann.token }), 200, "delete");
    const deletedAt = Date.now();
    t.true(await found(s.base, w, [second]), "the deleted tweet stayed");
    t.true(Date.now() - deletedAt < 1000, `the deleted tweet left after ${Date.now() - deletedAt} ms`);
  });

  test.serial(`${mode}: pages are full or the last; a cursor continues the same query only`, async (t) => {
    const s = await system(mode);
    const a = await signUp(t, s.base);
    const w = word("page");
    const posted: string[] = [];
    for (let i = 0; i < 5; i++) posted.push(await post(t, s.base, a, `${w} number ${i}`));
    const want = [...posted].reverse();
    t.true(await found(s.base, w, want));
    const seen: string[] = [];
    let cursor = "";
    for (let guard = 0; guard < 5; guard++) {
      const body = expect(t, await search(s.base, w, `&limit=2&cursor=${cursor}`), 200, "page");
      seen.push(...ids(body));
      if (body.has_more) t.is(ids(body).length, 2, "a page with more is full");
      if (!body.has_more) break;
      cursor = body.next_cursor;
    }
    t.deepEqual(seen, want);
    // Exactly two full pages: the second says there is no more, not an empty third.
    const exact = expect(t, await search(s.base, w, "&limit=5"), 200, "all");
    t.is(exact.has_more, false);

    const next = expect(t, await search(s.base, w, "&limit=2"), 200, "first page").next_cursor;
    for (const [what, res] of [
      ["a foreign cursor", await search(s.base, `${w} number`, `&cursor=${next}`)],
      ["a malformed cursor", await search(s.base, w, "&cursor=bm9wZQ")],
      ["limit 101", await search(s.base, w, "&limit=101")],
      ["limit -1", await search(s.base, w, "&limit=-1")],
      ["an empty query", await search(s.base, "")],
      ["a query over 512 characters", await search(s.base, "x".repeat(513))],
      ["eleven terms", await search(s.base, "a b c d e f g h i j k")],
    ] as const) {
      t.is(res.status, 400, `${what}: ${res.text}`);
      t.is(res.body?.code, "invalid_argument", what);
    }
    const stops = expect(t, await search(s.base, "?! ... ,"), 200, "stop characters");
    t.deepEqual(ids(stops), []);
    t.falsy(stops.has_more);
  });

  test.serial(`${mode}: people by prefix: the exact username first, then accounts the viewer follows, then by followers`, async (t) => {
    const s = await system(mode);
    const stem = `p${Date.now().toString(36).slice(-5)}${Math.random().toString(36).slice(2, 4)}`;
    const exact = await signUp(t, s.base, stem);
    const popular = await signUp(t, s.base, `${stem}_pop`);
    const friend = await signUp(t, s.base, `${stem}_fr`);
    const byName = await signUp(t, s.base, `zz${stem.slice(1)}`, `Ann ${stem}son`);
    const viewer = await signUp(t, s.base);
    const fans = await Promise.all([1, 2].map(() => signUp(t, s.base)));
    const follow = async (a: Account, b: Account) =>
      expect(t, await call<Json>(s.base, "POST", `/api/v1/users/${a.id}/follow`, { token: a.token, json: { followee_id: b.id } }), 200, "follow");
    for (const f of fans) await follow(f, popular);
    await follow(fans[0]!, byName);
    await follow(viewer, friend);
    // Accounts join the people index as they act: a follow, a tweet, a profile change.
    await post(t, s.base, exact, "hello");
    const names = async (token?: string, extra = "") =>
      ((await call<Json>(s.base, "GET", `/api/v1/search/users?q=${stem}${extra}`, token ? { token } : {})).body.users ?? []).map((u: Json) => u.username);
    const want = [stem, `${stem}_fr`, `${stem}_pop`, `zz${stem.slice(1)}`];
    t.true(await eventually(async () => JSON.stringify(await names(viewer.token)) === JSON.stringify(want), 10_000, 50), JSON.stringify(await names(viewer.token)));
    t.deepEqual((await names())[1], `${stem}_pop`, "anonymous: followers rank next");
    // Pages continue after the last account's place.
    const page1 = (await call<Json>(s.base, "GET", `/api/v1/search/users?q=${stem}&limit=2`, { token: viewer.token })).body;
    t.deepEqual(page1.users.map((u: Json) => u.username), want.slice(0, 2));
    t.true(page1.has_more);
    const page2 = (await call<Json>(s.base, "GET", `/api/v1/search/users?q=${stem}&limit=2&cursor=${page1.next_cursor}`, { token: viewer.token })).body;
    t.deepEqual(page2.users.map((u: Json) => u.username), want.slice(2));
    t.falsy(page2.has_more);
    // By a display-name word, and a rename moves the account.
    t.deepEqual(await namesOf(s.base, `${stem}so`), [`zz${stem.slice(1)}`]);
    expect(t, await call<Json>(s.base, "PATCH", `/api/v1/users/${byName.id}`, { token: byName.token, json: { display_name: "Someone Else" } }), 200, "rename");
    t.true(await eventually(async () => (await namesOf(s.base, `${stem}so`)).length === 0, 10_000, 50), "the old display name still finds the account");
    const bad = await call<Json>(s.base, "GET", `/api/v1/search/users?q=${stem}&cursor=garbage`);
    t.is(bad.status, 400);
  });
}

async function namesOf(base: string, q: string): Promise<string[]> {
  return ((await call<Json>(base, "GET", `/api/v1/search/users?q=${encodeURIComponent(q)}`)).body.users ?? []).map((u: Json) => u.username);
}
