// Live timeline events, published by the fan-out worker to the LIVE stream
// (services/platform/bus/live-feed.ts reads them back for every transport):
// live.home.<user> for home timelines that gained or lost a tweet,
// live.user.<author> for an account's tweets, live.hashtag.<tag> for new
// tweets with a tag. Each is a StreamHomeTimelineResponse carrying the tweet
// hydrated once, as a timeline page shows it to a reader who has not acted on
// it yet (a new tweet's likes and retweets by the reader are none), or the
// deleted id. Message ids name the change, so a redelivered event stores nothing twice.
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { StreamHomeTimelineResponseSchema, type HydratedTweet, type StreamHomeTimelineResponse } from "../../gen/chirp/timeline/v1/timeline_pb.js";
import type { Tweet } from "../../gen/chirp/tweet/v1/tweet_pb.js";
import type { Logger } from "../kit/logger.js";
import type { EventBus } from "../platform/bus/port.js";
import { SUBJECTS } from "../platform/bus/streams.js";
import { hydrate, hydrateTweets, type HydrateDeps } from "./hydrate.js";

export function encodeLiveTweet(h: HydratedTweet): Uint8Array {
  return toBinary(StreamHomeTimelineResponseSchema, create(StreamHomeTimelineResponseSchema, { event: { case: "tweet", value: h } }));
}

export function encodeLiveDeleted(tweetId: bigint): Uint8Array {
  return toBinary(StreamHomeTimelineResponseSchema, create(StreamHomeTimelineResponseSchema, { event: { case: "deletedTweetId", value: tweetId } }));
}

export function decodeLive(data: Uint8Array): StreamHomeTimelineResponse {
  return fromBinary(StreamHomeTimelineResponseSchema, data);
}

export class LivePublisher {
  constructor(
    private readonly bus: EventBus,
    private readonly hydration: HydrateDeps,
    private readonly logger: Logger,
  ) {}

  /** A new tweet (or retweet) on its author's stream and its hashtags' streams, and in the author's own home. */
  async created(tweet: Tweet, authorOnline: boolean): Promise<void> {
    const [h] = await hydrateTweets(this.hydration, undefined, [tweet]);
    if (!h) return; // its author or original is gone already
    const data = encodeLiveTweet(h);
    const id = tweet.tweetId;
    await Promise.all([
      this.bus.publish(SUBJECTS.liveUser(tweet.authorId), data, `live-user:${tweet.authorId}:${id}`),
      ...tweet.hashtags.map((tag) => this.bus.publish(SUBJECTS.liveHashtag(tag), data, `live-tag:${tag}:${id}`)),
      authorOnline ? this.bus.publish(SUBJECTS.liveHome(tweet.authorId), data, `live-home:${tweet.authorId}:${id}`) : undefined,
    ]);
  }

  /** A deleted tweet, on its author's stream and in the author's own home. */
  async deleted(tweetId: bigint, authorId: bigint, authorOnline: boolean): Promise<void> {
    const data = encodeLiveDeleted(tweetId);
    await Promise.all([
      this.bus.publish(SUBJECTS.liveUser(authorId), data, `live-user-del:${authorId}:${tweetId}`),
      authorOnline ? this.bus.publish(SUBJECTS.liveHome(authorId), data, `live-home-del:${authorId}:${tweetId}`) : undefined,
    ]);
  }

  /** The event a home timeline gets for this tweet (undefined: the tweet is gone); made once per batch of users. */
  async homeEvent(op: "add" | "remove", tweetId: bigint): Promise<Uint8Array | undefined> {
    if (op === "remove") return encodeLiveDeleted(tweetId);
    const { tweets } = await hydrate(this.hydration, undefined, [tweetId]);
    if (!tweets[0]) return void this.logger.debug({ tweetId: tweetId.toString() }, "live tweet gone before it was shown");
    return encodeLiveTweet(tweets[0]);
  }

  /** The event on these users' home streams (callers pass users with a stream open lately). */
  async home(op: "add" | "remove", tweetId: bigint, userIds: readonly bigint[], data: Uint8Array | undefined): Promise<void> {
    if (userIds.length === 0 || !data) return;
    const kind = op === "add" ? "live-home" : "live-home-del";
    await Promise.all(userIds.map((u) => this.bus.publish(SUBJECTS.liveHome(u), data, `${kind}:${u}:${tweetId}`)));
  }
}
