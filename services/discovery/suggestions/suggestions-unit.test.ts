// The parts of who-to-follow that need no services: the reason in words,
// the stable sample of a large follow list, the ranking.
import { create } from "@bufbuild/protobuf";
import test from "ava";
import { SuggestionSchema, SuggestionSource } from "../../../gen/chirp/discovery/v1/discovery_pb.js";
import { UserSchema, type User } from "../../../gen/chirp/user/v1/user_pb.js";
import { rankCandidates, sampleOf } from "./compute.js";
import { reasonOf } from "./present.js";

const users = new Map<bigint, User>(
  [
    [1n, "ann"],
    [2n, "bob"],
    [3n, "cy"],
    [9n, "star"],
  ].map(([id, username]) => [id as bigint, create(UserSchema, { userId: id as bigint, username: username as string, followerCount: 1200n })]),
);
const fof = (mutualCount: number, followedByIds: bigint[], more: SuggestionSource[] = []) =>
  create(SuggestionSchema, { userId: 9n, mutualCount, followedByIds, sources: [SuggestionSource.FRIENDS_OF_FRIENDS, ...more] });

test("reasons name up to two of the follows and count the rest", (t) => {
  t.is(reasonOf(fof(5, [1n, 2n, 3n]), users), "followed by ann, bob and 3 others you follow");
  t.is(reasonOf(fof(3, [1n, 2n, 3n]), users), "followed by ann, bob and 1 other you follow");
  t.is(reasonOf(fof(2, [1n, 2n]), users), "followed by ann and bob, who you follow");
  t.is(reasonOf(fof(1, [1n]), users), "followed by ann, who you follow");
  t.is(reasonOf(fof(2, [404n]), users), "followed by 2 accounts you follow", "an account gone since is not named");
  t.is(reasonOf(fof(2, [1n, 2n], [SuggestionSource.FOLLOWS_YOU]), users), "follows you; followed by ann and bob, who you follow");
  t.is(reasonOf(create(SuggestionSchema, { userId: 9n, sources: [SuggestionSource.FOLLOWS_YOU] }), users), "follows you");
  t.is(reasonOf(create(SuggestionSchema, { userId: 9n, sources: [SuggestionSource.POPULAR] }), users), "popular on Chirp (1200 followers)");
});

test("a large follow list is sampled the same way each time, a small one kept whole", (t) => {
  const ids = Array.from({ length: 2000 }, (_, i) => BigInt(1000 + i));
  const a = sampleOf(ids, 100, 42n);
  t.is(a.length, 100);
  t.is(new Set(a).size, 100);
  t.deepEqual(sampleOf([...ids].reverse(), 100, 42n), a, "whatever the order of the list");
  t.notDeepEqual(sampleOf(ids, 100, 43n), a, "another user, another sample");
  t.true(a.every((id) => ids.includes(id)));
  t.deepEqual(sampleOf(ids.slice(0, 10), 100, 42n), ids.slice(0, 10));
});

test("ranking: mutual follows (a follower counts two more), then the most followed in their order", (t) => {
  const c = (userId: bigint, mutual: number, followsYou = false, popular = -1) => ({ userId, mutual, via: [], followsYou, popular });
  const ranked = rankCandidates([c(1n, 1), c(2n, 0, false, 1), c(3n, 3), c(4n, 0, true), c(5n, 0, false, 0), c(6n, 2)]);
  t.deepEqual(
    ranked.map((x) => x.userId),
    [3n, 6n, 4n, 1n, 5n, 2n],
  );
});
