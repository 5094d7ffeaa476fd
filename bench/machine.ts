// The machine and software a result was measured on: cores, memory, load,
// kernel, Node, the commit, the key packages and the backends' versions.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { cpus, freemem, loadavg, release, totalmem } from "node:os";
import { join } from "node:path";

export interface MachineInfo {
  cores: number;
  cpuModel: string;
  memoryGiB: number;
  freeMemoryGiB: number;
  loadAverage: number[];
  kernel: string;
  node: string;
  commit: string;
  packages: Record<string, string>;
  backends: Record<string, string>;
  /** A fixed CPU task timed at start (lower is faster): compares machines and runs. */
  calibration: { wallMs: number; cpuMs: number };
}

/**
 * The same small CPU task every run (integer loop, JSON round trips, a sort):
 * its wall time against its CPU time shows how much of a core the benchmark
 * got, and its CPU time how fast that core is, at the moment the run started.
 */
export function calibrate(): { wallMs: number; cpuMs: number } {
  const w0 = performance.now();
  const c0 = process.cpuUsage();
  let x = 0;
  for (let i = 0; i < 20_000_000; i++) x = (x + i * 7) % 1_000_003;
  const o = { id: "250780893973577728", content: "x".repeat(140), tags: ["a", "b", "c"], n: x };
  for (let i = 0; i < 50_000; i++) JSON.parse(JSON.stringify(o));
  Array.from({ length: 200_000 }, (_, i) => (i * 2654435761) % 1_000_003).sort((a, b) => a - b);
  const c = process.cpuUsage(c0);
  return { wallMs: Math.round(performance.now() - w0), cpuMs: Math.round((c.user + c.system) / 1000) };
}

/** A calibration taken now, as one line for a benchmark's output. */
export function calibrationLine(): string {
  const c = calibrate();
  return `CPU calibration ${c.cpuMs} ms of CPU in ${c.wallMs} ms (a fixed task, lower is faster; this host's speed varies)`;
}

const PACKAGES = [
  "@connectrpc/connect",
  "@connectrpc/connect-node",
  "@bufbuild/protobuf",
  "tsx",
  "lmdb",
  "ioredis",
  "cassandra-driver",
  "@nats-io/transport-node",
  "@node-rs/argon2",
  "hdr-histogram-js",
];

/** The checkout's short commit, with "-dirty" when tracked files have changed; "unknown" outside git. */
export function commitId(root = process.cwd()): string {
  try {
    const rev = execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: root, encoding: "utf8", timeout: 5000 }).trim();
    const dirty = execFileSync("git", ["status", "--porcelain", "--untracked-files=no"], { cwd: root, encoding: "utf8", timeout: 5000 }).trim();
    return dirty ? `${rev}-dirty` : rev;
  } catch {
    return "unknown"; // not a git checkout
  }
}

/** Progress lines on stderr, each with the seconds since this was called. */
export function progressLog(): (msg: string) => void {
  const started = Date.now();
  return (msg) => process.stderr.write(`[${((Date.now() - started) / 1000).toFixed(1).padStart(6)}s] ${msg}\n`);
}

/** A per-service benchmark's first line: its mode and the machine's state. */
export function openingLine(mode: string, calibration: string): string {
  return `mode ${mode}, ${cpus().length} CPUs, load average ${loadavg().map((x) => x.toFixed(1)).join(" ")}; ${calibration}`;
}

export const loadAverage = () => loadavg().map((x) => Math.round(x * 100) / 100);

export function machineInfo(root: string, withBackends: string[]): MachineInfo {
  const gib = (b: number) => Math.round((b / 1024 ** 3) * 10) / 10;
  const packages: Record<string, string> = {};
  for (const p of PACKAGES) {
    const f = join(root, "node_modules", p, "package.json");
    if (existsSync(f)) packages[p] = (JSON.parse(readFileSync(f, "utf8")) as { version: string }).version;
  }
  const commit = commitId(root);
  return {
    cores: cpus().length,
    cpuModel: cpus()[0]?.model.trim() ?? "unknown",
    memoryGiB: gib(totalmem()),
    freeMemoryGiB: gib(freemem()),
    loadAverage: loadAverage(),
    kernel: release(),
    node: process.version,
    commit,
    packages,
    backends: withBackends.length ? backendVersions(root, withBackends) : {},
    calibration: calibrate(),
  };
}

/** Versions as scripts/deps/status.sh reports them ("redis up 7.0.15 127.0.0.1:6379 ..."). */
function backendVersions(root: string, names: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  let text = "";
  try {
    text = execFileSync("bash", [join(root, "scripts/deps/status.sh"), ...names], { cwd: root, encoding: "utf8", timeout: 30_000 });
  } catch (err) {
    text = String((err as { stdout?: string }).stdout ?? "");
  }
  for (const line of text.split("\n")) {
    const m = /^(\w+)\s+(up|down)\s+(\S+)\s+(\S+)/.exec(line.trim());
    if (m && names.includes(m[1]!)) out[m[1]!] = m[2] === "up" ? `${m[3]} at ${m[4]}` : "down";
  }
  return out;
}

/** The machine's busy share (0..1) over `ms`, from /proc/stat (all CPUs). */
async function busyShare(ms: number): Promise<number> {
  const read = () => {
    const f = readFileSync("/proc/stat", "utf8").split("\n")[0]!.trim().split(/\s+/).slice(1).map(Number);
    const idle = f[3]! + (f[4] ?? 0);
    return { idle, total: f.reduce((a, b) => a + b, 0) };
  };
  const a = read();
  await new Promise((r) => setTimeout(r, ms));
  const b = read();
  return b.total === a.total ? 0 : 1 - (b.idle - a.idle) / (b.total - a.total);
}

/**
 * Waits (up to `maxS`) until the machine is mostly idle, e.g. while the
 * database compacts what a set-up just wrote, so a measurement starts on a
 * quiet machine; says how long it waited and how busy the machine was.
 */
export async function settle(maxS = 60, busy = 0.15): Promise<string> {
  const started = Date.now();
  let share = await busyShare(2000);
  while (share > busy && Date.now() - started < maxS * 1000) share = await busyShare(2000);
  const waited = ((Date.now() - started) / 1000).toFixed(0);
  return `${share > busy ? "not settled" : "settled"} after ${waited} s (machine ${(share * 100).toFixed(0)}% busy over the last 2 s)`;
}
