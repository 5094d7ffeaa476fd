// The user service as a runnable target: its context, its server, its
// health checks (the store and the bus). services/main.ts starts it with --target=user.
import { UserService } from "../../gen/chirp/user/v1/user_pb.js";
import { implement } from "../kit/unary-call.js";
import type { Runtime } from "../runtime/runtime.js";
import { startService, type Started } from "../runtime/service.js";
import { createUserContext, type UserContext } from "./context.js";
import { userRoutes } from "./routes/index.js";

export interface StartedUser extends Started {
  url: string;
  /** The port actually bound (CHIRP_USER_PORT=0 picks a free one). */
  port: number;
}

export async function start(rt: Runtime, overrides: Partial<UserContext> = {}): Promise<StartedUser> {
  const ctx = createUserContext(rt, overrides);
  let server;
  try {
    server = await startService(rt, {
      name: "user",
      port: rt.config.ports.user,
      implementations: [implement(UserService, userRoutes(ctx))],
      checks: [
        { name: rt.config.mode === "cluster" ? "cassandra" : "lmdb", check: () => ctx.store.ping() },
        // Profile changes are published for the caches that hold profiles.
        { name: rt.config.mode === "cluster" ? "nats" : "bus", check: () => rt.bus.ping() },
      ],
    });
  } catch (err) {
    await ctx.store.close();
    throw err;
  }
  const running = server;
  return {
    name: "user",
    url: `http://${rt.config.host}:${running.port}`,
    port: running.port,
    async stop() {
      await running.close(rt.config.shutdownGraceMs);
      await ctx.store.close();
    },
  };
}
