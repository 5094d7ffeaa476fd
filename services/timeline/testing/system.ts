// Test and bench harness: the user, graph, tweet and timeline services and
// the fan-out worker started in one process over one Runtime (either mode),
// on free ports, with real Connect gRPC clients. Cluster mode uses Cassandra,
// NATS JetStream and the local 3-master Redis Cluster.
import { createClient, type CallOptions, type Client } from "@connectrpc/connect";
import { createUnaryGrpcTransport } from "../../kit/grpc-unary-client.js";
import { GraphService } from "../../../gen/chirp/graph/v1/graph_pb.js";
import { TimelineService } from "../../../gen/chirp/timeline/v1/timeline_pb.js";
import { TweetService } from "../../../gen/chirp/tweet/v1/tweet_pb.js";
import { UserService } from "../../../gen/chirp/user/v1/user_pb.js";
import { start as startGraph } from "../../graph/target.js";
import { testRuntime, type Mode } from "../../platform/testing/runtime.js";
import { createServiceClients } from "../../runtime/clients.js";
import type { Runtime } from "../../runtime/runtime.js";
import { start as startTweet } from "../../tweet/target.js";
import { start as startUser } from "../../user/target.js";
import type { TimelineConfig } from "../config.js";
import { start as startFanout, type FanoutStarted } from "../fanout-target.js";
import type { TimelineStore } from "../store/port.js";
import { ensureRedisCluster, REDIS_CLUSTER_ENV } from "../store/test-cluster.js";
import { start as startTimeline, type TimelineStarted } from "../target.js";

export interface SystemOptions {
  timeline?: Partial<TimelineConfig>;
  /** Start the fan-out worker in this process (default true). */
  fanout?: boolean;
  env?: Record<string, string>;
}

export interface System {
  mode: Mode;
  rt: Runtime;
  store: TimelineStore;
  timeline: TimelineStarted;
  fanout?: FanoutStarted | undefined;
  /** The environment a separate process needs to join this system (same prefixes, same services). */
  childEnv: Record<string, string>;
  user: Client<typeof UserService>;
  graph: Client<typeof GraphService>;
  tweet: Client<typeof TweetService>;
  tl: Client<typeof TimelineService>;
  as(userId: bigint): Promise<CallOptions>;
  register(): Promise<bigint>;
  post(authorId: bigint, content?: string): Promise<bigint>;
  follow(follower: bigint, followee: bigint): Promise<void>;
  unfollow(follower: bigint, followee: bigint): Promise<void>;
  /** Every id of the user's home timeline, walking all pages of `limit`. */
  homeIds(userId: bigint, limit?: number): Promise<bigint[]>;
  startFanout(): Promise<void>;
  stopFanout(): Promise<void>;
  stop(): Promise<void>;
}

let seq = 0;

export async function startSystem(mode: Mode, label: string, opts: SystemOptions = {}): Promise<System> {
  if (mode === "cluster") await ensureRedisCluster();
  const env: Record<string, string> = {
    CHIRP_USER_PORT: "0",
    CHIRP_GRAPH_PORT: "0",
    CHIRP_TWEET_PORT: "0",
    CHIRP_TIMELINE_PORT: "0",
    CHIRP_FANOUT_PORT: "0",
    CHIRP_SHUTDOWN_GRACE_MS: "0",
    ...(mode === "cluster" ? { CHIRP_REDIS_CLUSTER_NODES: REDIS_CLUSTER_ENV } : {}),
    ...opts.env,
  };
  const { rt, config, cleanup } = await testRuntime(mode, label, {}, env);
  const graph = await startGraph(rt);
  const user = await startUser(rt);
  const tweet = await startTweet(rt);
  // The timeline's own address is known only once it listens (the tweet
  // service calls it when a viewer's likes change).
  const addrs = { user: user.url, graph: graph.url, tweet: tweet.url!, timeline: "http://127.0.0.1:1" };
  rt.clients = createServiceClients(addrs);
  const timeline = await startTimeline(rt, opts.timeline);
  rt.clients = createServiceClients({ ...addrs, timeline: timeline.url! });
  let fanout = opts.fanout === false ? undefined : await startFanout(rt, opts.timeline);

  const transport = (url: string) => createUnaryGrpcTransport({ baseUrl: url });
  const clients = {
    user: createClient(UserService, transport(user.url)),
    graph: createClient(GraphService, transport(graph.url)),
    tweet: createClient(TweetService, transport(tweet.url!)),
    tl: createClient(TimelineService, transport(timeline.url!)),
  };
  const as = async (userId: bigint): Promise<CallOptions> => {
    const { token } = await rt.signer!.sign({ userId, sessionId: "test" });
    return { headers: { authorization: `Bearer ${token}` } };
  };
  const childEnv: Record<string, string> = {
    ...env,
    CHIRP_MODE: mode,
    CHIRP_LOG_LEVEL: config.logLevel,
    CHIRP_JWT_PUBLIC_KEY: config.jwt.publicKeyPem!,
    CHIRP_NATS_URL: config.nats.url,
    CHIRP_NATS_PREFIX: config.nats.prefix,
    CHIRP_REDIS_URL: config.redis.url,
    CHIRP_REDIS_PREFIX: config.redis.prefix,
    CHIRP_CASSANDRA_CONTACT_POINTS: config.cassandra.contactPoints.join(","),
    CHIRP_CASSANDRA_LOCAL_DC: config.cassandra.localDc,
    CHIRP_CASSANDRA_KEYSPACE: config.cassandra.keyspace,
    CHIRP_USER_ADDR: user.url,
    CHIRP_GRAPH_ADDR: graph.url,
    CHIRP_TWEET_ADDR: tweet.url!,
    CHIRP_TIMELINE_ADDR: timeline.url!,
  };

  const sys: System = {
    mode,
    rt,
    store: timeline.rc.store,
    timeline,
    fanout,
    childEnv,
    ...clients,
    as,
    async register() {
      const name = `tl${process.pid % 1000}_${seq++}_${Math.random().toString(36).slice(2, 6)}`.slice(0, 15);
      const res = await clients.user.register({ username: name, email: `${name}@example.com`, password: "correct horse battery" });
      return res.user!.userId;
    },
    async post(authorId, content = "hello") {
      const res = await clients.tweet.createTweet({ content }, await as(authorId));
      return res.tweet!.tweetId;
    },
    async follow(follower, followee) {
      await clients.graph.follow({ userId: follower, followeeId: followee }, await as(follower));
    },
    async unfollow(follower, followee) {
      await clients.graph.unfollow({ userId: follower, followeeId: followee }, await as(follower));
    },
    async homeIds(userId, limit = 100) {
      const ids: bigint[] = [];
      let cursor = "";
      for (let guard = 0; guard < 10_000; guard++) {
        const res = await clients.tl.getHomeTimeline({ limit, cursor }, await as(userId));
        ids.push(...res.tweets.map((h) => h.tweet!.tweetId));
        if (!res.hasMore) return ids;
        cursor = res.nextCursor;
      }
      throw new Error("home timeline paging did not end");
    },
    async startFanout() {
      fanout ??= await startFanout(rt, opts.timeline);
      sys.fanout = fanout;
    },
    async stopFanout() {
      await fanout?.stop();
      fanout = undefined;
      sys.fanout = undefined;
    },
    async stop() {
      await fanout?.stop();
      await timeline.stop();
      await tweet.stop();
      await user.stop();
      await graph.stop();
      await timeline.rc.store.dropAll().catch(() => {});
      await cleanup();
    },
  };
  return sys;
}
