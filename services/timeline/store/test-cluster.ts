// The local Redis Cluster for tests and the benchmark: 127.0.0.1:7101-7103,
// brought up by scripts/redis-cluster/up.sh when nothing answers there.
import { execFile } from "node:child_process";
import { connect } from "node:net";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const run = promisify(execFile);
const UP = fileURLToPath(new URL("../../../scripts/redis-cluster/up.sh", import.meta.url));

export const REDIS_CLUSTER_NODES = [7101, 7102, 7103].map((port) => ({ host: "127.0.0.1", port }));
export const REDIS_CLUSTER_ENV = REDIS_CLUSTER_NODES.map((n) => `${n.host}:${n.port}`).join(",");

let pending: Promise<void> | undefined;

/** Resolves when the cluster is up; runs up.sh (once per process) when it is not. */
export function ensureRedisCluster(): Promise<void> {
  pending ??= (async () => {
    if (await answers(7101)) return;
    try {
      await run(UP, [], { timeout: 90_000 });
    } catch (err) {
      const e = err as { stderr?: string; message: string };
      throw new Error(`could not start the Redis Cluster with ${UP}:\n${e.stderr || e.message}`);
    }
  })();
  return pending;
}

function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    socket.setTimeout(1000);
    socket.once("connect", () => {
      socket.end();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
    socket.once("timeout", () => {
      socket.destroy();
      resolve(false);
    });
  });
}
