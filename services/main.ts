// Chirp's one entry point. `--target=all` (the default) runs every service,
// the fan-out worker and the gateway in one process; `--target=user` (or a
// comma list) runs just those, the way each Kubernetes Deployment does.
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { ConfigError } from "./kit/config.js";
import { readConfig } from "./runtime/config.js";
import { createRuntime, type Runtime } from "./runtime/runtime.js";
import type { Started } from "./runtime/service.js";

const MODULES = {
  user: "./user/target.js",
  graph: "./graph/target.js",
  tweet: "./tweet/target.js",
  timeline: "./timeline/target.js",
  fanout: "./timeline/fanout-target.js",
  gateway: "./gateway/target.js",
} as const;
type Target = keyof typeof MODULES;
const ALL = Object.keys(MODULES) as Target[];

function available(t: Target): boolean {
  const path = fileURLToPath(new URL(MODULES[t], import.meta.url));
  return existsSync(path) || existsSync(path.replace(/\.js$/, ".ts"));
}

function parseTargets(argv: string[]): { targets: Target[]; all: boolean } {
  const arg = argv.find((a) => a.startsWith("--target="))?.slice("--target=".length) ?? "all";
  if (arg === "all") return { targets: ALL.filter(available), all: true };
  const wanted = arg.split(",").map((s) => s.trim());
  const unknown = wanted.filter((w) => !(w in MODULES));
  if (unknown.length) throw new ConfigError(`--target: unknown target(s) ${unknown.join(", ")}; choose from all, ${ALL.join(", ")}`);
  const missing = (wanted as Target[]).filter((t) => !available(t));
  if (missing.length) throw new ConfigError(`--target: not built yet: ${missing.join(", ")}`);
  return { targets: wanted as Target[], all: false };
}

async function main(): Promise<void> {
  let rt: Runtime;
  let targets: Target[];
  let all: boolean;
  try {
    ({ targets, all } = parseTargets(process.argv.slice(2)));
    rt = await createRuntime(readConfig());
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(2);
    }
    throw err;
  }
  const started: Started[] = [];
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    rt.logger.info({ signal }, "shutting down");
    // Gateway first, backends' clients last: in-flight calls can finish.
    for (const s of started.reverse()) await s.stop().catch((err) => rt.logger.warn({ err, target: s.name }, "stop failed"));
    await rt.close();
    process.exit(0);
  };
  process.once("SIGTERM", () => void stop("SIGTERM"));
  process.once("SIGINT", () => void stop("SIGINT"));
  try {
    for (const t of targets) {
      const mod = (await import(MODULES[t])) as { start(rt: Runtime): Promise<Started> };
      started.push(await mod.start(rt));
    }
  } catch (err) {
    rt.logger.fatal({ err }, "start-up failed");
    await stop("start-up failure");
    process.exit(1);
  }
  const lines = started.map((s) => `  ${s.name.padEnd(9)} ${s.url ?? ""}`);
  const notYet = all ? ALL.filter((t) => !targets.includes(t)) : [];
  console.log(
    [
      `Chirp is running (${rt.config.mode} mode${rt.config.mode === "embedded" ? `, data in ${rt.config.dataDir}` : ""}):`,
      ...lines,
      ...(notYet.length ? [`  not built yet: ${notYet.join(", ")}`] : []),
      "Stop with Ctrl-C.",
    ].join("\n"),
  );
}

await main();
