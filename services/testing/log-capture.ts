// A pino logger whose lines a test reads back as objects: what a burst of
// refusals logs, say.
import { Writable } from "node:stream";
import { pino, type Logger } from "pino";

export interface CapturedLog {
  logger: Logger;
  lines: Array<Record<string, unknown>>;
  /** The lines with this message. */
  withMsg(msg: string): Array<Record<string, unknown>>;
}

export function captureLog(level = "info"): CapturedLog {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split("\n")) if (line) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level }, sink), lines, withMsg: (msg) => lines.filter((l) => l.msg === msg) };
}
