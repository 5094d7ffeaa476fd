// One system per mode, started when a test of the file first asks for it and
// stopped after the file's last test: for test files whose tests share one.
import test from "ava";
import type { Mode } from "./runtime.js";

export function perMode<T extends { stop(): Promise<void> }>(start: (mode: Mode) => Promise<T>): (mode: Mode) => Promise<T> {
  const started = new Map<Mode, Promise<T>>();
  test.after.always(async () => {
    for (const s of started.values()) await (await s.catch(() => undefined))?.stop();
  });
  return (mode) => {
    let s = started.get(mode);
    if (!s) {
      s = start(mode);
      started.set(mode, s);
    }
    return s;
  };
}
