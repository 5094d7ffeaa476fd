// What the gateway writes: proto3 JSON with the proto field names (user_id,
// next_cursor, has_more), as the original design and Twitter's and
// Mastodon's APIs spell them, zero values included; and the same for the
// part of a response that response_body selects.
import test from "ava";
import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { GetHomeTimelineResponseSchema, TimelineService } from "../../../gen/chirp/timeline/v1/timeline_pb.js";
import { BatchGetUsersResponseSchema, LoginResponseSchema, UserService } from "../../../gen/chirp/user/v1/user_pb.js";
import { LibraryService, libraryMessage, libraryRegistry } from "../testing/library.js";
import { bindingsOf, type Binding } from "./bindings.js";
import { jsonKey, jsonRegistry, jsonWriter } from "./json.js";
import { responseJson } from "./response.js";

const registry = jsonRegistry([UserService, TimelineService]);
const bindings = bindingsOf([UserService, TimelineService, LibraryService]);
const binding = (id: string): Binding => {
  const b = bindings.find((x) => x.id === id);
  if (!b) throw new Error(`no binding ${id}`);
  return b;
};
const parse = (text: string) => JSON.parse(text) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

test("a response uses the proto field names: user_id, next_cursor, has_more, created_at", (t) => {
  const page = create(GetHomeTimelineResponseSchema, {
    tweets: [
      {
        tweet: { tweetId: 11n, authorId: 7n, content: "hi", createdAt: timestampFromDate(new Date("2026-01-02T03:04:05Z")) },
        author: { userId: 7n, username: "alice", followerCount: 3n },
        liked: true,
      },
    ],
    nextCursor: "c2",
    hasMore: true,
  });
  const json = parse(responseJson(binding("TimelineService_GetHomeTimeline"), page, jsonWriter(registry)));
  t.deepEqual(Object.keys(json), ["tweets", "next_cursor", "has_more"]);
  t.is(json.next_cursor, "c2");
  t.is(json.has_more, true);
  const [h] = json.tweets;
  t.like(h.tweet, { tweet_id: "11", author_id: "7", created_at: "2026-01-02T03:04:05Z", reply_to_tweet_id: "0", like_count: "0", media_urls: [] });
  t.like(h.author, { user_id: "7", username: "alice", display_name: "", follower_count: "3", following_count: "0" });
  t.like(h, { liked: true, retweeted: false });
  const text = JSON.stringify(json);
  for (const camel of ["nextCursor", "hasMore", "tweetId", "userId", "followerCount", "createdAt"]) t.false(text.includes(`"${camel}"`), camel);
});

test("zero values are written under their proto names too (a stable shape)", (t) => {
  const json = parse(responseJson(binding("TimelineService_GetHomeTimeline"), create(GetHomeTimelineResponseSchema), jsonWriter(registry)));
  t.deepEqual(json, { tweets: [], next_cursor: "", has_more: false });
  const login = parse(
    responseJson(binding("UserService_Login"), create(LoginResponseSchema, { session: { accessToken: "a", refreshToken: "r" }, user: { userId: 1n } }), jsonWriter(registry)),
  );
  t.like(login.session, { access_token: "a", refresh_token: "r" });
  t.is(login.user.user_id, "1");
});

test("response_body: a message field, and any other field, under the names the rest of the answer uses", (t) => {
  const file = libraryMessage("GetFileResponse");
  const msg = create(file, { file: { path: "a/b", content: new TextEncoder().encode("hi"), size: 2n } } as never);
  t.deepEqual(parse(responseJson(binding("LibraryService_GetFile"), msg, jsonWriter(libraryRegistry))), { path: "a/b", content: "aGk=", size: "2" });
  // A non-message response_body (no Chirp rule has one): the field's value, found by the key it is written under.
  const batch = binding("UserService_BatchGetUsers");
  const missing = BatchGetUsersResponseSchema.fields.find((f) => f.name === "missing_user_ids")!;
  t.is(jsonKey(missing), "missing_user_ids");
  const res = create(BatchGetUsersResponseSchema, { users: [{ userId: 1n }], missingUserIds: [7n, 9n] });
  t.is(responseJson({ ...batch, responseBody: missing }, res, jsonWriter(registry)), '["7","9"]');
  t.like(parse(responseJson(batch, res, jsonWriter(registry))), { missing_user_ids: ["7", "9"] });
});
