// Scans tweets_by_id, users and graph_counts by partition token, a page at a
// time (prepared statements, no ALLOW FILTERING): the position is the last
// token read, so a rebuild resumes where it stopped.
import type { CassandraClient } from "../../platform/cassandra/client.js";
import type { IndexedUser } from "../store/port.js";
import type { ReindexSource, ScanPage, SourceTweet } from "./source.js";

const MIN_TOKEN = -(2n ** 63n);
const SPAN = 2 ** 64;

const Q = {
  tweets: "SELECT token(tweet_id) AS t, tweet_id, author_id, content, hashtags, mentions, retweet_of_tweet_id, deleted FROM tweets_by_id WHERE token(tweet_id) > ? LIMIT ?",
  users: "SELECT token(user_id) AS t, user_id, username, display_name FROM users WHERE token(user_id) > ? LIMIT ?",
  followers: "SELECT user_id, followers FROM graph_counts WHERE user_id IN ?",
};

const progress = (token: bigint) => Number(token - MIN_TOKEN) / SPAN;

export class CassandraReindexSource implements ReindexSource {
  constructor(private readonly client: CassandraClient) {}

  private async page(query: string, from: string | undefined, limit: number) {
    const after = from === undefined ? MIN_TOKEN : BigInt(from);
    const rs = await this.client.execute(query, [after, limit], { prepare: true });
    const last = rs.rows.at(-1)?.get("t") as bigint | undefined;
    return { rows: rs.rows, next: rs.rows.length < limit || last === undefined ? undefined : last.toString(), done: last === undefined ? 1 : progress(last) };
  }

  async tweets(from: string | undefined, limit: number): Promise<ScanPage<SourceTweet>> {
    const { rows, next, done } = await this.page(Q.tweets, from, limit);
    const items = rows.map((r) => ({
      tweetId: r.get("tweet_id") as bigint,
      authorId: (r.get("author_id") as bigint | null) ?? 0n,
      content: (r.get("content") as string | null) ?? "",
      hashtags: (r.get("hashtags") as string[] | null) ?? [],
      mentions: (r.get("mentions") as string[] | null) ?? [],
      retweet: ((r.get("retweet_of_tweet_id") as bigint | null) ?? 0n) !== 0n,
      deleted: r.get("deleted") === true,
    }));
    return { items, next, done: next === undefined ? 1 : done };
  }

  async users(from: string | undefined, limit: number): Promise<ScanPage<IndexedUser>> {
    const { rows, next, done } = await this.page(Q.users, from, limit);
    const ids = rows.map((r) => r.get("user_id") as bigint);
    const counts = new Map<bigint, bigint>();
    if (ids.length) {
      const rs = await this.client.execute(Q.followers, [ids], { prepare: true });
      for (const r of rs.rows) counts.set(r.get("user_id") as bigint, (r.get("followers") as bigint | null) ?? 0n);
    }
    const items = rows.map((r) => {
      const userId = r.get("user_id") as bigint;
      const username = (r.get("username") as string | null) ?? "";
      return { userId, username, displayName: (r.get("display_name") as string | null) || username, followerCount: counts.get(userId) ?? 0n };
    });
    return { items: items.filter((u) => u.username !== ""), next, done: next === undefined ? 1 : done };
  }

  async close(): Promise<void> {}
}
