// The contracts as a client sees them: every public RPC is reachable over
// REST at the original design's paths, and `buf breaking` would catch a
// breaking change.
import test from "ava";
import { execFile } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { getOption, hasOption, type DescService } from "@bufbuild/protobuf";
import { http } from "../gen/google/api/annotations_pb.js";
import { SERVICES } from "../services/runtime/services.js";

const run = promisify(execFile);
const root = join(dirname(new URL(import.meta.url).pathname), "..");
const buf = join(root, "node_modules/.bin/buf");
const services: DescService[] = Object.values(SERVICES);
/** Service-to-service calls (hydration, fan-out), deliberately not on the public API. */
const internal = new Set([
  "chirp.graph.v1.GraphService.BatchGetCounts",
  "chirp.graph.v1.GraphService.ListFollowerIds",
  "chirp.graph.v1.GraphService.ListFollowingIds",
  "chirp.tweet.v1.TweetService.BatchGetViewerStates",
  "chirp.tweet.v1.TweetService.BatchGetUserTweetCounts",
  "chirp.timeline.v1.TimelineService.InvalidateViewerStates",
]);

function bindings(): string[] {
  const out: string[] = [];
  for (const s of services) {
    for (const m of s.methods) {
      if (!hasOption(m, http)) continue;
      const rule = getOption(m, http);
      for (const r of [rule, ...rule.additionalBindings]) {
        if (r.pattern.case && r.pattern.case !== "custom") out.push(`${r.pattern.case.toUpperCase()} ${r.pattern.value}`);
      }
    }
  }
  return out;
}

test("every public RPC has a google.api.http rule", (t) => {
  const missing = services
    .flatMap((s) => s.methods)
    .filter((m) => !internal.has(`${m.parent.typeName}.${m.name}`) && !hasOption(m, http))
    .map((m) => `${m.parent.typeName}.${m.name}`);
  t.deepEqual(missing, []);
});

test("the original design's REST paths are all there", (t) => {
  const have = new Set(bindings());
  const wanted = [
    "POST /api/v1/users",
    "GET /api/v1/users/{user_id}",
    "POST /api/v1/users/{user_id}/follow",
    "POST /api/v1/users/{user_id}/unfollow",
    "GET /api/v1/users/{user_id}/followers",
    "GET /api/v1/users/{user_id}/following",
    "POST /api/v1/tweets",
    "GET /api/v1/tweets/{tweet_id}",
    "DELETE /api/v1/tweets/{tweet_id}",
    "POST /api/v1/tweets/{tweet_id}/like",
    "POST /api/v1/tweets/{tweet_id}/unlike",
    "POST /api/v1/tweets/{tweet_id}/retweet",
    "GET /api/v1/timeline/home",
    "GET /api/v1/timeline/user/{user_id}",
    "POST /api/v1/auth/login",
    "PATCH /api/v1/users/{user_id}",
    // Discovery, at Mastodon's paths where it has them.
    "GET /api/v1/trends/hashtags",
    "GET /api/v1/suggestions",
    "DELETE /api/v1/suggestions/{account_id}",
    // Search (the original design's "search tweets by keywords, search users by username").
    "GET /api/v1/search/tweets",
    "GET /api/v1/search/users",
    // Notifications, at Mastodon's paths.
    "GET /api/v1/notifications",
    "GET /api/v1/notifications/unread_count",
    "POST /api/v1/notifications/read",
  ];
  t.deepEqual(wanted.filter((w) => !have.has(w)), []);
});

test("no two bindings share a method and path", (t) => {
  const all = bindings();
  t.is(new Set(all).size, all.length);
});

/** Ranked, bounded answers (a top N recomputed as the data changes), not pages of a list: a limit, no cursor. */
const topN = new Set(["chirp.discovery.v1.DiscoveryService.ListTrendingHashtags", "chirp.discovery.v1.DiscoveryService.ListSuggestions"]);

test("lists page with limit and an opaque cursor, never an offset", (t) => {
  for (const s of services) {
    for (const m of s.methods.filter((m) => m.name.startsWith("List") || m.name.startsWith("Search") || m.name.match(/^Get\w*Timeline$/))) {
      if (topN.has(`${s.typeName}.${m.name}`)) {
        const fields = [...m.input.fields, ...m.output.fields].map((f) => f.name);
        t.true(fields.includes("limit"), `${m.name} takes a limit`);
        t.false(fields.some((n) => n.includes("offset") || n.includes("cursor")), `${m.name} is a top N: no paging`);
        continue;
      }
      const req = m.input.fields.map((f) => f.name);
      const res = m.output.fields.map((f) => f.name);
      t.true(req.includes("limit") && req.includes("cursor"), `${m.name} request`);
      t.true(res.includes("next_cursor") && res.includes("has_more"), `${m.name} response`);
      t.false([...req, ...res].some((n) => n.includes("offset")), `${m.name} uses no offset`);
    }
  }
});

test("buf breaking catches a removed field", async (t) => {
  const work = mkdtempSync(join(tmpdir(), "chirp-breaking-"));
  await run(buf, ["build", "-o", join(work, "before.binpb")], { cwd: root });
  cpSync(join(root, "proto"), join(work, "proto"), { recursive: true });
  symlinkSync(join(root, ".proto-deps"), join(work, ".proto-deps"));
  cpSync(join(root, "buf.yaml"), join(work, "buf.yaml"));
  const file = join(work, "proto/chirp/user/v1/user.proto");
  writeFileSync(file, readFileSync(file, "utf8").replace("  string bio = 4;\n", "  reserved 4;\n"));
  const err = await t.throwsAsync(run(buf, ["breaking", "proto", "--against", join(work, "before.binpb")], { cwd: work }));
  t.regex((err as { stdout?: string }).stdout ?? "", /Previously present field "4" with name "bio" on message "User" was deleted/);
  await run(buf, ["breaking", "proto", "--against", join(root, "proto")], { cwd: root }).catch((e) => t.fail(String(e)));
});
