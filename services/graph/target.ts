// The graph service as a runnable target: its context, its server, its
// health checks (the store and the bus). services/main.ts starts it with
// --target=graph.
import { GraphService } from "../../gen/chirp/graph/v1/graph_pb.js";
import { implement } from "../kit/unary-call.js";
import type { Runtime } from "../runtime/runtime.js";
import { startService, type Started } from "../runtime/service.js";
import { createGraphContext, type GraphContext } from "./context.js";
import { graphRoutes } from "./routes/index.js";

export interface StartedGraph extends Started {
  url: string;
  /** The port actually bound (CHIRP_GRAPH_PORT=0 picks a free one). */
  port: number;
}

export async function start(rt: Runtime, overrides: Partial<GraphContext> = {}): Promise<StartedGraph> {
  const ctx = createGraphContext(rt, overrides);
  let server;
  try {
    server = await startService(rt, {
      name: "graph",
      port: rt.config.ports.graph,
      implementations: [implement(GraphService, graphRoutes(ctx))],
      checks: [
        { name: rt.config.mode === "cluster" ? "cassandra" : "lmdb", check: () => ctx.store.ping() },
        { name: rt.config.mode === "cluster" ? "nats" : "bus", check: () => ctx.pingBus() },
      ],
    });
  } catch (err) {
    await ctx.store.close();
    throw err;
  }
  const running = server;
  return {
    name: "graph",
    url: `http://${rt.config.host}:${running.port}`,
    port: running.port,
    async stop() {
      await running.close(rt.config.shutdownGraceMs);
      await ctx.store.close();
    },
  };
}
