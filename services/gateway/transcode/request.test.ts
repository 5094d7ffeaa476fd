import test from "ava";
import { toJson, type Message } from "@bufbuild/protobuf";
import { CreateTweetRequestSchema, TweetService } from "../../../gen/chirp/tweet/v1/tweet_pb.js";
import { GraphService } from "../../../gen/chirp/graph/v1/graph_pb.js";
import { UserService } from "../../../gen/chirp/user/v1/user_pb.js";
import { LibraryService, libraryRegistry } from "../testing/library.js";
import { bindingsOf, type Binding } from "./bindings.js";
import { jsonRegistry } from "./json.js";
import { pathValues } from "./path-values.js";
import { buildRequest, InvalidRequest, MalformedJson } from "./request.js";
import { Router } from "./router.js";

const registry = jsonRegistry([UserService, GraphService, TweetService]);
const router = new Router<Binding>();
for (const b of bindingsOf([UserService, GraphService, TweetService, LibraryService])) router.add(b.httpMethod, b.template, b);

/** Transcodes like the gateway does: route, path values, query, body. */
function transcode(method: string, url: string, body?: string): Record<string, unknown> {
  const [path, query = ""] = url.split("?") as [string, string?];
  const m = router.match(method, path);
  if (m.kind !== "found") throw new Error(`${method} ${url}: ${m.kind}`);
  const reg = m.route.service === LibraryService ? libraryRegistry : registry;
  const msg: Message = buildRequest(m.route, { path: pathValues(m.route.template, m.segments), query: new URLSearchParams(query), body }, reg);
  return toJson(m.route.method.input, msg, { registry: reg }) as Record<string, unknown>;
}

test("path variables become typed fields", (t) => {
  t.deepEqual(transcode("GET", "/api/v1/users/42"), { userId: "42" });
  t.deepEqual(transcode("DELETE", "/api/v1/users/1/following/2"), { userId: "1", followeeId: "2" });
  t.deepEqual(transcode("GET", "/api/v1/users/by-username/al%69ce"), { username: "alice" });
});

test("body '*' fills the message, the path adds to it, equal values agree", (t) => {
  t.deepEqual(transcode("POST", "/api/v1/users/1/follow", '{"followeeId":"2"}'), { userId: "1", followeeId: "2" });
  t.deepEqual(transcode("POST", "/api/v1/users/1/follow", '{"followee_id":2,"user_id":"1"}'), { userId: "1", followeeId: "2" });
  t.throws(() => transcode("POST", "/api/v1/users/1/follow", '{"followeeId":"2","userId":"3"}'), {
    instanceOf: InvalidRequest,
    message: "'user_id' in the body does not match the path",
  });
  t.deepEqual(transcode("POST", "/api/v1/users/1/follow"), { userId: "1" });
});

test("query parameters: repeated, nested, enums, wrappers, timestamps, both name styles", (t) => {
  t.deepEqual(transcode("GET", "/api/v1/users:batchGet?user_ids=1&user_ids=2&userIds=3"), { userIds: ["1", "2", "3"] });
  t.deepEqual(transcode("GET", "/api/v1/users/5/followers?limit=10&cursor=abc"), { userId: "5", limit: 10, cursor: "abc" });
  t.deepEqual(
    transcode(
      "GET",
      "/v1/books:search?tags=a&tags=b+c&filter.year=1999&filter.pages.min=10&genre=GENRE_POETRY&genres=1&genres=GENRE_FICTION" +
        "&exact=true&min_rating=4.5&ids=9007199254740993&since=2020-01-02T03:04:05Z&max=7&token=aGk",
    ),
    {
      tags: ["a", "b c"],
      filter: { year: 1999, pages: { min: "10" } },
      genre: "GENRE_POETRY",
      genres: ["GENRE_FICTION", "GENRE_FICTION"],
      exact: true,
      minRating: 4.5,
      ids: ["9007199254740993"],
      since: "2020-01-02T03:04:05Z",
      max: 7,
      token: "aGk=",
    },
  );
});

test("both spellings of a field name, proto (snake_case) and JSON (lowerCamelCase), in the query and in the body", (t) => {
  // Query parameters, singular and repeated, top-level and beside a path or body field.
  for (const name of ["page_size", "pageSize"]) t.deepEqual(transcode("GET", `/v1/shelves/s1/books?${name}=5`), { shelf: "s1", pageSize: 5 }, name);
  for (const name of ["min_rating", "minRating"]) t.deepEqual(transcode("GET", `/v1/books:search?${name}=4.5`), { minRating: 4.5 }, name);
  for (const name of ["validate_only", "validateOnly"]) {
    t.deepEqual(transcode("PATCH", `/v1/shelves/s1/books/b2?${name}=true`, '{"title":"Dune"}'), { book: { name: "shelves/s1/books/b2", title: "Dune" }, validateOnly: true }, name);
  }
  t.deepEqual(transcode("GET", "/api/v1/tweets:batchGet?tweetIds=1&tweet_ids=2"), { tweetIds: ["1", "2"] });
  t.deepEqual(transcode("GET", "/api/v1/users/5/relationships?target_ids=6&targetIds=7"), { userId: "5", targetIds: ["6", "7"] });
  // Request bodies: either spelling, or a mix of the two.
  const update = (body: string) => transcode("PATCH", "/api/v1/users/5", body);
  const expected = { userId: "5", displayName: "Al", avatarUrl: "https://x/a.png" };
  t.deepEqual(update('{"display_name":"Al","avatar_url":"https://x/a.png"}'), expected);
  t.deepEqual(update('{"displayName":"Al","avatarUrl":"https://x/a.png"}'), expected);
  t.deepEqual(update('{"displayName":"Al","avatar_url":"https://x/a.png","user_id":"5"}'), expected);
  t.deepEqual(transcode("POST", "/api/v1/auth/refresh", '{"refresh_token":"r"}'), transcode("POST", "/api/v1/auth/refresh", '{"refreshToken":"r"}'));
  // The path binds a field whichever way the query spells it.
  t.throws(() => transcode("GET", "/api/v1/users/5/followers?userId=6"), { instanceOf: InvalidRequest, message: /'userId' is already bound by the path/ });
});

test("bad query values and names are 400s that name the parameter", (t) => {
  const bad: Array<[string, RegExp]> = [
    ["/api/v1/users/5/followers?limit=abc", /query parameter 'limit': expected an integer/],
    ["/api/v1/users/5/followers?limit=1.5", /'limit'/],
    ["/api/v1/users/5/followers?limit=99999999999", /'limit'.*out of range/],
    ["/api/v1/users/5/followers?limit=1&limit=2", /'limit' is given more than once/],
    ["/api/v1/users/5/followers?bogus=1", /unknown query parameter 'bogus'/],
    ["/api/v1/users/5/followers?user_id=6", /'user_id' is already bound by the path/],
    ["/api/v1/users:batchGet?user_ids=0x10", /expected an integer/],
    ["/v1/books:search?exact=yes", /'exact': expected true or false/],
    ["/v1/books:search?genre=GENRE_NOPE", /'genre'/],
    ["/v1/books:search?since=yesterday", /'since'/],
    ["/v1/books:search?labels=x", /'labels' names a field that cannot be set from the query/],
    ["/v1/books:search?authors.name=x", /unknown query parameter 'authors.name'/],
    ["/v1/books:search?filter=x", /'filter' names a field that cannot be set/],
    ["/v1/books:search?filter.nope=1", /unknown query parameter 'filter.nope'/],
  ];
  for (const [url, message] of bad) t.throws(() => transcode("GET", url), { instanceOf: InvalidRequest, message }, url);
});

test("bad path values are 400s", (t) => {
  t.throws(() => transcode("GET", "/api/v1/users/abc"), { instanceOf: InvalidRequest, message: /path parameter 'user_id': expected an integer/ });
  t.throws(() => transcode("GET", "/api/v1/users/99999999999999999999"), { instanceOf: InvalidRequest, message: /'user_id'.*out of range/ });
});

test("proto3 JSON strictness: unknown fields, wrong types, duplicates and syntax errors", (t) => {
  const post = (body: string) => transcode("POST", "/api/v1/tweets", body);
  t.deepEqual(post('{"content":"hi","mediaUrls":["https://x/y"],"reply_to_tweet_id":"12"}'), {
    content: "hi",
    mediaUrls: ["https://x/y"],
    replyToTweetId: "12",
  });
  t.throws(() => post('{"content":"hi","color":"red"}'), { instanceOf: InvalidRequest, message: /key "color" is unknown/ });
  t.throws(() => post('{"content":5}'), { instanceOf: InvalidRequest, message: /content: expected string/ });
  t.throws(() => post('{"content":"a","content":"b"}'), { instanceOf: InvalidRequest, message: /duplicate/i });
  t.throws(() => post('{"replyToTweetId":"1.5"}'), { instanceOf: InvalidRequest, message: /reply_to_tweet_id/ });
  t.throws(() => post("[1]"), { instanceOf: InvalidRequest });
  t.throws(() => post('{"content":'), { instanceOf: MalformedJson, message: /not valid JSON/ });
  t.throws(() => transcode("POST", "/api/v1/tweets?content=x", '{"content":"y"}'), { instanceOf: InvalidRequest, message: /from the body, not the query/ });
  t.is(CreateTweetRequestSchema.typeName, "chirp.tweet.v1.CreateTweetRequest");
});

test("a binding without a body refuses one (an empty object is tolerated)", (t) => {
  t.deepEqual(transcode("POST", "/api/v1/tweets/7/like", "{}"), { tweetId: "7" });
  t.deepEqual(transcode("POST", "/api/v1/tweets/7/like", ""), { tweetId: "7" });
  t.throws(() => transcode("POST", "/api/v1/tweets/7/like", '{"tweetId":"8"}'), { instanceOf: InvalidRequest, message: /takes no request body/ });
});

test("named body field, nested path field inside it, other fields from the query", (t) => {
  t.deepEqual(transcode("POST", "/v1/shelves/s1/books", '{"title":"Dune","pages":"412"}'), {
    shelf: "s1",
    book: { title: "Dune", pages: "412" },
  });
  t.deepEqual(transcode("PATCH", "/v1/shelves/s1/books/b%2F2?validate_only=true", '{"title":"Dune"}'), {
    book: { name: "shelves/s1/books/b%2F2", title: "Dune" },
    validateOnly: true,
  });
  t.throws(() => transcode("PATCH", "/v1/shelves/s1/books/b2", '{"name":"shelves/x/books/y"}'), { message: /'book.name' in the body does not match/ });
  t.throws(() => transcode("PATCH", "/v1/shelves/s1/books/b2?book.title=x", "{}"), { message: /belongs in the request body/ });
  t.throws(() => transcode("POST", "/v1/shelves/s1/books", '{"shelf":"s2"}'), { message: /key "shelf" is unknown/ });
});

test("multi-segment and '**' variables, additional bindings", (t) => {
  t.deepEqual(transcode("GET", "/v1/shelves/s1/books/b2"), { name: "shelves/s1/books/b2" });
  t.deepEqual(transcode("GET", "/v1/files/docs/a%20b/c.txt"), { path: "docs/a b/c.txt" });
  t.deepEqual(transcode("POST", "/v1/shelves/s9:archive", '{"reason":"old"}'), { shelf: "s9", reason: "old" });
  t.deepEqual(transcode("PUT", "/v1/archive/77", '{"reason":"old"}'), { shelfId: "77", reason: "old" });
});
