// The mesh as one OS process per target, the way Kubernetes runs it: apply
// the Cassandra migrations once, spawn `node --import tsx services/main.ts
// --target=<t>` for each target with the cluster settings (JWT key pair, a
// distinct CHIRP_WORKER_ID, ports and addresses, keyspace, NATS and Redis
// prefixes), wait until every target is healthy (gRPC health SERVING, the
// gateway's /readyz 200) and stop them (SIGTERM, SIGKILL after a grace).
// Each process logs to <logDir>/<name>.log. The targets and their order come
// from the table (services/targets.ts). Used by `make run-cluster`
// (run-cluster.ts) and by the harness (chirp.ts) for one process per target.
import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, mkdirSync, openSync, readSync, fstatSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { pino } from "pino";
import type { KeyPairPem } from "../kit/keys.js";
import type { Logger } from "../kit/logger.js";
import { migrate } from "../platform/cassandra/migrate.js";
import { readConfig, SERVICE_NAMES, type ServiceName } from "../runtime/config.js";
import { serviceOf, TARGET_NAMES, type TargetName } from "../targets.js";
import { freePorts } from "./ports.js";

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "../..");

/** A target of the table, or "all": every target in one process (the embedded all-in-one). */
type Target = TargetName | "all";
type Service = ServiceName;
export type Ports = Record<TargetName, number>;

/** Ids are minted by several targets: each target's first process gets its own worker id (1, 2, … in table order). */
export const WORKER_IDS = Object.fromEntries([...TARGET_NAMES, "all"].map((t, i) => [t, i + 1])) as Record<Target, number>;

export interface MeshOptions {
  keys: KeyPairPem;
  /** Where <name>.log (and migrate.log) go; made if missing. */
  logDir: string;
  ports: Ports;
  /** Where clients reach the four services; default http://127.0.0.1:<port>. */
  addrs?: Partial<Record<Service, string>>;
  /** The environment the children inherit; default process.env. */
  baseEnv?: Record<string, string | undefined>;
  /** CHIRP_* settings for every child (keyspace, prefixes, log level…); they win over the defaults here. */
  env?: Record<string, string>;
  /** Settings for one target only. */
  targetEnv?: Partial<Record<Target, Record<string, string>>>;
  /** Which targets to run, one process each; default all of them. ["all"]: one process running every target. */
  targets?: readonly Target[];
  /** embedded runs only as ["all"]; default cluster. */
  mode?: "embedded" | "cluster";
  /** Node.js options before the entry point (e.g. --import of a profiler hook). */
  nodeArgs?: string[];
  /** Settings for one process, by its name. */
  processEnv?: (name: string) => Record<string, string>;
  /** Apply the Cassandra migrations first (default true). A logger: where their progress goes (default <logDir>/migrate.log). */
  migrate?: boolean | Logger;
  /** SIGTERM → SIGKILL after this long (default 15 s). */
  stopGraceMs?: number;
  /** A child exited while the mesh was not being stopped. */
  onExit?: (proc: MeshProcess) => void;
}

export interface MeshProcess {
  /** Unique within the mesh: the target, or e.g. "gateway-2" for an extra one. */
  name: string;
  target: Target;
  pid: number;
  child: ChildProcess;
  logFile: string;
  /** http://host:port it serves on (gRPC + HTTP/1.1, or REST for the gateway). */
  url: string;
  /** "code 1" / "SIGKILL" once it has exited. */
  exit?: string;
  /** It exited on its own, not because of stop(). */
  crashed?: boolean;
}

export interface Mesh {
  gatewayUrl: string;
  /** Every target's URL (fanout: its health port). */
  urls: Record<TargetName, string>;
  procs: MeshProcess[];
  logDir: string;
  /** Spawns one more process of a target (e.g. a second gateway with other settings). */
  add(name: string, target: Target, env: Record<string, string>): MeshProcess;
  /** Resolves when `procs` (default all) are healthy; rejects on an exit or the timeout, with the log tails. */
  ready(timeoutMs: number, procs?: MeshProcess[]): Promise<void>;
  stopping(): boolean;
  stop(): Promise<void>;
}

export async function freeMeshPorts(host = "127.0.0.1"): Promise<Ports> {
  const p = await freePorts(TARGET_NAMES.length, host);
  return Object.fromEntries(TARGET_NAMES.map((t, i) => [t, p[i]!])) as Ports;
}

/** The last `lines` lines of a log file (reads at most its last 16 KiB). */
export function logTail(file: string, lines = 20): string {
  let fd: number | undefined;
  try {
    fd = openSync(file, "r");
    const size = fstatSync(fd).size;
    const len = Math.min(size, 16 * 1024);
    const buf = Buffer.alloc(len);
    readSync(fd, buf, 0, len, size - len);
    const text = buf.toString("utf8").trimEnd();
    return text ? text.split("\n").slice(-lines).join("\n") : "(empty)";
  } catch (err) {
    return `(cannot read ${file}: ${(err as Error).message})`;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

const envKey = (t: Target) => t.toUpperCase();

/** Applies migrations, spawns the targets and returns at once; call ready() to wait for them. */
export async function spawnMesh(o: MeshOptions): Promise<Mesh> {
  const url = (port: number) => `http://127.0.0.1:${port}`;
  const addrs = Object.fromEntries(SERVICE_NAMES.map((s) => [s, o.addrs?.[s] ?? url(o.ports[s])])) as Record<Service, string>;
  const settings: Record<string, string> = { CHIRP_MODE: o.mode ?? "cluster" };
  for (const t of TARGET_NAMES) settings[`CHIRP_${envKey(t)}_PORT`] = String(o.ports[t]);
  for (const s of SERVICE_NAMES) settings[`CHIRP_${envKey(s)}_ADDR`] = addrs[s];
  Object.assign(settings, o.env);
  const env = {
    ...(o.baseEnv ?? process.env),
    ...settings,
    CHIRP_JWT_PUBLIC_KEY: o.keys.publicKeyPem,
    CHIRP_JWT_PRIVATE_KEY: o.keys.privateKeyPem,
  };
  mkdirSync(o.logDir, { recursive: true });

  // Once, before the services start (they do not migrate themselves here).
  if (o.migrate !== false) {
    const cassandra = readConfig(env).cassandra;
    const file = typeof o.migrate === "object" ? undefined : pino.destination({ dest: join(o.logDir, "migrate.log"), sync: true });
    const logger = typeof o.migrate === "object" ? o.migrate : pino({ level: "info" }, file);
    try {
      await migrate(cassandra, { logger });
    } catch (err) {
      throw new Error(
        `migrations of keyspace ${cassandra.keyspace} at ${cassandra.contactPoints.join(",")} failed (${(err as Error).message}); is Cassandra up? (make deps-up)`,
      );
    } finally {
      file?.end();
    }
  }

  const procs: MeshProcess[] = [];
  let stopping = false;
  let nextWorkerId = Math.max(...Object.values(WORKER_IDS)) + 1;
  // If this process goes away without stop(), take the children along.
  const killAll = () => {
    for (const p of procs) if (!p.exit) p.child.kill("SIGKILL");
  };
  process.on("exit", killAll);

  const add = (name: string, target: Target, extra: Record<string, string>): MeshProcess => {
    if (procs.some((p) => p.name === name)) throw new Error(`mesh: a process named ${name} exists already`);
    const childEnv: Record<string, string | undefined> = {
      ...env,
      // The first process of a target gets the usual id, extra ones the next free ids.
      CHIRP_WORKER_ID: String(procs.some((p) => p.target === target) ? nextWorkerId++ : WORKER_IDS[target]),
      ...o.targetEnv?.[target],
      ...o.processEnv?.(name),
      ...extra,
    };
    const logFile = join(o.logDir, `${name}.log`);
    const fd = openSync(logFile, "w");
    let child: ChildProcess;
    try {
      child = spawn(process.execPath, ["--import", "tsx", ...(o.nodeArgs ?? []), join(ROOT, "services/main.ts"), `--target=${target}`], {
        cwd: ROOT,
        env: childEnv,
        stdio: ["ignore", fd, fd],
      });
    } finally {
      closeSync(fd);
    }
    // The all-in-one answers on the gateway's port.
    const port = childEnv[`CHIRP_${envKey(target === "all" ? "gateway" : target)}_PORT`];
    const proc: MeshProcess = { name, target, pid: child.pid ?? -1, child, logFile, url: url(Number(port)) };
    const exited = (how: string) => {
      if (proc.exit) return;
      proc.exit = how;
      proc.crashed = !stopping;
      if (!stopping) o.onExit?.(proc);
    };
    child.on("exit", (code, signal) => exited(signal ?? `code ${code}`));
    child.on("error", (err) => exited(`spawn failed: ${err.message}`));
    procs.push(proc);
    return proc;
  };

  if (o.targets?.includes("all")) add("all", "all", {});
  else for (const t of TARGET_NAMES.filter((t) => (o.targets ?? TARGET_NAMES).includes(t))) add(t, t, {});

  const mesh: Mesh = {
    gatewayUrl: url(o.ports.gateway),
    urls: Object.fromEntries(TARGET_NAMES.map((t) => [t, serviceOf(t) ? addrs[serviceOf(t)!] : url(o.ports[t])])) as Record<TargetName, string>,
    procs,
    logDir: o.logDir,
    add,
    ready: (timeoutMs, which = procs) => waitReady(which, timeoutMs, () => stopping),
    stopping: () => stopping,
    async stop() {
      stopping = true;
      const grace = o.stopGraceMs ?? 15_000;
      await Promise.all(
        procs.map(
          (p) =>
            new Promise<void>((resolve) => {
              if (p.exit || p.child.exitCode !== null || p.child.signalCode !== null) return resolve();
              const force = setTimeout(() => p.child.kill("SIGKILL"), grace);
              p.child.once("exit", () => {
                clearTimeout(force);
                resolve();
              });
              p.child.kill("SIGTERM");
            }),
        ),
      );
      process.off("exit", killAll);
    },
  };
  return mesh;
}

/** spawnMesh, then ready(); stops what it started if the mesh does not come up. */
export async function startMesh(o: MeshOptions & { startTimeoutMs: number }): Promise<Mesh> {
  const mesh = await spawnMesh(o);
  try {
    await mesh.ready(o.startTimeoutMs);
  } catch (err) {
    await mesh.stop();
    throw err;
  }
  return mesh;
}

/** One probe: undefined when healthy, else what it saw. */
async function probe(p: MeshProcess): Promise<string | undefined> {
  try {
    if (p.target === "gateway" || p.target === "all") {
      const res = await fetch(`${p.url}/readyz`, { signal: AbortSignal.timeout(3000) });
      const text = await res.text();
      return res.ok ? undefined : `/readyz ${res.status} ${text}`;
    }
    // grpc.health.v1 over the Connect protocol (HTTP/1.1 on the same port): no client to close afterwards.
    const res = await fetch(`${p.url}/grpc.health.v1.Health/Check`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
      signal: AbortSignal.timeout(2000),
    });
    const text = await res.text();
    if (!res.ok) return `health ${res.status} ${text}`;
    const status = (JSON.parse(text) as { status?: string }).status;
    return status === "SERVING" ? undefined : `health ${status ?? "UNKNOWN"}`;
  } catch (err) {
    const e = err as Error & { cause?: { code?: string } };
    return e.cause?.code ?? e.message;
  }
}

async function waitReady(procs: MeshProcess[], timeoutMs: number, stopping: () => boolean): Promise<void> {
  const started = Date.now();
  const deadline = started + timeoutMs;
  const last = new Map<MeshProcess, string | undefined>(procs.map((p) => [p, "not asked yet"]));
  const tail = (p: MeshProcess) => `--- last lines of ${p.logFile} ---\n${logTail(p.logFile)}`;
  for (;;) {
    const dead = procs.find((p) => p.exit);
    if (dead) throw new Error(`mesh: ${dead.name} exited (${dead.exit}) during start-up\n${tail(dead)}`);
    if (stopping()) throw new Error("mesh: stopped during start-up");
    await Promise.all(
      [...last].filter(([, s]) => s !== undefined).map(async ([p]) => last.set(p, await probe(p))),
    );
    const waiting = [...last].filter(([, s]) => s !== undefined);
    if (waiting.length === 0) return;
    if (Date.now() > deadline) {
      // The gateway waits for the others: blame them first.
      const culprits = waiting.some(([p]) => p.target !== "gateway") ? waiting.filter(([p]) => p.target !== "gateway") : waiting;
      throw new Error(
        [
          `mesh: not ready within ${Math.round(timeoutMs / 1000)} s; still waiting for ${waiting.map(([p, s]) => `${p.name} (${s})`).join(", ")}`,
          ...culprits.map(([p]) => tail(p)),
        ].join("\n"),
      );
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}
