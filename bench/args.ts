// Options of the per-service benchmarks (node's parseArgs, every option a
// --name=value with a default, checked as the mesh benchmark's options.ts
// checks its own): --help prints the usage, and an unknown or malformed
// option is answered with the usage (exit 2) instead of a stack trace or a
// silently ignored typo.
import { parseArgs } from "node:util";
import { list, num } from "./options.js";

export interface BenchArgs<K extends string> {
  string(name: K): string;
  /** A number, at least 1. */
  num(name: K): number;
  /** Comma-separated numbers, each at least 1 (empty: none). */
  nums(name: K): number[];
  /** Comma-separated names, each one of `allowed`. */
  choices<C extends string>(name: K, allowed: readonly C[]): C[];
  /** One of `allowed`. */
  choice<C extends string>(name: K, allowed: readonly C[]): C;
  /** The `mode` option: embedded or cluster. */
  mode(): "embedded" | "cluster";
}

export function benchArgs<K extends string>(usage: string, defaults: Record<K, string>, argv = process.argv.slice(2)): BenchArgs<K> {
  const refuse = (message: string): never => {
    process.stderr.write(`${message}\n\n${usage}`);
    process.exit(2);
  };
  const checked = <T>(read: () => T): T => {
    try {
      return read();
    } catch (err) {
      return refuse((err as Error).message);
    }
  };
  const options = Object.fromEntries(Object.entries<string>(defaults).map(([k, v]) => [k, { type: "string" as const, default: v }]));
  const { values }: { values: Record<string, string | boolean | undefined> } = checked(() =>
    parseArgs({ args: argv, options: { ...options, help: { type: "boolean", short: "h" } }, strict: true, allowPositionals: false }),
  );
  if (values.help) {
    process.stdout.write(usage);
    process.exit(0);
  }
  const string = (name: K) => values[name] as string;
  const choice = <C extends string>(name: K, allowed: readonly C[]): C => {
    const v = string(name);
    return (allowed as readonly string[]).includes(v) ? (v as C) : refuse(`--${name}: ${allowed.join(" or ")}, got '${v}'`);
  };
  return {
    string,
    num: (name) => checked(() => num(name, string(name), NaN, 1)),
    nums: (name) => checked(() => string(name).split(",").filter((t) => t.trim() !== "").map((t) => num(name, t.trim(), NaN, 1))),
    choices: (name, allowed) => checked(() => list(name, string(name), [], allowed)),
    choice,
    mode: () => choice("mode" as K, ["embedded", "cluster"]),
  };
}
