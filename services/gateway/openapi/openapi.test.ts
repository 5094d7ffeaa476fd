import test from "ava";
import { Validator } from "@seriousme/openapi-schema-validator";
import { GraphService } from "../../../gen/chirp/graph/v1/graph_pb.js";
import { TimelineService } from "../../../gen/chirp/timeline/v1/timeline_pb.js";
import { TweetService } from "../../../gen/chirp/tweet/v1/tweet_pb.js";
import { CountsSchema } from "../../../gen/chirp/graph/v1/graph_pb.js";
import { GetHomeTimelineResponseSchema, HydratedTweetSchema } from "../../../gen/chirp/timeline/v1/timeline_pb.js";
import { UserSchema, UserService } from "../../../gen/chirp/user/v1/user_pb.js";
import { LibraryService } from "../testing/library.js";
import { bindingsOf } from "../transcode/bindings.js";
import { renderDocs } from "./docs.js";
import { buildOpenApi, type Operation } from "./openapi.js";
import type { Schema } from "./schemas.js";

const chirpBindings = bindingsOf([UserService, GraphService, TweetService, TimelineService]);
const chirp = buildOpenApi(chirpBindings, { serverUrl: "http://127.0.0.1:8080" });
const library = buildOpenApi(bindingsOf([LibraryService]));

async function validate(doc: object) {
  const validator = new Validator();
  // A deep copy: the validator must see plain JSON, as a client would.
  return validator.validate(JSON.parse(JSON.stringify(doc)) as Record<string, unknown>);
}

test("the Chirp document is valid OpenAPI 3.1", async (t) => {
  const res = await validate(chirp);
  t.true(res.valid, JSON.stringify(res.errors, null, 2));
  t.is(chirp.openapi, "3.1.0");
});

test("the library document (nested, '**', named bodies, response_body, streaming) is valid too", async (t) => {
  const res = await validate(library);
  t.true(res.valid, JSON.stringify(res.errors, null, 2));
});

test("the validator does reject a broken document (the check has teeth)", async (t) => {
  const broken = JSON.parse(JSON.stringify(chirp)) as typeof chirp;
  (broken.paths["/api/v1/users/{user_id}"]!.get as unknown as Record<string, unknown>).responses = "nope";
  t.false((await validate(broken)).valid);
});

const op = (path: string, method: string): Operation => {
  const o = chirp.paths[path]?.[method];
  if (!o) throw new Error(`no ${method} ${path}`);
  return o;
};
const schema = (name: string) => chirp.components.schemas[name] as { properties: Record<string, Schema>; required?: string[] };

test("every binding is an operation, additional bindings included", (t) => {
  const ops = Object.values(chirp.paths).flatMap((m) => Object.values(m));
  t.is(ops.length, chirpBindings.length);
  t.is(op("/api/v1/users/{user_id}/following/{followee_id}", "delete")["x-rpc"], "chirp.graph.v1.GraphService/Unfollow");
  t.is(op("/api/v1/users:batchGet", "get").operationId, "UserService_BatchGetUsers");
});

test("parameters: path ones required, the rest from the query (repeated as arrays)", (t) => {
  const follow = op("/api/v1/users/{user_id}/followers", "get");
  t.deepEqual(
    follow.parameters.map((p) => [p.name, p.in, p.required]),
    [
      ["user_id", "path", true],
      ["limit", "query", false],
      ["cursor", "query", false],
    ],
  );
  const batch = op("/api/v1/users:batchGet", "get").parameters[0]!;
  t.like(batch, { name: "user_ids", in: "query", style: "form", explode: true });
  t.like(batch.schema, { type: "array", minItems: 1, maxItems: 100, items: { type: "string", format: "int64" } });
});

test("schemas: int64 as strings, timestamps, validation rules, bodies without path fields", (t) => {
  const user = schema("chirp.user.v1.User");
  t.like(user.properties.user_id, { type: "string", format: "int64" });
  t.like(user.properties.created_at, { type: "string", format: "date-time" });
  const register = schema("chirp.user.v1.RegisterRequest");
  t.like(register.properties.username, { type: "string", minLength: 3, maxLength: 15, pattern: "^[A-Za-z0-9_]+$" });
  t.like(register.properties.email, { format: "email" });
  const followBody = op("/api/v1/users/{user_id}/follow", "post").requestBody!.content["application/json"]!.schema as {
    properties: Record<string, unknown>;
  };
  t.deepEqual(Object.keys(followBody.properties), ["followee_id"]);
  t.like(schema("chirp.tweet.v1.CreateTweetRequest").properties.media_urls, { type: "array", maxItems: 4, items: { maxLength: 1024 } });
});

test("field names are the proto names, as the gateway writes them: properties, required, query parameters, /docs", (t) => {
  // Every message schema: its property names are its fields' proto names.
  for (const m of [UserSchema, GetHomeTimelineResponseSchema, CountsSchema, HydratedTweetSchema]) {
    t.deepEqual(Object.keys(schema(m.typeName).properties), m.fields.map((f) => f.name), m.typeName);
  }
  t.deepEqual(Object.keys(schema("chirp.timeline.v1.GetHomeTimelineResponse").properties), ["tweets", "next_cursor", "has_more"]);
  t.like(schema("chirp.user.v1.User").properties, { user_id: { format: "int64" }, follower_count: { format: "int64" }, created_at: { format: "date-time" } });
  t.like(schema("chirp.user.v1.LoginResponse").properties, { session: { $ref: "#/components/schemas/chirp.user.v1.Session" } });
  t.like(schema("chirp.user.v1.Session").properties, { access_token: { type: "string" }, refresh_token: { type: "string" } });
  const all = JSON.stringify(chirp.components.schemas);
  for (const camel of ["userId", "nextCursor", "hasMore", "followerCount", "createdAt", "accessToken"]) t.false(all.includes(`"${camel}"`), camel);
  // Query parameters, nested ones too.
  const search = library.paths["/v1/books:search"]!.get!.parameters.map((p) => p.name);
  t.true(search.includes("min_rating"));
  t.false(search.includes("minRating"));
  t.deepEqual(
    op("/api/v1/tweets:batchGet", "get").parameters.map((p) => p.name),
    ["tweet_ids"],
  );
  const html = renderDocs(chirp);
  t.regex(html, /<td><code>next_cursor<\/code><\/td>/);
  t.regex(html, /<td><code>follower_count<\/code><\/td>/);
  t.regex(html, /<td><code>user_ids<\/code><\/td><td>query<\/td>/);
  t.notRegex(html, /<td><code>(nextCursor|followerCount|userId|userIds)<\/code>/);
});

test("enums by name; the error shape; bearer security; the event stream", (t) => {
  const lib = library.components.schemas["test.library.v1.Genre"];
  t.deepEqual(lib, { type: "string", enum: ["GENRE_UNSPECIFIED", "GENRE_FICTION", "GENRE_POETRY"] });
  const err = schema("Error");
  t.deepEqual(err.required, ["code", "message", "details"]);
  t.true((err.properties.code!.enum as string[]).includes("invalid_argument"));
  t.deepEqual((chirp.components as Record<string, Record<string, unknown>>).securitySchemes!.bearerAuth, {
    type: "http",
    scheme: "bearer",
    bearerFormat: "JWT",
    description: "The access_token from POST /api/v1/auth/login.",
  });
  const stream = op("/api/v1/timeline/home/stream", "get").responses["200"] as { content: Record<string, unknown> };
  t.deepEqual(Object.keys(stream.content), ["text/event-stream"]);
  const watch = library.paths["/v1/shelves/{shelf}/watch"]!.get!.responses["200"] as { content: Record<string, Record<string, unknown>> };
  t.deepEqual(watch.content["text/event-stream"]!["x-event-data"], { $ref: "#/components/schemas/test.library.v1.WatchResponse" });
});

test("library: nested and multi-segment path parameters, a named body, response_body", (t) => {
  const update = library.paths["/v1/{book.name}"]!.patch!;
  t.like(update.parameters[0], { name: "book.name", in: "path", required: true });
  t.regex(update.parameters[0]!.description!, /shelves\/\*\/books\/\*/);
  t.deepEqual(update.requestBody!.content["application/json"]!.schema, { $ref: "#/components/schemas/test.library.v1.Book" });
  t.deepEqual(
    update.parameters.map((p) => p.name),
    ["book.name", "validate_only"],
  );
  const file = library.paths["/v1/files/{path}"]!.get!.responses["200"] as { content: Record<string, { schema: unknown }> };
  t.deepEqual(file.content["application/json"]!.schema, { $ref: "#/components/schemas/test.library.v1.File" });
  const search = library.paths["/v1/books:search"]!.get!.parameters.map((p) => p.name);
  t.true(search.includes("filter.pages.min"));
  t.false(search.includes("labels"));
  t.false(search.some((n) => n.startsWith("authors")));
});

test("/docs: every operation, self-contained (no scripts, nothing fetched)", (t) => {
  const html = renderDocs(chirp);
  for (const path of Object.keys(chirp.paths)) t.true(html.includes(path.replace(/&/g, "&amp;")), path);
  t.false(/<script/i.test(html));
  t.false(/(src|href)="(https?:)?\/\//i.test(html));
  t.regex(html, /<a href="#schema-chirp\.user\.v1\.User">User<\/a>/);
});
