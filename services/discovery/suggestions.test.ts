// Who to follow, end to end over gRPC in both modes, on real accounts,
// follows and tweets (the user, graph and tweet services), with the
// discovery consumer keeping activity, the most followed and the cache
// current from their events.
import { Code, ConnectError } from "@connectrpc/connect";
import test, { type ExecutionContext } from "ava";
import { SuggestionSource, type Suggestion } from "../../gen/chirp/discovery/v1/discovery_pb.js";
import { eventually } from "../testing/eventually.js";
import { startChirp, type Chirp } from "../testing/chirp.js";
import { MODES, type Mode } from "../testing/runtime.js";
import type { StartedDiscovery } from "./target.js";

const systems = new Map<Mode, Promise<Chirp>>();
const system = (mode: Mode) => {
  let s = systems.get(mode);
  if (!s) {
    s = startChirp({ mode, label: "disc_sugg", targets: ["user", "graph", "tweet", "discovery"], overrides: { discovery: { manualTrends: true } } });
    systems.set(mode, s);
  }
  return s;
};
test.after.always(async () => {
  for (const s of systems.values()) await (await s.catch(() => undefined))?.stop();
});

async function suggestions(s: Chirp, userId: bigint, limit = 80): Promise<Suggestion[]> {
  return (await s.clients.discovery.listSuggestions({ limit }, await s.as(userId))).suggestions;
}
const ids = (list: Suggestion[]) => list.map((x) => x.userId);

async function code(p: Promise<unknown>): Promise<[Code, string]> {
  try {
    await p;
  } catch (err) {
    const e = ConnectError.from(err);
    return [e.code, e.rawMessage];
  }
  throw new Error("the call succeeded");
}

/** Accounts in a small graph: u follows a and b; a follows c, d and an inactive x; b follows c; e follows u. */
async function scene(s: Chirp) {
  const [u, a, b, c, d, e, x] = await Promise.all(Array.from({ length: 7 }, () => s.register()));
  const names = new Map<bigint, string>();
  for (const user of (await s.clients.user.batchGetUsers({ userIds: [u!, a!, b!, c!, d!, e!, x!] })).users) names.set(user.userId, user.username);
  for (const [f, g] of [
    [u, a],
    [u, b],
    [a, c],
    [a, d],
    [a, x],
    [b, c],
    [e, u],
  ] as const)
    await s.follow(f!, g!);
  for (const who of [a, b, c, d, e]) await s.post(who!, "still here");
  return { u: u!, a: a!, b: b!, c: c!, d: d!, e: e!, x: x!, names };
}

for (const mode of MODES) {
  const it = (title: string, body: (t: ExecutionContext, s: Chirp) => Promise<void>) =>
    test.serial(`${mode}: ${title}`, async (t) => body(t, await system(mode)));

  it("suggestions follow the graph: friends of friends by how many, followers not followed back, never the inactive; each with its reason", async (t, s) => {
    const { u, a, b, c, d, e, x, names } = await scene(s);
    // Whether the tweet events are in yet or not (the tweet service is asked then).
    const list = await suggestions(s, u);
    t.deepEqual(ids(list).slice(0, 3), [c, e, d]);
    t.false(ids(list).includes(x), "x never tweeted");
    t.false(ids(list).some((id) => [u, a, b].includes(id)), "not the user, not whom they follow");
    const [sc, se, sd] = list;
    t.is(sc!.mutualCount, 2);
    t.deepEqual(sc!.sources, [SuggestionSource.FRIENDS_OF_FRIENDS]);
    t.deepEqual([...sc!.followedByIds].sort(), [a, b].sort());
    t.regex(sc!.reason, new RegExp(`^followed by (${names.get(a)} and ${names.get(b)}|${names.get(b)} and ${names.get(a)}), who you follow$`));
    t.is(sc!.user?.username, names.get(c));
    t.is(se!.reason, "follows you");
    t.deepEqual(se!.sources, [SuggestionSource.FOLLOWS_YOU]);
    t.is(sd!.reason, `followed by ${names.get(a)}, who you follow`);
    t.is((await suggestions(s, u, 2)).length, 2, "limit");
  });

  it("a follow drops the cached suggestions; a dismissal takes the account out at once and for good", async (t, s) => {
    const { u, c, d, e } = await scene(s);
    t.true(await eventually(async () => ids(await suggestions(s, u)).includes(d)));
    const hits = async () => {
      const m = (await s.rt.metrics.registry.getSingleMetric("discovery_suggestions_total")!.get()).values;
      return m.find((v) => v.labels.result === "hit")?.value ?? 0;
    };
    const before = await hits();
    await suggestions(s, u);
    t.is(await hits(), before + 1, "the second read is served from the cache");

    await s.follow(u, c);
    t.true(await eventually(async () => !ids(await suggestions(s, u)).includes(c)), "followed: no longer suggested");
    await s.clients.discovery.dismissSuggestion({ accountId: d }, await s.as(u));
    t.false(ids(await suggestions(s, u)).includes(d), "dismissed: gone on the next read");
    t.true(ids(await suggestions(s, u)).includes(e));
    await s.clients.discovery.dismissSuggestion({ accountId: d }, await s.as(u));
  });

  it("a new account that follows nobody gets the most followed active accounts", async (t, s) => {
    const { c } = await scene(s);
    const newcomer = await s.register();
    // The most followed are kept from follow events.
    const { store } = (s.targets.started.get("discovery") as StartedDiscovery).ctx;
    t.true(await eventually(async () => (await store.suggestions.popular(1000)).includes(c)));
    const list = await suggestions(s, newcomer);
    const sc = list.find((x) => x.userId === c);
    if (!t.truthy(sc, `suggestions: ${ids(list)}`)) return;
    const popular = await store.suggestions.popular(1000);
    t.true(list.every((x) => popular.includes(x.userId)), "all of them among the most followed");
    t.deepEqual(sc!.sources, [SuggestionSource.POPULAR]);
    t.regex(sc!.reason, /^popular on Chirp \(\d+ followers\)$/);
    t.false(ids(list).includes(newcomer));
  });

  it("bad input: limit out of range, dismissing oneself or an unknown account, no token", async (t, s) => {
    const me = await s.register();
    const as = await s.as(me);
    const [c1, m1] = await code(s.clients.discovery.listSuggestions({ limit: 81 }, as));
    t.is(c1, Code.InvalidArgument);
    t.regex(m1, /limit/);
    t.deepEqual(await code(s.clients.discovery.dismissSuggestion({ accountId: me }, as)), [Code.InvalidArgument, "account_id: you cannot dismiss yourself"]);
    t.deepEqual(await code(s.clients.discovery.dismissSuggestion({ accountId: 987654321987n }, as)), [Code.NotFound, "user 987654321987 not found"]);
    t.is((await code(s.clients.discovery.dismissSuggestion({ accountId: 0n }, as)))[0], Code.InvalidArgument);
    t.is((await code(s.clients.discovery.listSuggestions({})))[0], Code.Unauthenticated);
    t.is((await code(s.clients.discovery.dismissSuggestion({ accountId: me })))[0], Code.Unauthenticated);
  });
}
