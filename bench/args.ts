// Options of the per-service benchmarks (node's parseArgs): --help prints the
// usage, and an unknown or malformed option is answered with the usage
// instead of a stack trace.
import { parseArgs } from "node:util";

type StringOptions = Record<string, { type: "string"; default: string }>;

export function benchArgs<T extends StringOptions>(usage: string, options: T, argv = process.argv.slice(2)): { [K in keyof T]: string } {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({ args: argv, options: { ...options, help: { type: "boolean", short: "h" } }, strict: true, allowPositionals: false }));
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n\n${usage}`);
    process.exit(2);
  }
  if (values.help) {
    process.stdout.write(usage);
    process.exit(0);
  }
  return values as { [K in keyof T]: string };
}
