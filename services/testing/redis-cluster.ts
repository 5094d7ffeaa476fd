// The local Redis Cluster for tests and the benchmark: 127.0.0.1:7101-7103,
// brought up (or found healthy) by scripts/redis-cluster/up.sh. Always asking
// the script, not whether a port answers: while another test process is
// forming the cluster its ports answer but its slots are not assigned yet,
// and the script waits its turn on a lock until the cluster is whole.
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const run = promisify(execFile);
const UP = fileURLToPath(new URL("../../scripts/redis-cluster/up.sh", import.meta.url));

export const REDIS_CLUSTER_NODES = [7101, 7102, 7103].map((port) => ({ host: "127.0.0.1", port }));
export const REDIS_CLUSTER_ENV = REDIS_CLUSTER_NODES.map((n) => `${n.host}:${n.port}`).join(",");

let pending: Promise<void> | undefined;

/** Resolves when the cluster is up and formed; runs up.sh once per process. */
export function ensureRedisCluster(): Promise<void> {
  pending ??= (async () => {
    try {
      await run(UP, [], { timeout: 90_000 });
    } catch (err) {
      const e = err as { stderr?: string; message: string };
      throw new Error(`could not start the Redis Cluster with ${UP}:\n${e.stderr || e.message}`);
    }
  })();
  return pending;
}
