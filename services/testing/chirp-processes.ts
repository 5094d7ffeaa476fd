// The one test harness, as child processes: any set of targets from the table,
// each in an OS process of its own started as `make run-cluster` and
// Kubernetes start it (processes.ts: `services/main.ts --target=<t>`), on free
// ports against the local Cassandra, NATS and Redis. Its data is isolated as
// in chirp.ts (a keyspace, a NATS prefix and a Redis key prefix of its own),
// all dropped by stop(). Gateway settings go in through the gateway's
// environment variables (services/gateway/config.ts).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readConfig } from "../runtime/config.js";
import { TARGET_NAMES, type TargetName } from "../targets.js";
import type { GatewayConfig } from "../gateway/config.js";
import { actions, networkClients, type Actions, type TestClients } from "./actions.js";
import { backendEnv, uniqueName } from "./backends.js";
import { dropClusterData } from "./cleanup.js";
import { freeMeshPorts, startMesh, type Mesh } from "./processes.js";
import { freePorts } from "./ports.js";
import { prepareKeyspace, testKeys } from "./runtime.js";

export interface ChirpProcesses extends Actions {
  mode: "cluster";
  mesh: Mesh;
  /** Where each target listens. */
  urls: Record<TargetName, string>;
  /** Base URL of the gateway. */
  base: string;
  /** gRPC clients of the services over the network. */
  clients: TestClients;
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
  if (c.live) {
    e.CHIRP_WS_PING_INTERVAL_MS = String(c.live.pingIntervalMs);
    e.CHIRP_WS_MAX_BUFFERED_BYTES = String(c.live.maxBufferedBytes);
    e.CHIRP_WS_MAX_SUBSCRIPTIONS = String(c.live.maxSubscriptions);
  }
  return e;
}

export interface ChirpProcessesOptions {
  label: string;
  /** Default: every target. */
  targets?: TargetName[];
  /** The gateway's settings (as its environment variables). */
  gateway?: Partial<GatewayConfig>;
  /** More CHIRP_* settings for every process. */
  env?: Record<string, string>;
  /** Start-up budget before failing with the targets' log tails. Default 45 s. */
  startTimeoutMs?: number;
}

export async function startChirpProcesses(o: ChirpProcessesOptions): Promise<ChirpProcesses> {
  const name = uniqueName(o.label);
  const logDir = mkdtempSync(join(tmpdir(), `chirp-procs-${o.label}-`));
  // The children see none of this process's CHIRP_* settings: only the ones below.
  const baseEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("CHIRP_")));
  const env: Record<string, string> = {
    CHIRP_LOG_LEVEL: process.env.CHIRP_TEST_LOG_LEVEL ?? "info",
    ...backendEnv(name),
    CHIRP_SHUTDOWN_GRACE_MS: "0",
    // Live timelines: the services' keep-alives come quickly (as in chirp.ts).
    CHIRP_STREAM_KEEPALIVE_MS: "500",
    ...o.env,
  };
  const config = readConfig({ ...env, CHIRP_MODE: "cluster" });
  const cleanup = async (mesh?: Mesh) => {
    await mesh?.stop();
    await dropClusterData(config);
  };

  const spawnedAt = Date.now();
  let mesh: Mesh;
  try {
    await prepareKeyspace(config);
    mesh = await startMesh({
      keys: testKeys,
      logDir,
      ports: await freeMeshPorts(),
      baseEnv,
      env,
      targets: o.targets ?? TARGET_NAMES,
      // Migrated above.
      migrate: false,
      targetEnv: { gateway: gatewayEnv(o.gateway ?? {}) },
      stopGraceMs: 5000,
      startTimeoutMs: o.startTimeoutMs ?? 45_000,
    });
  } catch (err) {
    // The logs stay for a look; the error already carries their last lines.
    await cleanup().catch(() => {});
    throw new Error(`${(err as Error).message}\n(all logs: ${logDir})`);
  }
  const startupMs = Date.now() - spawnedAt;
  const clients = networkClients(() => mesh.urls);
  let extra = 0;
  return {
    mode: "cluster",
    mesh,
    urls: mesh.urls,
    base: mesh.gatewayUrl,
    clients,
    ...(await actions(clients, config.jwt)),
    startupMs,
    async extraGateway(extraConfig) {
      const [port] = await freePorts(1);
      const proc = mesh.add(`gateway-${++extra + 1}`, "gateway", { ...gatewayEnv({ ...o.gateway, ...extraConfig }), CHIRP_GATEWAY_PORT: String(port) });
      await mesh.ready(o.startTimeoutMs ?? 45_000, [proc]);
      return { url: proc.url };
    },
    async stop() {
      const died = mesh.procs.filter((p) => p.crashed);
      await cleanup(mesh);
      // A target that died mid-run: keep the logs and say where they are.
      if (died.length) console.error(`chirp-processes: ${died.map((p) => `${p.name} exited (${p.exit})`).join(", ")}; logs kept in ${logDir}`);
      else rmSync(logDir, { recursive: true, force: true });
    },
  };
}
