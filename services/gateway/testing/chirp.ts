// The whole system in one process for end-to-end tests through the REST
// edge: user, graph, tweet, timeline, the fan-out worker and the gateway, on
// free ports over one test Runtime (either mode). Cluster mode gets a
// throw-away Redis Cluster of its own (timelines and rate limits live there).
import { start as startGraph } from "../../graph/target.js";
import { testRuntime, type Mode } from "../../platform/testing/runtime.js";
import { createServiceClients } from "../../runtime/clients.js";
import type { Runtime } from "../../runtime/runtime.js";
import type { Started } from "../../runtime/service.js";
import { start as startFanout } from "../../timeline/fanout-target.js";
import { start as startTimeline } from "../../timeline/target.js";
import { start as startTweet } from "../../tweet/target.js";
import { start as startUser } from "../../user/target.js";
import type { GatewayConfig } from "../config.js";
import { start as startGateway, type StartedGateway } from "../target.js";
import { startRedisCluster, type RedisClusterHandle } from "./redis-cluster.js";

export interface Chirp {
  mode: Mode;
  rt: Runtime;
  gateway: StartedGateway;
  /** Base URL of the gateway. */
  base: string;
  /** Another gateway on the same services, with its own settings. */
  extraGateway(config: Partial<GatewayConfig>): Promise<StartedGateway>;
  stop(): Promise<void>;
}

export async function startChirp(mode: Mode, label: string, config: Partial<GatewayConfig> = {}): Promise<Chirp> {
  let cluster: RedisClusterHandle | undefined;
  if (mode === "cluster") cluster = await startRedisCluster();
  const env: Record<string, string> = {
    CHIRP_USER_PORT: "0",
    CHIRP_GRAPH_PORT: "0",
    CHIRP_TWEET_PORT: "0",
    CHIRP_TIMELINE_PORT: "0",
    CHIRP_FANOUT_PORT: "0",
    CHIRP_GATEWAY_PORT: "0",
    CHIRP_SHUTDOWN_GRACE_MS: "0",
    ...(cluster ? { CHIRP_REDIS_CLUSTER_NODES: cluster.nodes.join(",") } : {}),
  };
  let made;
  try {
    made = await testRuntime(mode, label, {}, env);
  } catch (err) {
    await cluster?.stop();
    throw err;
  }
  const { rt, cleanup } = made;
  const started: Started[] = [];
  try {
    const graph = await startGraph(rt);
    started.push(graph);
    const user = await startUser(rt);
    started.push(user);
    const tweet = await startTweet(rt);
    started.push(tweet);
    // The services found their ports only now: point the runtime's clients
    // (and the gateway's health probes) at them.
    const addrs = rt.config.addrs;
    Object.assign(addrs, { user: user.url, graph: graph.url!, tweet: tweet.url! });
    rt.clients = createServiceClients(addrs);
    const timeline = await startTimeline(rt, { keepAliveMs: 500 });
    started.push(timeline);
    started.push(await startFanout(rt, { keepAliveMs: 500 }));
    addrs.timeline = timeline.url!;
    rt.clients = createServiceClients(addrs);
    const gateway = await startGateway(rt, config);
    started.push(gateway);
    return {
      mode,
      rt,
      gateway,
      base: gateway.url!,
      async extraGateway(extra) {
        const g = await startGateway(rt, { ...config, ...extra });
        started.push(g);
        return g;
      },
      async stop() {
        for (const s of started.reverse()) await s.stop().catch(() => {});
        await cleanup();
        await cluster?.stop();
      },
    };
  } catch (err) {
    for (const s of started.reverse()) await s.stop().catch(() => {});
    await cleanup();
    await cluster?.stop();
    throw err;
  }
}
