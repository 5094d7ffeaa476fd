import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const found = new Map<string, string>();

/**
 * The path of a load generator: $<envVar> when set, else what
 * bench/tools/<name>.sh prints last (it fetches or builds the tool once).
 */
export function toolBinary(name: string, envVar: string): string {
  const known = found.get(name);
  if (known) return known;
  const fromEnv = process.env[envVar];
  if (fromEnv) return found.set(name, fromEnv).get(name)!;
  const script = fileURLToPath(new URL(`./tools/${name}.sh`, import.meta.url));
  const r = spawnSync(script, { stdio: ["ignore", "pipe", "inherit"], encoding: "utf8" });
  if (r.status !== 0) throw new Error(`bench/tools/${name}.sh failed (exit ${r.status}); run it to see why, or set ${envVar}`);
  return found.set(name, r.stdout.trim().split("\n").at(-1)!).get(name)!;
}
