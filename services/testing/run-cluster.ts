// `make run-cluster`: the whole mesh as one process per target against the
// local backends (make deps-up), the way Kubernetes runs it. Logs go to
// .deps/mesh/<target>.log; Ctrl-C stops every process. The spawning is in
// processes.ts, which the test harness uses too.
import { join } from "node:path";
import { loadOrCreateKeyPair } from "../kit/keys.js";
import { createLogger } from "../kit/logger.js";
import { readConfig } from "../runtime/config.js";
import { ROOT, spawnMesh, type Mesh } from "./processes.js";

const dir = join(ROOT, ".deps/mesh");
const keys = await loadOrCreateKeyPair(join(dir, "keys"));

let stopping = false;
let failed = false;
let mesh: Mesh;
try {
  // Ports and addresses as the environment says (CHIRP_GATEWAY_PORT, CHIRP_USER_ADDR, …), else the defaults.
  const { ports, addrs } = readConfig({ ...process.env, CHIRP_MODE: "cluster" });
  mesh = await spawnMesh({
    keys,
    logDir: dir,
    ports,
    addrs,
    migrate: createLogger({ name: "migrate", level: process.env.CHIRP_LOG_LEVEL ?? "info" }),
    onExit: (p) => {
      console.error(`${p.name} exited (${p.exit}); see .deps/mesh/${p.name}.log`);
      failed = true;
      void stopAll(`${p.name} exited`);
    },
  });
} catch (err) {
  console.error((err as Error).message);
  process.exit(1);
}

async function stopAll(why: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  console.log(`stopping the mesh (${why})`);
  await mesh.stop();
  process.exit(failed ? 1 : 0);
}
process.on("SIGINT", () => void stopAll("SIGINT"));
process.on("SIGTERM", () => void stopAll("SIGTERM"));

try {
  await mesh.ready(60_000);
  console.log(
    [
      "Chirp mesh is running (cluster mode, one process per target):",
      ...mesh.procs.map((p) => `  ${p.name.padEnd(12)} pid ${p.pid}  log .deps/mesh/${p.name}.log`),
      `  REST: ${mesh.gatewayUrl}  (docs: ${mesh.gatewayUrl}/docs)`,
      "Stop with Ctrl-C.",
    ].join("\n"),
  );
} catch (err) {
  if (!stopping) {
    console.error((err as Error).message);
    failed = true;
    await stopAll("not ready");
  }
}
