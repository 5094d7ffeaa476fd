// Test and bench harness: the user and graph services started on free ports
// over one Runtime (either mode), with real Connect gRPC clients, and the
// runtime's own clients pointed at the two, so Follow can ask GetUser and
// GetUser can ask BatchGetCounts. Used by user.test.ts, graph.test.ts and the
// bench commands.
import { createClient, type Client } from "@connectrpc/connect";
import { createUnaryGrpcTransport } from "../kit/grpc-unary-client.js";
import { GraphService } from "../../gen/chirp/graph/v1/graph_pb.js";
import { UserService } from "../../gen/chirp/user/v1/user_pb.js";
import type { EventBus } from "../platform/bus/port.js";
import { testRuntime, type Mode } from "../platform/testing/runtime.js";
import { createServiceClients } from "../runtime/clients.js";
import type { Runtime } from "../runtime/runtime.js";
import { busEvents } from "../graph/events.js";
import { start as startGraph } from "../graph/target.js";
import { start as startTweet } from "../tweet/target.js";
import { start as startUser } from "./target.js";

export interface Pair {
  rt: Runtime;
  user: Client<typeof UserService>;
  graph: Client<typeof GraphService>;
  userUrl: string;
  graphUrl: string;
  tweetUrl: string;
  /** While true, the graph service's publishes fail (the bus itself is real). */
  busFault: { on: boolean };
  /** Call options carrying a valid access token for `userId`. */
  as(userId: bigint): Promise<{ headers: { authorization: string } }>;
  stop(): Promise<void>;
}

/** Fails publishes while fault.on; everything else goes to the real bus. */
function faultable(bus: EventBus, fault: { on: boolean }): EventBus {
  return {
    publish: (subject, data, msgId) => (fault.on ? Promise.reject(new Error("injected publish failure")) : bus.publish(subject, data, msgId)),
    consume: (spec) => bus.consume(spec),
    publishEphemeral: (subject, data) => bus.publishEphemeral(subject, data),
    subscribeEphemeral: (subject, fn) => bus.subscribeEphemeral(subject, fn),
    ping: () => bus.ping(),
    close: () => bus.close(),
  };
}

export function connectClients(userUrl: string, graphUrl: string) {
  return {
    user: createClient(UserService, createUnaryGrpcTransport({ baseUrl: userUrl })),
    graph: createClient(GraphService, createUnaryGrpcTransport({ baseUrl: graphUrl })),
  };
}

export async function startPair(mode: Mode, label: string, env: Record<string, string> = {}): Promise<Pair> {
  const { rt, cleanup } = await testRuntime(mode, label, {}, { CHIRP_USER_PORT: "0", CHIRP_GRAPH_PORT: "0", CHIRP_TWEET_PORT: "0", CHIRP_SHUTDOWN_GRACE_MS: "0", ...env });
  const busFault = { on: false };
  const graph = await startGraph(rt, { events: busEvents(faultable(rt.bus, busFault), rt.logger, [5, 5]) });
  const user = await startUser(rt);
  // Profiles carry tweet counts, so the tweet service runs too.
  const tweet = await startTweet(rt);
  rt.clients = createServiceClients({ user: user.url, graph: graph.url, tweet: tweet.url!, timeline: "http://127.0.0.1:1" });
  const clients = connectClients(user.url, graph.url);
  return {
    rt,
    ...clients,
    userUrl: user.url,
    graphUrl: graph.url,
    tweetUrl: tweet.url!,
    busFault,
    async as(userId) {
      const { token } = await rt.signer!.sign({ userId, sessionId: "test-session" });
      return { headers: { authorization: `Bearer ${token}` } };
    },
    async stop() {
      await user.stop();
      await tweet.stop();
      await graph.stop();
      await cleanup();
    },
  };
}
