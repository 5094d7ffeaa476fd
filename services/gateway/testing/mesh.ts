// The whole system as one OS process per target (user, graph, tweet,
// timeline, fanout, gateway), started by scripts/mesh/mesh.ts exactly as
// `make run-cluster` starts them, on free ports against the local backends.
// Its data is isolated like testRuntime's cluster mode: a keyspace, a NATS
// stream/subject prefix and a Redis key prefix of its own (uniqueName), all
// dropped by stop(). Gateway settings go in through the gateway's
// environment variables (services/gateway/config.ts).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { pino } from "pino";
import { freeMeshPorts, startMesh, type Mesh } from "../../../scripts/mesh/mesh.js";
import { freePorts } from "../../platform/testing/ports.js";
import { generateKeyPairPem } from "../../kit/keys.js";
import { createCassandraClient } from "../../platform/cassandra/client.js";
import { backendEnv, uniqueName } from "../../platform/testing/backends.js";
import { readConfig } from "../../runtime/config.js";
import type { GatewayConfig } from "../config.js";

export interface ChirpMesh {
  kind: "mesh";
  mesh: Mesh;
  /** Base URL of the gateway. */
  base: string;
  /** Wall time from the first spawn to every target healthy. */
  startupMs: number;
  /** Another gateway process on the same services, with its own settings. */
  extraGateway(config: Partial<GatewayConfig>): Promise<{ url: string }>;
  stop(): Promise<void>;
}

/** GatewayConfig as the gateway's CHIRP_* environment variables (the inverse of readGatewayConfig). */
export function gatewayEnv(c: Partial<GatewayConfig>): Record<string, string> {
  const e: Record<string, string> = {};
  if (c.rateLimit) {
    e.CHIRP_RATE_LIMIT_PER_IP = String(c.rateLimit.perIpPerMinute);
    e.CHIRP_RATE_LIMIT_PER_USER = String(c.rateLimit.perUserPerMinute);
    e.CHIRP_RATE_LIMIT_TIMEOUT_MS = String(c.rateLimit.timeoutMs);
  }
  if (c.cors) {
    e.CHIRP_CORS_ORIGINS = c.cors.origins.join(",");
    e.CHIRP_CORS_MAX_AGE_SECONDS = String(c.cors.maxAgeSeconds);
  }
  if (c.maxBodyBytes !== undefined) e.CHIRP_MAX_BODY_BYTES = String(c.maxBodyBytes);
  if (c.trustProxyHops !== undefined) e.CHIRP_TRUST_PROXY_HOPS = String(c.trustProxyHops);
  if (c.sseKeepAliveMs !== undefined) e.CHIRP_SSE_KEEPALIVE_MS = String(c.sseKeepAliveMs);
  if (c.readyCacheMs !== undefined) e.CHIRP_READY_CACHE_MS = String(c.readyCacheMs);
  if (c.maxInFlight !== undefined) e.CHIRP_GATEWAY_MAX_IN_FLIGHT = String(c.maxInFlight);
  return e;
}

export interface MeshTestOptions {
  /** Start-up budget before failing with the targets' log tails. Default 45 s. */
  startTimeoutMs?: number;
  /** More CHIRP_* settings for every process. */
  env?: Record<string, string>;
}

export async function startChirpMesh(label: string, config: Partial<GatewayConfig> = {}, o: MeshTestOptions = {}): Promise<ChirpMesh> {
  const name = uniqueName(label);
  const logDir = mkdtempSync(join(tmpdir(), `chirp-mesh-${label}-`));
  // The children see none of this process's CHIRP_* settings: only the ones below.
  const baseEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("CHIRP_")));
  const env: Record<string, string> = {
    CHIRP_LOG_LEVEL: process.env.CHIRP_TEST_LOG_LEVEL ?? "info",
    ...backendEnv(name),
    CHIRP_SHUTDOWN_GRACE_MS: "0",
    // Live timelines: the services' keep-alives come quickly (as startChirp's keepAliveMs).
    CHIRP_STREAM_KEEPALIVE_MS: "500",
    ...o.env,
  };
  const cleanup = async (mesh?: Mesh) => {
    await mesh?.stop();
    const cfg = readConfig({ ...env, CHIRP_MODE: "cluster" });
    // As testRuntime's cleanup: drop the keyspace and the NATS streams; and the Redis keys (a shared server here).
    const dropKeyspace = async () => {
      const admin = createCassandraClient(cfg.cassandra, { keyspace: false });
      await admin.execute(`DROP KEYSPACE IF EXISTS ${cfg.cassandra.keyspace}`).catch(() => {});
      await admin.shutdown();
    };
    const deleteStreams = async () => {
      const { JetStreamBus } = await import("../../platform/bus/jetstream.js");
      const bus = await JetStreamBus.connect({ url: cfg.nats.url, prefix: cfg.nats.prefix, logger: pino({ level: "silent" }) });
      await bus.deleteStreams();
      await bus.close();
    };
    const results = await Promise.allSettled([dropKeyspace(), deleteStreams(), deleteRedisKeys(cfg.redis.url, cfg.redis.prefix)]);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
    if (failed) throw failed.reason;
  };

  const spawnedAt = Date.now();
  let mesh: Mesh;
  try {
    mesh = await startMesh({
      keys: await generateKeyPairPem(),
      logDir,
      ports: await freeMeshPorts(),
      baseEnv,
      env,
      targetEnv: { gateway: gatewayEnv(config) },
      stopGraceMs: 5000,
      startTimeoutMs: o.startTimeoutMs ?? 45_000,
    });
  } catch (err) {
    // The logs stay for a look; the error already carries their last lines.
    await cleanup().catch(() => {});
    throw new Error(`${(err as Error).message}\n(all logs: ${logDir})`);
  }
  const startupMs = Date.now() - spawnedAt;
  let extra = 0;
  return {
    kind: "mesh",
    mesh,
    base: mesh.gatewayUrl,
    startupMs,
    async extraGateway(extraConfig) {
      const [port] = await freePorts(1);
      const proc = mesh.add(`gateway-${++extra + 1}`, "gateway", { ...gatewayEnv({ ...config, ...extraConfig }), CHIRP_GATEWAY_PORT: String(port) });
      await mesh.ready(o.startTimeoutMs ?? 45_000, [proc]);
      return { url: proc.url };
    },
    async stop() {
      const died = mesh.procs.filter((p) => p.crashed);
      await cleanup(mesh);
      // A target that died mid-run: keep the logs and say where they are.
      if (died.length) console.error(`mesh: ${died.map((p) => `${p.name} exited (${p.exit})`).join(", ")}; logs kept in ${logDir}`);
      else rmSync(logDir, { recursive: true, force: true });
    },
  };
}

async function deleteRedisKeys(url: string, prefix: string): Promise<void> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    let cursor = "0";
    do {
      const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 500);
      cursor = next;
      if (keys.length) await redis.del(...keys);
    } while (cursor !== "0");
  } catch {
    // best effort: the keys expire anyway
  } finally {
    redis.disconnect();
  }
}
