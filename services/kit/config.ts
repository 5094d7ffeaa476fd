// Configuration is read from the environment once, at start-up, validated as
// a whole, and passed in. A bad value fails fast with the variable's name.
import { z } from "zod";

export class ConfigError extends Error {
  override name = "ConfigError";
}

export type Env = Record<string, string | undefined>;

/** Parses `env` with a zod object whose keys are variable names. */
export function readEnv<S extends z.ZodObject>(schema: S, env: Env = process.env): z.output<S> {
  // Empty strings count as unset, the way shells and Kubernetes tend to pass them.
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ""));
  const result = schema.safeParse(present);
  if (result.success) return result.data;
  const problems = result.error.issues.map((i) => {
    const name = i.path.join(".") || "(environment)";
    const given = present[name as string];
    return `  ${name}: ${i.message}${given === undefined ? " (not set)" : ` (got ${JSON.stringify(given)})`}`;
  });
  throw new ConfigError(`invalid configuration:\n${problems.join("\n")}`);
}

/** Reusable field types for environment variables. */
export const envs = {
  // 0 asks the OS for a free port (tests).
  port: (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback),
  int: (fallback: number, min: number, max: number) => z.coerce.number().int().min(min).max(max).default(fallback),
  bool: (fallback: boolean) =>
    z
      .enum(["true", "false", "1", "0", "yes", "no"], { message: "expected true or false" })
      .transform((v) => v === "true" || v === "1" || v === "yes")
      .default(fallback),
  url: (fallback: string, protocols: string[]) =>
    z
      .string()
      .default(fallback)
      .refine((v) => URL.canParse(v) && protocols.includes(new URL(v).protocol), {
        message: `expected a URL starting with ${protocols.map((p) => `${p}//`).join(" or ")}`,
      }),
  /** A URL with no default: unset stays undefined. */
  optionalUrl: (protocols: string[]) =>
    z
      .string()
      .optional()
      .refine((v) => v === undefined || (URL.canParse(v) && protocols.includes(new URL(v).protocol)), {
        message: `expected a URL starting with ${protocols.map((p) => `${p}//`).join(" or ")}`,
      }),
  logLevel: () => z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  hostPort: (fallback: string) =>
    z
      .string()
      .default(fallback)
      .refine((v) => /^[A-Za-z0-9.\-[\]:]+:\d{1,5}$/.test(v), { message: "expected host:port" }),
};
