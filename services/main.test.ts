// services/main.ts as a user runs it: the all-in-one on ports of one's own
// choosing becomes ready, and a cluster-mode target that calls a service of
// another process without its address stops at start-up, naming the variable.
import test from "ava";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { eventually } from "./testing/eventually.js";
import { freePorts } from "./testing/ports.js";
import { TARGET_NAMES } from "./targets.js";

const MAIN = fileURLToPath(new URL("./main.ts", import.meta.url));
// None of this process's CHIRP_* settings reach the child.
const baseEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("CHIRP_")));

function run(args: string[], env: Record<string, string>) {
  const child = spawn(process.execPath, ["--import", "tsx", MAIN, ...args], { env: { ...baseEnv, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr.on("data", (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { child, exited, output: () => output };
}

test("the all-in-one on other ports than the defaults becomes ready: every target is found where it listens", async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), "chirp-main-"));
  t.teardown(() => rmSync(dataDir, { recursive: true, force: true }));
  const ports = await freePorts(TARGET_NAMES.length);
  const env = Object.fromEntries(TARGET_NAMES.map((name, i) => [`CHIRP_${name.toUpperCase()}_PORT`, String(ports[i])]));
  const p = run(["--target=all"], { ...env, CHIRP_DATA_DIR: dataDir, CHIRP_LOG_LEVEL: "warn" });
  t.teardown(() => void p.child.kill("SIGKILL"));
  const gateway = `http://127.0.0.1:${env.CHIRP_GATEWAY_PORT}`;
  let last = "";
  const ready = await eventually(
    async () => {
      try {
        const res = await fetch(`${gateway}/readyz`);
        last = `${res.status} ${await res.text()}`;
        return res.status === 200;
      } catch (err) {
        last = (err as Error).message;
        return false;
      }
    },
    30_000,
    200,
  );
  t.true(ready, `/readyz: ${last}\n${p.output()}`);
  p.child.kill("SIGTERM");
  t.is(await p.exited, 0, p.output());
});

test("cluster mode: a target that calls services elsewhere without their addresses stops at start-up, naming them", async (t) => {
  const p = run(["--target=timeline"], { CHIRP_MODE: "cluster", CHIRP_JWT_PUBLIC_KEY: "unused", CHIRP_GRAPH_ADDR: "http://graph:50052" });
  t.is(await p.exited, 2);
  t.regex(p.output(), /CHIRP_USER_ADDR: not set; --target=timeline calls the user service/);
  t.regex(p.output(), /CHIRP_TWEET_ADDR: not set/);
  t.notRegex(p.output(), /CHIRP_GRAPH_ADDR/);
});

test("an unknown target is refused with the list of targets", async (t) => {
  const p = run(["--target=nosuch"], {});
  t.is(await p.exited, 2);
  t.regex(p.output(), new RegExp(`unknown target\\(s\\) nosuch; choose from all, ${TARGET_NAMES.join(", ")}`));
});
