// How much an author's post counts in the trends: new accounts and accounts
// without followers count half, so a burst of fresh accounts cannot make a trend.
import { timestampMs } from "@bufbuild/protobuf/wkt";
import type { User } from "../../gen/chirp/user/v1/user_pb.js";
import type { BatchLookup } from "../hydration/lookup.js";
import { DAY_MS } from "./trends/windows.js";

/** An author's weight in halves when they posted at `at`: 2, or 1 for a new account or one without followers. */
export type AuthorWeight = (authorId: bigint, at: number) => Promise<1 | 2>;

/** An account younger than this, or one without followers, counts half in the trends. */
export const NEW_ACCOUNT_MS = 7 * DAY_MS;

/**
 * Each author's creation time and whether they had followers, kept a minute:
 * every post is weighed, and a weight a minute late is harmless in a trend,
 * where a read of the account per post is a cache round trip (in a cluster,
 * Redis) or, just after the account changed, a read-through.
 */
export function weighAuthors(users: BatchLookup<User>, o: { keepMs?: number; max?: number; now?: () => number } = {}): AuthorWeight {
  const { keepMs = 60_000, max = 100_000, now = Date.now } = o;
  const kept = new Map<bigint, { createdMs: number | undefined; followed: boolean; until: number }>();
  return async (authorId, at) => {
    const t = now();
    let k = kept.get(authorId);
    if (!k || k.until <= t) {
      const u = (await users([authorId])).get(authorId);
      // An account the user service does not know cannot vouch for itself (and is not kept: it may appear).
      if (!u) return 1;
      if (kept.size >= max) kept.clear();
      k = { createdMs: u.createdAt ? timestampMs(u.createdAt) : undefined, followed: u.followerCount > 0n, until: t + keepMs };
      kept.set(authorId, k);
    }
    return at - (k.createdMs ?? at) < NEW_ACCOUNT_MS || !k.followed ? 1 : 2;
  };
}
