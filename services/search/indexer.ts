// What the search index does with each event and with each record of a
// rebuild. Every step is idempotent: the bus delivers at least once, and a
// rebuild may run while events arrive.
import type { Tweet } from "../../gen/chirp/tweet/v1/tweet_pb.js";
import type { User } from "../../gen/chirp/user/v1/user_pb.js";
import type { SearchContext } from "./context.js";
import { tweetTerms } from "./query/terms.js";

/** Indexes an original tweet or reply (a retweet has no text of its own). */
export async function indexTweet(ctx: Pick<SearchContext, "store">, t: Tweet): Promise<boolean> {
  if (t.retweetOfTweetId !== 0n) return false;
  return ctx.store.addTweet(t.tweetId, tweetTerms(t));
}

export async function indexUser(ctx: Pick<SearchContext, "store">, u: Pick<User, "userId" | "username" | "displayName" | "followerCount">): Promise<void> {
  await ctx.store.putUser({ userId: u.userId, username: u.username, displayName: u.displayName || u.username, followerCount: u.followerCount });
}

/**
 * Accounts seen in events (an author, a follower) are indexed when not yet
 * known, with their profile and follower count read from their services
 * (not from a cache an invalidation may be chasing). A process remembers
 * whom it indexed, so a busy author costs one lookup, not one per tweet.
 */
export class KnownUsers {
  private readonly known = new Set<bigint>();
  constructor(private readonly max = 100_000) {}

  async ensure(ctx: Pick<SearchContext, "store" | "clients">, ids: readonly bigint[]): Promise<void> {
    const unknown: bigint[] = [];
    for (const id of new Set(ids)) if (id > 0n && !this.known.has(id) && !(await ctx.store.hasUser(id))) unknown.push(id);
    if (unknown.length > 0) {
      const { users } = await ctx.clients.user.batchGetUsers({ userIds: unknown });
      for (const u of users) await indexUser(ctx, u);
    }
    if (this.known.size + ids.length > this.max) this.known.clear();
    for (const id of ids) this.known.add(id);
  }

  forget(id: bigint): void {
    this.known.delete(id);
  }
}
