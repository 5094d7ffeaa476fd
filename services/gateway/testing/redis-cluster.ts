// A throw-away three-master Redis Cluster on loopback, for proving that the
// Redis rate limiter works against a real cluster (slots, MOVED, hash tags),
// not just a single node. Needs redis-server and redis-cli on the PATH (the
// Debian redis-server package, which `make deps-up` installs with Redis).
import { spawn, execFile, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

async function free(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once("error", () => resolve(false));
    s.listen(port, "127.0.0.1", () => s.close(() => resolve(true)));
  });
}

/** Ports p with p and p+10000 (the cluster bus) both free. */
async function pickPorts(n: number): Promise<number[]> {
  const out: number[] = [];
  while (out.length < n) {
    const p = 20000 + Math.floor(Math.random() * 10000);
    if (!out.includes(p) && (await free(p)) && (await free(p + 10000))) out.push(p);
  }
  return out;
}

export interface RedisClusterHandle {
  nodes: string[];
  stop(): Promise<void>;
}

export async function startRedisCluster(): Promise<RedisClusterHandle> {
  const dir = mkdtempSync(join(tmpdir(), "chirp-redis-cluster-"));
  const ports = await pickPorts(3);
  const procs: ChildProcess[] = [];
  const stop = async () => {
    for (const p of procs) p.kill("SIGTERM");
    await Promise.all(procs.map((p) => new Promise((r) => (p.exitCode !== null ? r(undefined) : p.once("exit", r)))));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (const port of ports) {
      const p = spawn(
        "redis-server",
        ["--port", String(port), "--bind", "127.0.0.1", "--cluster-enabled", "yes", "--cluster-config-file", `nodes-${port}.conf`,
          "--dir", dir, "--save", "", "--appendonly", "no", "--protected-mode", "no"],
        { stdio: "ignore" },
      );
      procs.push(p);
      await new Promise<void>((resolve, reject) => {
        p.once("error", (err) => reject(new Error(`cannot start redis-server (${err.message}); install the redis-server package`)));
        p.once("spawn", () => resolve());
      });
    }
    const nodes = ports.map((p) => `127.0.0.1:${p}`);
    for (const port of ports) await waitFor(async () => (await run("redis-cli", ["-p", String(port), "ping"])).stdout.trim() === "PONG");
    await run("redis-cli", ["--cluster", "create", ...nodes, "--cluster-replicas", "0", "--cluster-yes"]);
    for (const port of ports) {
      await waitFor(async () => (await run("redis-cli", ["-p", String(port), "cluster", "info"])).stdout.includes("cluster_state:ok"));
    }
    return { nodes, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

async function waitFor(check: () => Promise<boolean>, ms = 15_000): Promise<void> {
  const until = Date.now() + ms;
  for (;;) {
    try {
      if (await check()) return;
    } catch {
      // not up yet
    }
    if (Date.now() > until) throw new Error("Redis Cluster did not come up in time");
    await new Promise((r) => setTimeout(r, 100));
  }
}
