// graph.followed / graph.unfollowed on the bus, after the store write. The
// message id names the edge ("followed:<follower>:<followee>:<edge_id>"), so
// publishing one event twice stores it once (JetStream de-duplication). That
// is what makes a failed publish recoverable: the RPC fails with UNAVAILABLE,
// and the client's retry (Follow/Unfollow are idempotent) finds the edge in
// the same state and publishes the same event again.
import { create, toBinary } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { FollowedEventSchema, UnfollowedEventSchema } from "../../gen/chirp/graph/v1/events_pb.js";
import { unavailable } from "../kit/errors.js";
import type { Logger } from "../kit/logger.js";
import { snowflakeTime } from "../kit/snowflake.js";
import type { EventBus } from "../platform/bus/port.js";
import { SUBJECTS } from "../platform/bus/streams.js";

export interface GraphEvents {
  followed(followerId: bigint, followeeId: bigint, edgeId: bigint): Promise<void>;
  unfollowed(followerId: bigint, followeeId: bigint, edgeId: bigint): Promise<void>;
}

export const followedMsgId = (follower: bigint, followee: bigint, edgeId: bigint) => `followed:${follower}:${followee}:${edgeId}`;
export const unfollowedMsgId = (follower: bigint, followee: bigint, edgeId: bigint) => `unfollowed:${follower}:${followee}:${edgeId}`;

export function busEvents(bus: EventBus, logger: Logger, retryDelaysMs: number[] = [50, 250]): GraphEvents {
  async function publish(subject: string, data: Uint8Array, msgId: string): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        await bus.publish(subject, data, msgId);
        return;
      } catch (err) {
        const delay = retryDelaysMs[attempt];
        if (delay === undefined) {
          logger.error({ err, subject, msgId }, "event not published; the client's retry will publish it");
          throw unavailable("the change is saved but its event could not be published: retry the call");
        }
        logger.warn({ err, subject, msgId, attempt: attempt + 1 }, "publish failed, retrying");
        await new Promise((r) => setTimeout(r, delay));
      }
    }
  }
  return {
    followed: (follower, followee, edgeId) =>
      publish(
        SUBJECTS.graphFollowed,
        toBinary(
          FollowedEventSchema,
          create(FollowedEventSchema, {
            followerId: follower,
            followeeId: followee,
            createdAt: timestampFromDate(new Date(snowflakeTime(edgeId))),
          }),
        ),
        followedMsgId(follower, followee, edgeId),
      ),
    unfollowed: (follower, followee, edgeId) =>
      publish(
        SUBJECTS.graphUnfollowed,
        toBinary(
          UnfollowedEventSchema,
          create(UnfollowedEventSchema, { followerId: follower, followeeId: followee, removedAt: timestampFromDate(new Date()) }),
        ),
        unfollowedMsgId(follower, followee, edgeId),
      ),
  };
}
