// Structured JSON logs (pino). Secrets never go through here: redact the
// usual suspects anyway, in case a request object is logged by mistake.
import { pino, type Logger } from "pino";

export type { Logger };

export function createLogger(opts: { name: string; level: string }): Logger {
  return pino({
    name: opts.name,
    level: opts.level,
    base: { service: opts.name },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    redact: {
      paths: ["password", "*.password", "refreshToken", "*.refreshToken", "authorization", "*.authorization"],
      censor: "[redacted]",
    },
  });
}
