// Chirp's one entry point. `--target=all` (the default) runs every target of
// the table (services/targets.ts) in one process; `--target=user` (or a comma
// list) runs just those, the way each Kubernetes Deployment does.
import { ConfigError } from "./kit/config.js";
import { readConfig, type ChirpConfig } from "./runtime/config.js";
import { createRuntime, type Runtime } from "./runtime/runtime.js";
import { checkAddresses, startTargets, type RunningTargets } from "./start-targets.js";
import { isTargetName, TARGET_NAMES, type TargetName } from "./targets.js";

function parseTargets(argv: string[]): TargetName[] {
  const arg = argv.find((a) => a.startsWith("--target="))?.slice("--target=".length) ?? "all";
  if (arg === "all") return TARGET_NAMES;
  const wanted = arg.split(",").map((s) => s.trim());
  const unknown = wanted.filter((w) => !isTargetName(w));
  if (unknown.length) throw new ConfigError(`--target: unknown target(s) ${unknown.join(", ")}; choose from all, ${TARGET_NAMES.join(", ")}`);
  return wanted as TargetName[];
}

async function main(): Promise<void> {
  let rt: Runtime;
  let targets: TargetName[];
  let config: ChirpConfig;
  try {
    targets = parseTargets(process.argv.slice(2));
    config = readConfig();
    checkAddresses(config, targets);
    rt = await createRuntime(config);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(2);
    }
    throw err;
  }
  let running: RunningTargets | undefined;
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    rt.logger.info({ signal }, "shutting down");
    // The gateway first, the backends' clients last: in-flight calls can finish.
    await running?.stop();
    await rt.close();
    process.exit(0);
  };
  process.once("SIGTERM", () => void stop("SIGTERM"));
  process.once("SIGINT", () => void stop("SIGINT"));
  try {
    running = await startTargets(rt, targets);
  } catch (err) {
    rt.logger.fatal({ err }, "start-up failed");
    await rt.close();
    process.exit(1);
  }
  console.log(
    [
      `Chirp is running (${config.mode} mode${config.mode === "embedded" ? `, data in ${config.dataDir}` : ""}):`,
      ...[...running.started.values()].map((s) => `  ${s.name.padEnd(12)} ${s.url ?? ""}`),
      "Stop with Ctrl-C.",
    ].join("\n"),
  );
}

await main();
