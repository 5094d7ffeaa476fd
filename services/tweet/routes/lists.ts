// Paged lists: an author's tweets (newest first) and a tweet's replies
// (oldest first). Cursors are the last id of the previous page.
import type { ServiceImpl } from "@connectrpc/connect";
import { TweetService } from "../../../gen/chirp/tweet/v1/tweet_pb.js";
import type { TweetContext } from "../context.js";
import { toTweetProto } from "../convert.js";
import { decodeCursor, encodeCursor, type CursorKind } from "../../kit/cursor.js";
import type { Page } from "../store/port.js";

const DEFAULT_LIMIT = 20;

function pageOut(kind: CursorKind, page: Page) {
  return {
    tweets: page.tweets.map(toTweetProto),
    hasMore: page.hasMore,
    nextCursor: page.hasMore && page.last !== undefined ? encodeCursor(kind, page.last) : "",
  };
}

export function listRoutes(ctx: TweetContext): Partial<ServiceImpl<typeof TweetService>> {
  return {
    async listUserTweets(req) {
      const before = decodeCursor("user-tweets", req.cursor);
      return pageOut("user-tweets", await ctx.store.listUserTweets(req.userId, before, req.limit || DEFAULT_LIMIT));
    },

    async listReplies(req) {
      const after = decodeCursor("replies", req.cursor);
      const out = pageOut("replies", await ctx.store.listReplies(req.tweetId, after, req.limit || DEFAULT_LIMIT));
      return { replies: out.tweets, hasMore: out.hasMore, nextCursor: out.nextCursor };
    },
  };
}
