// One page of a user timeline: the author's tweet and retweet ids from their
// list (built first when missing), exactly what ListUserTweets would list,
// with no call to the tweet service while the list reaches as far as the
// page. A page that runs past the end of a list that is not complete (trimmed
// at the cap, or built from the newest page only) goes on from the tweet
// service below the last id, so pages never skip or repeat a tweet. When the
// list cannot be read at all (Redis down), the page comes from the tweet
// service as a whole: slower, still correct.
import type { Tweet } from "../../gen/chirp/tweet/v1/tweet_pb.js";
import { encodeCursor } from "../kit/cursor.js";
import { countList, isStoreFailure, listFailed, listPage, type ListRead } from "./author-list.js";
import type { ReadContext } from "./read-context.js";

export interface UserPage {
  /** Ids from the author's list, newest first. */
  ids: bigint[];
  /** Older tweets from the tweet service, after `ids`, when the page went past the list's end. */
  rest: Tweet[];
  hasMore: boolean;
  /** "ut1:" cursor (kit/cursor.ts), the same the tweet service makes: valid on either path. */
  nextCursor: string;
}

export async function userPage(rc: ReadContext, authorId: bigint, before: bigint | undefined, limit: number): Promise<UserPage> {
  // limit + 1 tells whether there is a next page.
  const page = await listPage(rc, authorId, before, limit + 1).catch((err: unknown): ListRead => {
    if (!isStoreFailure(err)) throw err; // the tweet service's answer during a build
    listFailed(rc.logger, "user_timeline", err);
    return { built: true, ids: [], missed: false, failed: true };
  });
  const answered = !page.failed && (page.ids.length > limit || page.complete === true);
  countList(rc.timelineMetrics, "user_timeline", !answered ? "fallback" : page.missed ? "miss" : "hit");
  if (page.ids.length > limit) {
    const ids = page.ids.slice(0, limit);
    // The cursor is the last id considered, shown or not: dropped ids are not read again.
    return { ids, rest: [], hasMore: true, nextCursor: encodeCursor("user-tweets", ids.at(-1)!) };
  }
  if (page.complete) return { ids: page.ids, rest: [], hasMore: false, nextCursor: "" };
  const from = page.ids.at(-1) ?? before;
  const want = limit - page.ids.length;
  const more = await rc.clients.tweet.listUserTweets({
    userId: authorId,
    limit: Math.max(1, want),
    cursor: from === undefined ? "" : encodeCursor("user-tweets", from),
  });
  if (want > 0) return { ids: page.ids, rest: more.tweets, hasMore: more.hasMore, nextCursor: more.nextCursor };
  // The list filled the page: the call only told whether older tweets follow.
  const hasMore = more.tweets.length > 0 || more.hasMore;
  return { ids: page.ids, rest: [], hasMore, nextCursor: hasMore ? encodeCursor("user-tweets", page.ids.at(-1)!) : "" };
}
