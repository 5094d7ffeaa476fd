// A baseline server in a process of its own (so the load generator's work is
// not counted as its own), logging to a file; stop() is SIGTERM, then SIGKILL.
import { spawn } from "node:child_process";
import { closeSync, openSync } from "node:fs";

export interface BaselineChild {
  pid: number;
  exited(): boolean;
  stop(): Promise<void>;
}

export function spawnBaseline(o: { repoRoot: string; script: string; env: Record<string, string>; logFile: string }): BaselineChild {
  const fd = openSync(o.logFile, "a");
  const child = spawn(process.execPath, ["--import", "tsx", o.script], { cwd: o.repoRoot, env: { ...process.env, ...o.env }, stdio: ["ignore", fd, fd] });
  closeSync(fd);
  let exited = false;
  child.on("exit", () => (exited = true));
  return {
    pid: child.pid ?? -1,
    exited: () => exited,
    stop: () =>
      new Promise<void>((resolve) => {
        if (exited) return resolve();
        const force = setTimeout(() => child.kill("SIGKILL"), 5000);
        child.once("exit", () => {
          clearTimeout(force);
          resolve();
        });
        child.kill("SIGTERM");
      }),
  };
}
