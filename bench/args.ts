// Options of the per-service benchmarks (node's parseArgs, every option a
// --name=value with a default): --help prints the usage, and an unknown or
// malformed option is answered with the usage (exit 2) instead of a stack
// trace or a silently ignored typo.
import { parseArgs } from "node:util";

export interface BenchArgs<K extends string> {
  string(name: K): string;
  /** A positive integer. */
  int(name: K): number;
  /** Comma-separated positive integers (empty: none). */
  ints(name: K): number[];
  /** Comma-separated names, each one of `allowed`. */
  choices<C extends string>(name: K, allowed: readonly C[]): C[];
  /** The `mode` option: embedded or cluster. */
  mode(): "embedded" | "cluster";
}

export function benchArgs<K extends string>(usage: string, defaults: Record<K, string>, argv = process.argv.slice(2)): BenchArgs<K> {
  const refuse = (message: string): never => {
    process.stderr.write(`${message}\n\n${usage}`);
    process.exit(2);
  };
  const options = Object.fromEntries(Object.entries<string>(defaults).map(([k, v]) => [k, { type: "string" as const, default: v }]));
  let values: Record<string, string | boolean | undefined> = {};
  try {
    ({ values } = parseArgs({ args: argv, options: { ...options, help: { type: "boolean", short: "h" } }, strict: true, allowPositionals: false }));
  } catch (err) {
    refuse((err as Error).message);
  }
  if (values.help) {
    process.stdout.write(usage);
    process.exit(0);
  }
  const string = (name: K) => values[name] as string;
  const positive = (name: K, text: string) => {
    const n = Number(text);
    return Number.isInteger(n) && n > 0 ? n : refuse(`--${name} must be a positive integer, got '${text}'`);
  };
  return {
    string,
    int: (name) => positive(name, string(name)),
    ints: (name) =>
      string(name)
        .split(",")
        .map((t) => t.trim())
        .filter(Boolean)
        .map((t) => positive(name, t)),
    choices: <C extends string>(name: K, allowed: readonly C[]) =>
      string(name)
        .split(",")
        .map((t) => t.trim())
        .filter(Boolean)
        .map((t) => (allowed.includes(t as C) ? (t as C) : refuse(`--${name}: '${t}' is not one of ${allowed.join(", ")}`))),
    mode: () => {
      const m = values.mode;
      return m === "embedded" || m === "cluster" ? m : refuse(`--mode must be embedded or cluster, got '${String(m)}'`);
    },
  };
}
