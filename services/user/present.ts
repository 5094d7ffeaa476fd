// Store records to API messages. Never copies the email or password hash.
import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { UserSchema, type User } from "../../gen/chirp/user/v1/user_pb.js";
import type { Counts } from "./counts.js";
import type { UserRecord } from "./store/port.js";

const ZERO: Counts = { followers: 0n, following: 0n, tweets: 0n };

export function toUser(u: UserRecord, counts: Counts = ZERO): User {
  return create(UserSchema, {
    userId: u.userId,
    username: u.username,
    displayName: u.displayName,
    bio: u.bio,
    avatarUrl: u.avatarUrl,
    createdAt: timestampFromDate(u.createdAt),
    followerCount: counts.followers,
    followingCount: counts.following,
    tweetCount: counts.tweets,
  });
}

/** Profiles with their counts, one graph call for the whole list. */
export async function withCounts(users: UserRecord[], counts: (ids: bigint[]) => Promise<Map<bigint, Counts>>): Promise<User[]> {
  if (users.length === 0) return [];
  const c = await counts(users.map((u) => u.userId));
  return users.map((u) => toUser(u, c.get(u.userId)));
}

/**
 * Counts asked for before the profiles are read, so the two round trips
 * overlap (an id that turns out unknown wastes its share). Await it only for
 * profiles found: a failure of counts nobody needs is not the caller's error.
 */
export function countsAhead(counts: (ids: bigint[]) => Promise<Map<bigint, Counts>>, ids: readonly bigint[]): Promise<Map<bigint, Counts>> {
  const p = counts([...ids]);
  p.catch(() => {}); // handled where awaited; not an unhandled rejection when never awaited
  return p;
}
