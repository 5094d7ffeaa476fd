// The tweet service as a deployable target: the store for the mode, the
// handlers, health backed by real checks, and the outbox relay.
import { TweetService } from "../../gen/chirp/tweet/v1/tweet_pb.js";
import { implement } from "../kit/unary-call.js";
import type { Runtime } from "../runtime/runtime.js";
import { startService, type Started } from "../runtime/service.js";
import { createTweetContext, type TweetContext } from "./context.js";
import { routes } from "./routes/index.js";

export interface StartedTweet extends Started {
  /** The port it listens on (the configured one, or the OS's pick for 0). */
  port: number;
  ctx: TweetContext;
}

export async function start(rt: Runtime, overrides: Partial<TweetContext> = {}): Promise<StartedTweet> {
  const ctx = createTweetContext(rt, overrides);
  const storeName = rt.config.mode === "cluster" ? "cassandra" : "lmdb";
  const server = await startService(rt, {
    name: "tweet",
    port: rt.config.ports.tweet,
    implementations: [implement(TweetService, routes(ctx))],
    checks: [
      { name: storeName, check: () => ctx.store.ping() },
      // A bus outage degrades, it does not stop us: events wait in the
      // outbox. The check fails only when neither can take an event.
      {
        name: "events",
        check: async () => {
          try {
            await ctx.bus.ping();
          } catch (err) {
            await ctx.store.ping();
            ctx.logger.warn({ err }, "event bus unavailable; events wait in the outbox");
          }
        },
      },
    ],
  });
  ctx.events.start();
  return {
    name: "tweet",
    url: `http://${rt.config.host}:${server.port}`,
    port: server.port,
    ctx,
    async stop() {
      await server.close(rt.config.shutdownGraceMs);
      await ctx.events.stop();
      await ctx.store.close();
    },
  };
}
