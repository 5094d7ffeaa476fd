// The one test harness, in one process: any set of targets from the table
// (services/targets.ts) started by startTargets, as `make run` starts them,
// over one test Runtime in either mode, on free ports, with data of its own
// that stop() drops. Cluster mode uses Cassandra, NATS JetStream and the
// local Redis Cluster. chirp-processes.ts runs the same targets as one child
// process each.
import type { Runtime } from "../runtime/runtime.js";
import type { ServiceName } from "../runtime/config.js";
import { startTargets, type RunningTargets } from "../start-targets.js";
import { serviceOf, TARGET_NAMES, TARGETS, type TargetName, type TargetOverrides } from "../targets.js";
import { actions, networkClients, type Actions, type TestClients } from "./actions.js";
import { ensureRedisCluster, REDIS_CLUSTER_ENV } from "./redis-cluster.js";
import { testRuntime, type Mode } from "./runtime.js";
import type { GatewayConfig } from "../gateway/config.js";
import type { TimelineStore } from "../timeline/store/port.js";

export interface ChirpOptions {
  mode: Mode;
  /** Names the test's data (keyspace, prefixes, folder). */
  label: string;
  /** Default: every target. */
  targets?: TargetName[];
  /** CHIRP_* settings over the harness's. */
  env?: Record<string, string>;
  /** Per-target settings over the environment's; a function gets the runtime first. */
  overrides?: TargetOverrides | ((rt: Runtime) => TargetOverrides);
  /** Parts of the runtime to replace. */
  runtime?: Partial<Runtime>;
}

export interface Chirp extends Actions {
  mode: Mode;
  rt: Runtime;
  targets: RunningTargets;
  /** Where each running target listens. */
  urls: Partial<Record<TargetName, string>>;
  /** The gateway's base URL ("" without a gateway). */
  base: string;
  /** gRPC clients of the services over the network, as another process would call them. */
  clients: TestClients;
  /** The settings a separate process needs to join this system (same data, same services). */
  env: Record<string, string>;
  /** Starts a target of the table (again). */
  start(name: TargetName): Promise<void>;
  /** Stops one target; the others keep running. */
  stopTarget(name: TargetName): Promise<void>;
  /** Another gateway on the same services, with its own settings. */
  extraGateway(config: Partial<GatewayConfig>): Promise<{ url: string }>;
  stop(): Promise<void>;
}

const PORTS_FREE = Object.fromEntries(TARGET_NAMES.map((t) => [`CHIRP_${t.toUpperCase()}_PORT`, "0"]));

export async function startChirp(o: ChirpOptions): Promise<Chirp> {
  if (o.mode === "cluster") await ensureRedisCluster();
  const env: Record<string, string> = {
    ...PORTS_FREE,
    CHIRP_SHUTDOWN_GRACE_MS: "0",
    // Live timelines: keep-alives come quickly.
    CHIRP_STREAM_KEEPALIVE_MS: "500",
    ...(o.mode === "cluster" ? { CHIRP_REDIS_CLUSTER_NODES: REDIS_CLUSTER_ENV } : {}),
    ...o.env,
  };
  const { rt, config, cleanup } = await testRuntime(o.mode, o.label, o.runtime, env);
  const overrides = typeof o.overrides === "function" ? o.overrides(rt) : (o.overrides ?? {});
  let targets: RunningTargets;
  try {
    targets = await startTargets(rt, o.targets ?? TARGET_NAMES, overrides);
  } catch (err) {
    await cleanup();
    throw err;
  }
  const urls = () => Object.fromEntries([...targets.started].map(([name, s]) => [name, s.url!])) as Partial<Record<TargetName, string>>;
  const serviceUrls = () => {
    const u = urls();
    return Object.fromEntries(TARGET_NAMES.flatMap((t) => (serviceOf(t) && u[t] ? [[serviceOf(t)!, u[t]]] : []))) as Partial<Record<ServiceName, string>>;
  };
  const clients = networkClients(serviceUrls);
  const extras: Array<{ stop(): Promise<void> }> = [];
  const chirp: Chirp = {
    mode: o.mode,
    rt,
    targets,
    urls: urls(),
    base: urls().gateway ?? "",
    clients,
    ...(await actions(clients, config.jwt)),
    env: {
      ...env,
      CHIRP_MODE: o.mode,
      CHIRP_LOG_LEVEL: config.logLevel,
      CHIRP_DATA_DIR: config.dataDir,
      CHIRP_JWT_PUBLIC_KEY: config.jwt.publicKeyPem!,
      CHIRP_NATS_URL: config.nats.url,
      CHIRP_NATS_PREFIX: config.nats.prefix,
      CHIRP_REDIS_URL: config.redis.url,
      CHIRP_REDIS_PREFIX: config.redis.prefix,
      CHIRP_CASSANDRA_CONTACT_POINTS: config.cassandra.contactPoints.join(","),
      CHIRP_CASSANDRA_LOCAL_DC: config.cassandra.localDc,
      CHIRP_CASSANDRA_KEYSPACE: config.cassandra.keyspace,
      ...Object.fromEntries(Object.entries(serviceUrls()).map(([s, u]) => [`CHIRP_${s.toUpperCase()}_ADDR`, u])),
    },
    async start(name) {
      await targets.start(name);
      chirp.urls = urls();
    },
    async stopTarget(name) {
      await targets.stopOne(name);
      chirp.urls = urls();
    },
    async extraGateway(extra) {
      const g = await TARGETS.gateway.start(rt, targets.shared, { ...overrides, gateway: { ...overrides.gateway, ...extra } });
      extras.push(g);
      return { url: g.url! };
    },
    async stop() {
      for (const g of extras.reverse()) await g.stop().catch(() => {});
      await targets.stop();
      await cleanup();
    },
  };
  return chirp;
}

export type ChirpWithStore = Chirp & { store: TimelineStore };

/** The system with the timeline store its timeline and fan-out targets share, for tests that look inside it. */
export async function withTimelineStore(c: Chirp): Promise<ChirpWithStore> {
  return Object.assign(c, { store: await c.targets.shared.timelineStore() });
}
