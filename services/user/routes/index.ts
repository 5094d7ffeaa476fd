// The whole UserService implementation, from one factory per concern.
import type { ServiceImpl } from "@connectrpc/connect";
import { UserService } from "../../../gen/chirp/user/v1/user_pb.js";
import type { UserContext } from "../context.js";
import { profileRoutes } from "./profiles.js";
import { registerRoutes } from "./register.js";
import { sessionRoutes } from "./sessions.js";
import { updateProfileRoutes } from "./update-profile.js";

export function userRoutes(ctx: UserContext): ServiceImpl<typeof UserService> {
  const impl = { ...registerRoutes(ctx), ...sessionRoutes(ctx), ...profileRoutes(ctx), ...updateProfileRoutes(ctx) };
  // Fail at start-up, not at the first call, if an RPC has no handler.
  const missing = UserService.methods.filter((m) => !(m.localName in impl)).map((m) => m.name);
  if (missing.length) throw new Error(`UserService handlers missing: ${missing.join(", ")}`);
  return impl as ServiceImpl<typeof UserService>;
}
