// Starts the system under test as child processes with the harness's
// launcher: the all-in-one (`--target=all`, embedded storage) or one process
// per target against the real backends (cluster mode), on the benchmark's own
// ports so it never collides with a `make run` or a test on the defaults,
// each with the profiler hook. The launcher waits for every target's health
// and the gateway's /readyz, and stops them at the end.
import type { ChildProcess } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { Health, HealthCheckResponse_ServingStatus } from "../gen/grpc/health/v1/health_pb.js";
import type { KeyPairPem } from "../services/kit/keys.js";
import { SERVICE_NAMES } from "../services/runtime/config.js";
import { TARGET_NAMES, type TargetName } from "../services/targets.js";
import { startMesh } from "../services/testing/processes.js";
import { pidOnPort, type Watched } from "./cpu.js";
import { log } from "./progress.js";

export type Mode = "embedded" | "cluster";
export type Target = TargetName;

export interface LaunchOptions {
  mode: Mode;
  repoRoot: string;
  portBase: number;
  /** Embedded: the LMDB folder. */
  dataDir: string;
  /** Cluster: names the keyspace, the Redis key prefix and the NATS subject prefix. */
  dataset: string;
  logDir: string;
  logLevel: string;
  keys: KeyPairPem;
  profileDir: string;
  /** Extra CHIRP_* settings (win over the defaults here). */
  env: Record<string, string>;
  startTimeoutMs: number;
}

export interface Proc {
  name: string;
  pid: number;
  child: ChildProcess;
  exited: boolean;
}

export interface System {
  mode: Mode;
  gatewayUrl: string;
  addrs: { user: string; graph: string; tweet: string; timeline: string; fanout: string };
  procs: Proc[];
  /** The settings given to the children (key material left out), for the report. */
  settings: Record<string, string>;
  /** Service processes and, in cluster mode, the backends (for CPU figures). */
  watched(): Watched[];
  /** SIGUSR2 to a child (starts / stops its profiler). */
  signal(name: string, sig: NodeJS.Signals): void;
  alive(): boolean;
  stop(): Promise<void>;
}

const FIXED_PORTS: Record<string, number> = { gateway: 0, user: 1, graph: 2, tweet: 3, timeline: 4, fanout: 5 };

/**
 * The benchmark's ports: gateway base, user...fanout base+1...base+5 (base+8 and
 * base+9 are the bare node:http and echo baselines'); any other target or
 * service the mesh has grown since gets one from base+10 on, in the order of
 * the lists, so a new one never needs this table changed.
 */
export function ports(base: number): Record<Target, number> {
  const out: Record<string, number> = {};
  let next = base + 10;
  for (const name of [...TARGET_NAMES, ...SERVICE_NAMES]) out[name] ??= FIXED_PORTS[name] !== undefined ? base + FIXED_PORTS[name]! : next++;
  return out as Record<Target, number>;
}

export function clusterNames(dataset: string): { keyspace: string; redisPrefix: string; natsPrefix: string } {
  const safe = dataset.toLowerCase().replace(/[^a-z0-9_]/g, "_");
  return { keyspace: `chirp_bench_${safe}`.slice(0, 48), redisPrefix: `chirpbench_${safe}:`, natsPrefix: `chirpbench_${safe}.` };
}

export async function launch(o: LaunchOptions): Promise<System> {
  const p = ports(o.portBase);
  const url = (port: number) => `http://127.0.0.1:${port}`;
  const addrs = { user: url(p.user), graph: url(p.graph), tweet: url(p.tweet), timeline: url(p.timeline), fanout: url(p.fanout) };
  const settings: Record<string, string> = {
    CHIRP_MODE: o.mode,
    CHIRP_HOST: "127.0.0.1",
    CHIRP_LOG_LEVEL: o.logLevel,
    ...Object.fromEntries(TARGET_NAMES.map((t) => [`CHIRP_${t.toUpperCase()}_PORT`, String(p[t])])),
    CHIRP_USER_ADDR: addrs.user,
    CHIRP_GRAPH_ADDR: addrs.graph,
    CHIRP_TWEET_ADDR: addrs.tweet,
    CHIRP_TIMELINE_ADDR: addrs.timeline,
    // One client address sends all the load: the per-IP and per-user limits would refuse it.
    CHIRP_RATE_LIMIT_PER_IP: "0",
    CHIRP_RATE_LIMIT_PER_USER: "0",
    // Seeded tokens are reused across runs (and a long run outlives 15 minutes).
    CHIRP_ACCESS_TOKEN_TTL_SECONDS: "86400",
  };
  if (o.mode === "embedded") settings.CHIRP_DATA_DIR = o.dataDir;
  else {
    const n = clusterNames(o.dataset);
    Object.assign(settings, { CHIRP_CASSANDRA_KEYSPACE: n.keyspace, CHIRP_REDIS_PREFIX: n.redisPrefix, CHIRP_NATS_PREFIX: n.natsPrefix });
  }
  Object.assign(settings, o.env);
  mkdirSync(o.profileDir, { recursive: true });
  const hook = pathToFileURL(join(o.repoRoot, "bench", "profiler-hook.ts")).href;

  // The harness's launcher (services/testing/processes.ts), as `make run-cluster` uses it:
  // the all-in-one as one process, or one process per target after the migrations.
  let stopping = false;
  const mesh = await startMesh({
    keys: o.keys,
    logDir: o.logDir,
    ports: p,
    mode: o.mode,
    env: settings,
    targets: o.mode === "embedded" ? ["all"] : TARGET_NAMES,
    migrate: o.mode === "cluster",
    nodeArgs: ["--import", hook],
    processEnv: (name) => ({ BENCH_PROFILE_DIR: o.profileDir, BENCH_PROFILE_NAME: name }),
    stopGraceMs: 15_000,
    startTimeoutMs: o.startTimeoutMs,
    onExit: (proc) => {
      if (!stopping) log(`!! ${proc.name} exited (${proc.exit}); see ${proc.logFile}`);
    },
  });
  const procs: Proc[] = mesh.procs.map((x) => ({
    name: x.name,
    pid: x.pid,
    child: x.child,
    get exited() {
      return x.exit !== undefined;
    },
  }));
  const backends =
    o.mode === "cluster"
      ? ([
          ["cassandra", 9042],
          ["redis", 6379],
          ["nats", 4222],
        ] as const)
          .map(([name, port]) => ({ name, pid: pidOnPort(portOf(settings, name) ?? port) ?? -1 }))
          .filter((w) => w.pid > 0)
      : [];

  return {
    mode: o.mode,
    gatewayUrl: mesh.gatewayUrl,
    addrs,
    procs,
    settings,
    watched: () => [...procs.filter((x) => !x.exited).map((x) => ({ name: x.name, pid: x.pid })), ...backends],
    signal(name, sig) {
      const x = procs.find((q) => q.name === name);
      if (x && !x.exited) x.child.kill(sig);
    },
    alive: () => procs.every((x) => !x.exited),
    async stop() {
      stopping = true;
      await mesh.stop();
    },
  };
}

function portOf(settings: Record<string, string>, backend: "cassandra" | "redis" | "nats"): number | undefined {
  const v =
    backend === "redis"
      ? settings.CHIRP_REDIS_URL ?? process.env.CHIRP_REDIS_URL
      : backend === "nats"
        ? settings.CHIRP_NATS_URL ?? process.env.CHIRP_NATS_URL
        : `tcp://${(settings.CHIRP_CASSANDRA_CONTACT_POINTS ?? process.env.CHIRP_CASSANDRA_CONTACT_POINTS ?? "127.0.0.1:9042").split(",")[0]}`;
  if (!v) return undefined;
  try {
    const port = Number(new URL(v).port);
    return port > 0 ? port : undefined;
  } catch {
    return undefined;
  }
}

/** Waits until a target's gRPC health says SERVING. */
export async function waitHealthy(baseUrl: string, timeoutMs: number, isAlive: () => boolean): Promise<void> {
  const client = createClient(Health, createGrpcTransport({ baseUrl, defaultTimeoutMs: 2000 }));
  const deadline = Date.now() + timeoutMs;
  let last = "";
  while (Date.now() < deadline) {
    if (!isAlive()) throw new Error(`a service process exited while waiting for ${baseUrl}`);
    try {
      const r = await client.check({ service: "" });
      if (r.status === HealthCheckResponse_ServingStatus.SERVING) return;
      last = HealthCheckResponse_ServingStatus[r.status] ?? String(r.status);
    } catch (err) {
      last = (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`${baseUrl} was not SERVING within ${timeoutMs / 1000}s (last: ${last})`);
}
