import test from "ava";
import { UserService } from "../../../gen/chirp/user/v1/user_pb.js";
import { GraphService } from "../../../gen/chirp/graph/v1/graph_pb.js";
import { TweetService } from "../../../gen/chirp/tweet/v1/tweet_pb.js";
import { TimelineService } from "../../../gen/chirp/timeline/v1/timeline_pb.js";
import { LibraryService } from "../testing/library.js";
import { bindingsOf, type Binding } from "./bindings.js";
import { parseTemplate } from "./path-template.js";
import { Router } from "./router.js";

function routerOf(bindings: Binding[]): Router<Binding> {
  const r = new Router<Binding>();
  for (const b of bindings) r.add(b.httpMethod, b.template, b);
  return r;
}

const chirp = routerOf(bindingsOf([UserService, GraphService, TweetService, TimelineService]));
const library = routerOf(bindingsOf([LibraryService]));

function found(r: Router<Binding>, method: string, path: string): string {
  const m = r.match(method, path);
  return m.kind === "found" ? m.route.id : m.kind;
}

test("Chirp's routes resolve to their RPCs", (t) => {
  t.is(found(chirp, "GET", "/api/v1/users/42"), "UserService_GetUser");
  t.is(found(chirp, "PATCH", "/api/v1/users/42"), "UserService_UpdateProfile");
  t.is(found(chirp, "POST", "/api/v1/users"), "UserService_Register");
  t.is(found(chirp, "GET", "/api/v1/users/by-username/alice"), "UserService_GetUserByUsername");
  t.is(found(chirp, "GET", "/api/v1/users:batchGet"), "UserService_BatchGetUsers");
  t.is(found(chirp, "DELETE", "/api/v1/users/1/following/2"), "GraphService_Unfollow_1");
  t.is(found(chirp, "GET", "/api/v1/users/1/following"), "GraphService_ListFollowing");
  t.is(found(chirp, "DELETE", "/api/v1/tweets/9/like"), "TweetService_UnlikeTweet_1");
  t.is(found(chirp, "POST", "/api/v1/tweets/9/like"), "TweetService_LikeTweet");
  t.is(found(chirp, "GET", "/api/v1/timeline/home/stream"), "TimelineService_StreamHomeTimeline");
  t.is(found(chirp, "GET", "/api/v1/timeline/home"), "TimelineService_GetHomeTimeline");
});

test("a literal beats a variable; the variable still matches other values", (t) => {
  // "by-username" is a literal at the position of {user_id}'s next segment;
  // "/api/v1/users/by-username" alone is a user id as far as templates go.
  t.is(found(chirp, "GET", "/api/v1/users/by-username"), "UserService_GetUser");
  const m = chirp.match("GET", "/api/v1/users/by-username/bob");
  t.is(m.kind, "found");
  if (m.kind === "found") t.deepEqual(m.segments, ["api", "v1", "users", "by-username", "bob"]);
});

test("verbs split off the last segment only when a route has that verb", (t) => {
  t.is(found(library, "GET", "/v1/books:search"), "LibraryService_Search");
  t.is(found(library, "POST", "/v1/shelves/s1:archive"), "LibraryService_Archive");
  // No verb route: the colon is part of a variable's value.
  const m = library.match("GET", "/v1/shelves/a:b/books");
  t.is(m.kind, "found");
  if (m.kind === "found") t.is(m.segments[2], "a:b");
  t.is(found(library, "GET", "/v1/books:unknownVerb"), "not_found");
});

test("multi-segment and '**' variables", (t) => {
  t.is(found(library, "GET", "/v1/shelves/s1/books/b2"), "LibraryService_GetBook");
  t.is(found(library, "PATCH", "/v1/shelves/s1/books/b2"), "LibraryService_UpdateBook");
  t.is(found(library, "GET", "/v1/files/a/b/c.txt"), "LibraryService_GetFile");
  t.is(found(library, "GET", "/v1/files"), "LibraryService_GetFile");
  t.is(found(library, "GET", "/v1/shelves/s1/books/b2/extra"), "not_found");
});

test("unknown paths are not found; a known path with another method lists what is allowed", (t) => {
  t.is(chirp.match("GET", "/api/v1/nope").kind, "not_found");
  t.is(chirp.match("GET", "/api/v1/users//follow").kind, "not_found");
  t.is(chirp.match("GET", "").kind, "not_found");
  t.deepEqual(chirp.match("PUT", "/api/v1/users/1"), { kind: "method_not_allowed", allow: ["GET", "PATCH"] });
  t.deepEqual(chirp.match("GET", "/api/v1/tweets/1/like"), { kind: "method_not_allowed", allow: ["DELETE", "POST"] });
});

test("backtracking: a literal branch that fails falls back to the variable", (t) => {
  const r = new Router<string>();
  r.add("GET", parseTemplate("/a/b/c"), "literal");
  r.add("GET", parseTemplate("/a/{x}/d"), "variable");
  r.add("POST", parseTemplate("/a/b/{y}"), "post");
  t.is((r.match("GET", "/a/b/d") as { route: string }).route, "variable");
  t.is((r.match("GET", "/a/b/c") as { route: string }).route, "literal");
  t.is((r.match("POST", "/a/b/c") as { route: string }).route, "post");
  t.throws(() => r.add("GET", parseTemplate("/a/{z}/d"), "again"), { message: /two routes/ });
});

test("lookups do not slow down with the number of routes (trie, not a scan)", (t) => {
  const small = new Router<number>();
  const big = new Router<number>();
  for (let i = 0; i < 5000; i++) big.add("GET", parseTemplate(`/r${i}/{id}/x${i}`), i);
  small.add("GET", parseTemplate("/r4999/{id}/x4999"), 4999);
  // The best of several rounds: other processes share these cores.
  const time = (r: Router<number>) => {
    let best = Infinity;
    for (let round = 0; round < 15; round++) {
      const started = process.hrtime.bigint();
      for (let i = 0; i < 5_000; i++) r.match("GET", "/r4999/123/x4999");
      best = Math.min(best, Number(process.hrtime.bigint() - started));
    }
    return best;
  };
  time(small);
  time(big); // warm up
  const ratio = time(big) / time(small);
  t.true(ratio < 4, `5000 routes took ${ratio.toFixed(1)}x as long as 1`);
});
