// The canned home page the framework baselines answer: 20 hydrated tweets by
// 7 authors, the size of a real one (the echo server, the transport benchmark).
import { create } from "@bufbuild/protobuf";
import { timestampNow } from "@bufbuild/protobuf/wkt";
import { GetHomeTimelineResponseSchema, HydratedTweetSchema } from "../../gen/chirp/timeline/v1/timeline_pb.js";

export function homePage() {
  const now = timestampNow();
  return create(GetHomeTimelineResponseSchema, {
    tweets: Array.from({ length: 20 }, (_, i) =>
      create(HydratedTweetSchema, {
        tweet: {
          tweetId: 250_000_000_000_000_000n + BigInt(i),
          authorId: 240_000_000_000_000_000n + BigInt(i % 7),
          content: `Seed tweet ${i + 1} from user ${(i % 7) + 1}: thinking about latency and deploy again, coffee later #weekend`,
          createdAt: now,
          hashtags: ["weekend"],
        },
        author: {
          userId: 240_000_000_000_000_000n + BigInt(i % 7),
          username: `bench_u00000${(i % 7) + 1}`,
          displayName: `Bench user ${(i % 7) + 1}`,
          createdAt: now,
          followerCount: 42n,
          followingCount: 30n,
          tweetCount: 10n,
        },
      }),
    ),
    nextCursor: "",
    hasMore: true,
  });
}
