// user.updated on the bus after a profile change, so caches of profiles (the
// hydration cache) drop the old one. The message id names the change
// ("user.updated:<user_id>:<update_id>"); a failed publish is recovered by
// the client's retry of UpdateProfile (platform/bus/publish.ts).
import { create, toBinary } from "@bufbuild/protobuf";
import { UserUpdatedEventSchema } from "../../gen/chirp/user/v1/events_pb.js";
import type { User } from "../../gen/chirp/user/v1/user_pb.js";
import type { Logger } from "../kit/logger.js";
import type { EventBus } from "../platform/bus/port.js";
import { publishWithRetry } from "../platform/bus/publish.js";
import { SUBJECTS } from "../platform/bus/streams.js";

export interface UserEvents {
  updated(user: User, updateId: bigint): Promise<void>;
}

export function userEvents(bus: EventBus, logger: Logger): UserEvents {
  const publish = publishWithRetry(bus, logger);
  return {
    updated: (user, updateId) =>
      publish(SUBJECTS.userUpdated, toBinary(UserUpdatedEventSchema, create(UserUpdatedEventSchema, { user })), `user.updated:${user.userId}:${updateId}`),
  };
}
