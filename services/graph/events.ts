// graph.followed / graph.unfollowed on the bus, after the store write. The
// message id names the edge ("followed:<follower>:<followee>:<edge_id>"), so
// a failed publish is recovered by the client's retry (publish.ts).
import { create, toBinary } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { FollowedEventSchema, UnfollowedEventSchema } from "../../gen/chirp/graph/v1/events_pb.js";
import type { Logger } from "../kit/logger.js";
import { snowflakeTime } from "../kit/snowflake.js";
import type { EventBus } from "../platform/bus/port.js";
import { publishWithRetry } from "../platform/bus/publish.js";
import { SUBJECTS } from "../platform/bus/streams.js";

export interface GraphEvents {
  followed(followerId: bigint, followeeId: bigint, edgeId: bigint): Promise<void>;
  unfollowed(followerId: bigint, followeeId: bigint, edgeId: bigint): Promise<void>;
}

export const followedMsgId = (follower: bigint, followee: bigint, edgeId: bigint) => `followed:${follower}:${followee}:${edgeId}`;
export const unfollowedMsgId = (follower: bigint, followee: bigint, edgeId: bigint) => `unfollowed:${follower}:${followee}:${edgeId}`;

export function busEvents(bus: EventBus, logger: Logger, retryDelaysMs: number[] = [50, 250]): GraphEvents {
  const publish = publishWithRetry(bus, logger, retryDelaysMs);
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
