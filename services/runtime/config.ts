// Process-wide configuration: which mode, where the other services and the
// backends are, the token keys. Read once at start-up (see services/main.ts).
import { z } from "zod";
import { envs, readEnv, type Env } from "../kit/config.js";
import { MAX_WORKER_ID } from "../kit/snowflake.js";
import { tracingConfig, tracingEnv, type TracingConfig } from "../kit/tracing-config.js";
import { cassandraConfig, cassandraEnv, type CassandraConfig } from "../platform/cassandra/config.js";

const schema = z.object({
  /** embedded: LMDB under CHIRP_DATA_DIR, in-process bus and caches. cluster: Cassandra, NATS, Redis. */
  CHIRP_MODE: z.enum(["embedded", "cluster"]).default("embedded"),
  CHIRP_HOST: z.string().default("127.0.0.1"),
  CHIRP_DATA_DIR: z.string().default("./data"),
  CHIRP_LOG_LEVEL: envs.logLevel(),
  CHIRP_WORKER_ID: envs.int(0, 0, MAX_WORKER_ID),
  CHIRP_GATEWAY_PORT: envs.port(8080),
  CHIRP_USER_PORT: envs.port(50051),
  CHIRP_GRAPH_PORT: envs.port(50052),
  CHIRP_TWEET_PORT: envs.port(50053),
  CHIRP_TIMELINE_PORT: envs.port(50054),
  CHIRP_FANOUT_PORT: envs.port(50055),
  CHIRP_DISCOVERY_PORT: envs.port(50056),
  CHIRP_SEARCH_PORT: envs.port(50057),
  CHIRP_NOTIFICATION_PORT: envs.port(50058),
  // Where to call a service that runs in another process. Unset: in the
  // embedded mode, 127.0.0.1 on the service's port; in the cluster mode, an
  // error at start-up for a target that calls it (services/addresses.ts).
  CHIRP_USER_ADDR: envs.optionalUrl(["http:", "https:"]),
  CHIRP_GRAPH_ADDR: envs.optionalUrl(["http:", "https:"]),
  CHIRP_TWEET_ADDR: envs.optionalUrl(["http:", "https:"]),
  CHIRP_TIMELINE_ADDR: envs.optionalUrl(["http:", "https:"]),
  CHIRP_DISCOVERY_ADDR: envs.optionalUrl(["http:", "https:"]),
  CHIRP_SEARCH_ADDR: envs.optionalUrl(["http:", "https:"]),
  CHIRP_NOTIFICATION_ADDR: envs.optionalUrl(["http:", "https:"]),
  CHIRP_JWT_ISSUER: z.string().default("chirp"),
  CHIRP_JWT_AUDIENCE: z.string().default("chirp-api"),
  /** PEM (SPKI) Ed25519 public key; embedded mode makes a key pair when unset. */
  CHIRP_JWT_PUBLIC_KEY: z.string().optional(),
  /** PEM (PKCS#8) Ed25519 private key; only the user service needs it. */
  CHIRP_JWT_PRIVATE_KEY: z.string().optional(),
  CHIRP_ACCESS_TOKEN_TTL_SECONDS: envs.int(900, 60, 86_400),
  CHIRP_REFRESH_TOKEN_TTL_SECONDS: envs.int(30 * 86_400, 3600, 365 * 86_400),
  CHIRP_NATS_URL: envs.url("nats://127.0.0.1:4222", ["nats:", "tls:"]),
  CHIRP_NATS_PREFIX: z
    .string()
    .default("")
    .refine((v) => v === "" || /^[A-Za-z0-9_-]+\.$/.test(v), { message: "expected empty or a token ending in '.', e.g. 'staging.'" }),
  CHIRP_REDIS_URL: envs.url("redis://127.0.0.1:6379", ["redis:", "rediss:"]),
  /** Comma-separated host:port of Redis Cluster nodes; overrides CHIRP_REDIS_URL. */
  CHIRP_REDIS_CLUSTER_NODES: z.string().optional(),
  CHIRP_REDIS_PREFIX: z.string().default("chirp:"),
  CHIRP_SHUTDOWN_GRACE_MS: envs.int(10_000, 0, 120_000),
  CHIRP_MAX_ENTRY_CALLS: envs.int(64, 0, 1_000_000),
  CHIRP_INPROCESS_CALLS: envs.bool(true),
  ...cassandraEnv,
  ...tracingEnv,
});

export type RawConfig = z.output<typeof schema>;

/** The services other targets call over gRPC (services.ts has their contracts). */
export const SERVICE_NAMES = ["user", "graph", "tweet", "timeline", "discovery", "notification", "search"] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

export interface ChirpConfig {
  mode: "embedded" | "cluster";
  host: string;
  dataDir: string;
  logLevel: string;
  workerId: number;
  ports: { gateway: number; user: number; graph: number; tweet: number; timeline: number; fanout: number; discovery: number; notification: number; search: number };
  /** Addresses set in the environment (CHIRP_<SERVICE>_ADDR); the rest are resolved at start-up. */
  addrs: Partial<Record<ServiceName, string>>;
  jwt: {
    issuer: string;
    audience: string;
    publicKeyPem?: string | undefined;
    privateKeyPem?: string | undefined;
    accessTtlSeconds: number;
    refreshTtlSeconds: number;
  };
  nats: { url: string; prefix: string };
  redis: { url: string; clusterNodes?: string[] | undefined; prefix: string };
  cassandra: CassandraConfig;
  migrateOnStart: boolean;
  shutdownGraceMs: number;
  /** Unary calls from outside the mesh a service runs at once; beyond, UNAVAILABLE at once (0 = no limit). */
  maxEntryCalls: number;
  /** Call services started in the same process in memory instead of over loopback gRPC. */
  inProcessCalls: boolean;
  /** Trace export (the standard OTEL_* variables); off unless an exporter is set. */
  tracing: TracingConfig;
}

export function readConfig(env: Env = process.env): ChirpConfig {
  const e = readEnv(schema, env);
  return {
    mode: e.CHIRP_MODE,
    host: e.CHIRP_HOST,
    dataDir: e.CHIRP_DATA_DIR,
    logLevel: e.CHIRP_LOG_LEVEL,
    workerId: e.CHIRP_WORKER_ID,
    ports: {
      gateway: e.CHIRP_GATEWAY_PORT,
      user: e.CHIRP_USER_PORT,
      graph: e.CHIRP_GRAPH_PORT,
      tweet: e.CHIRP_TWEET_PORT,
      timeline: e.CHIRP_TIMELINE_PORT,
      fanout: e.CHIRP_FANOUT_PORT,
      discovery: e.CHIRP_DISCOVERY_PORT,
      notification: e.CHIRP_NOTIFICATION_PORT,
      search: e.CHIRP_SEARCH_PORT,
    },
    addrs: Object.fromEntries(
      Object.entries({
        user: e.CHIRP_USER_ADDR,
        graph: e.CHIRP_GRAPH_ADDR,
        tweet: e.CHIRP_TWEET_ADDR,
        timeline: e.CHIRP_TIMELINE_ADDR,
        discovery: e.CHIRP_DISCOVERY_ADDR,
        notification: e.CHIRP_NOTIFICATION_ADDR,
        search: e.CHIRP_SEARCH_ADDR,
      }).filter(([, v]) => v),
    ),
    jwt: {
      issuer: e.CHIRP_JWT_ISSUER,
      audience: e.CHIRP_JWT_AUDIENCE,
      publicKeyPem: e.CHIRP_JWT_PUBLIC_KEY,
      privateKeyPem: e.CHIRP_JWT_PRIVATE_KEY,
      accessTtlSeconds: e.CHIRP_ACCESS_TOKEN_TTL_SECONDS,
      refreshTtlSeconds: e.CHIRP_REFRESH_TOKEN_TTL_SECONDS,
    },
    nats: { url: e.CHIRP_NATS_URL, prefix: e.CHIRP_NATS_PREFIX },
    redis: {
      url: e.CHIRP_REDIS_URL,
      clusterNodes: e.CHIRP_REDIS_CLUSTER_NODES?.split(",").map((s) => s.trim()).filter(Boolean),
      prefix: e.CHIRP_REDIS_PREFIX,
    },
    cassandra: cassandraConfig(e),
    migrateOnStart: e.CHIRP_MIGRATE_ON_START,
    shutdownGraceMs: e.CHIRP_SHUTDOWN_GRACE_MS,
    maxEntryCalls: e.CHIRP_MAX_ENTRY_CALLS,
    inProcessCalls: e.CHIRP_INPROCESS_CALLS,
    tracing: tracingConfig(e),
  };
}
