// `make run-cluster`: the whole mesh as one process per target against the
// local backends (make deps-up), the way Kubernetes runs it. Logs go to
// .deps/mesh/<target>.log; Ctrl-C stops every process.
import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { loadOrCreateKeyPair } from "../../services/kit/keys.js";

const root = join(dirname(new URL(import.meta.url).pathname), "../..");
const dir = join(root, ".deps/mesh");
mkdirSync(dir, { recursive: true });
const keys = await loadOrCreateKeyPair(join(dir, "keys"));

// Ids are minted by user, graph and tweet: each gets its own worker id.
const targets: Array<[name: string, workerId: number]> = [
  ["user", 1],
  ["graph", 2],
  ["tweet", 3],
  ["timeline", 4],
  ["fanout", 5],
  ["gateway", 6],
];
const env = {
  ...process.env,
  CHIRP_MODE: "cluster",
  CHIRP_JWT_PUBLIC_KEY: keys.publicKeyPem,
  CHIRP_JWT_PRIVATE_KEY: keys.privateKeyPem,
};

function run(args: string[], extra: Record<string, string>, log: string): ChildProcess {
  const out = createWriteStream(join(dir, log));
  const child = spawn(process.execPath, ["--import", "tsx", join(root, "services/main.ts"), ...args], {
    env: { ...env, ...extra },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout!.pipe(out);
  child.stderr!.pipe(out);
  return child;
}

// Migrate once, before the services start (they do not migrate themselves here).
const migrate = spawn(process.execPath, ["--import", "tsx", join(root, "services/platform/cassandra/migrate-main.ts")], {
  env,
  stdio: "inherit",
});
const code = await new Promise<number>((r) => migrate.on("exit", (c) => r(c ?? 1)));
if (code !== 0) {
  console.error("migrations failed; is Cassandra up? (make deps-up)");
  process.exit(code);
}

const children = targets.map(([name, workerId]) => ({
  name,
  child: run([`--target=${name}`], { CHIRP_WORKER_ID: String(workerId) }, `${name}.log`),
}));
let stopping = false;
const stopAll = (why: string) => {
  if (stopping) return;
  stopping = true;
  console.log(`stopping the mesh (${why})`);
  for (const { child } of children) child.kill("SIGTERM");
};
for (const { name, child } of children) {
  child.on("exit", (c, sig) => {
    if (!stopping) {
      console.error(`${name} exited (${sig ?? c}); see .deps/mesh/${name}.log`);
      stopAll(`${name} exited`);
    }
    if (children.every((x) => x.child.exitCode !== null || x.child.signalCode !== null)) process.exit(stopping ? 0 : 1);
  });
}
process.on("SIGINT", () => stopAll("SIGINT"));
process.on("SIGTERM", () => stopAll("SIGTERM"));

const gateway = `http://127.0.0.1:${process.env.CHIRP_GATEWAY_PORT ?? 8080}`;
const until = Date.now() + 60_000;
for (;;) {
  const ready = await fetch(`${gateway}/readyz`).then((r) => r.ok, () => false);
  if (ready) break;
  if (stopping) process.exit(1);
  if (Date.now() > until) {
    console.error("the mesh did not become ready within 60 s; see .deps/mesh/*.log");
    stopAll("not ready");
    break;
  }
  await new Promise((r) => setTimeout(r, 500));
}
if (!stopping) {
  console.log(
    [
      "Chirp mesh is running (cluster mode, one process per target):",
      ...children.map(({ name, child }) => `  ${name.padEnd(9)} pid ${child.pid}  log .deps/mesh/${name}.log`),
      `  REST: ${gateway}  (docs: ${gateway}/docs)`,
      "Stop with Ctrl-C.",
    ].join("\n"),
  );
}
