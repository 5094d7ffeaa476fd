// The mesh launcher's failure reports (the whole mesh coming up is covered by
// the REST end-to-end tests' mesh mode): a target that dies during start-up
// and one that never gets ready both fail with the tail of that target's log.
// One light child process each, no backends.
import { appendFileSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import test from "ava";
import { generateKeyPairPem } from "../kit/keys.js";
import { freeMeshPorts, logTail, startMesh, type MeshOptions } from "./processes.js";

const dir = mkdtempSync(join(tmpdir(), "chirp-mesh-test-"));
test.after.always(() => rmSync(dir, { recursive: true, force: true }));
const keys = generateKeyPairPem();
const base = async (name: string): Promise<MeshOptions> => ({
  keys: await keys,
  logDir: join(dir, name),
  ports: await freeMeshPorts(),
  baseEnv: Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("CHIRP_"))),
  migrate: false,
  stopGraceMs: 2000,
});

test("logTail: the last lines, or why there are none", (t) => {
  const file = join(dir, "tail.log");
  appendFileSync(file, Array.from({ length: 50 }, (_, i) => `line ${i}`).join("\n") + "\n");
  t.is(logTail(file, 3), "line 47\nline 48\nline 49");
  t.regex(logTail(join(dir, "missing.log")), /cannot read .*missing\.log/);
});

test("a target that exits during start-up fails it at once, with its log's last lines", async (t) => {
  const started = Date.now();
  const err = await t.throwsAsync(
    startMesh({ ...(await base("exits")), targets: ["user"], targetEnv: { user: { CHIRP_WORKER_ID: "99999" } }, startTimeoutMs: 30_000 }),
  );
  t.regex(err!.message, /mesh: user exited \(code 2\) during start-up/);
  t.regex(err!.message, /last lines of .*user\.log/);
  t.regex(err!.message, /CHIRP_WORKER_ID: .*\(got "99999"\)/, "the child's own complaint is in the error");
  t.true(Date.now() - started < 25_000, "without waiting for the timeout");
});

test("a target that never gets ready times out naming what it saw, with its log's last lines", async (t) => {
  // A gateway alone (embedded mode: no backends) never gets ready: its services are not there.
  const o = await base("times-out");
  const err = await t.throwsAsync(
    startMesh({ ...o, targets: ["gateway"], env: { CHIRP_MODE: "embedded", CHIRP_DATA_DIR: join(dir, "data") }, startTimeoutMs: 4000 }),
  );
  t.regex(err!.message, /mesh: not ready within 4 s; still waiting for gateway \(/);
  t.regex(err!.message, /last lines of .*gateway\.log/);
});

test("migrations that fail say where, and nothing is spawned", async (t) => {
  const o = await base("no-cassandra");
  const err = await t.throwsAsync(
    startMesh({ ...o, migrate: true, env: { CHIRP_CASSANDRA_CONTACT_POINTS: "127.0.0.1:1", CHIRP_CASSANDRA_KEYSPACE: "t_nowhere" }, startTimeoutMs: 10_000 }),
  );
  t.regex(err!.message, /migrations of keyspace t_nowhere at 127\.0\.0\.1:1 failed .*make deps-up/s);
  t.false(existsSync(join(o.logDir, "user.log")));
});
