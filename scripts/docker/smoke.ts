// `make image-smoke`: runs every target of the chart from the image, each as its own
// container, the way the chart's manifests say (rendered with helm, then mirrored into
// `docker run`: command and args, env from the ConfigMap and Secrets, the security
// context as --read-only/--user/--cap-drop/no-new-privileges, the /tmp emptyDir as a
// tmpfs, the resource limits), against the local Cassandra, NATS and Redis with
// --network host. It runs the migration Job first, checks that a container with a bad
// configuration exits at once naming the variable, waits on each container's readiness
// probe (gRPC health over h2c, the gateway's /readyz), then walks the REST API through
// the gateway container. Everything it starts is removed, and its keyspace, streams and
// keys dropped, also on failure; on failure each container's last log lines are shown.
//   CHIRP_IMAGE=chirp:dev  CHIRP_IMAGE_MAX_MB=250  CHIRP_SMOKE_TIMEOUT=300 (seconds, whole run)
//   CHIRP_SMOKE_CHART=charts/chirp  CHIRP_SMOKE_KEEP=1 (leave the containers for a look)
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import net, { type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { generateKeyPairSync } from "node:crypto";
import { readConfig } from "../../services/runtime/config.js";
import { dropClusterData } from "../../services/testing/cleanup.js";
import { TARGET_NAMES } from "../../services/targets.js";
import { Containers } from "./containers.js";
import { component, environment, render, runFlags, type Chart } from "./pod-spec.js";
import { ready } from "./probe.js";
import { must, run, sleep } from "./proc.js";
import { walk } from "./rest-walk.js";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const IMAGE = process.env.CHIRP_IMAGE ?? "chirp:dev";
const MAX_MB = Number(process.env.CHIRP_IMAGE_MAX_MB ?? 250);
const CHART = resolve(ROOT, process.env.CHIRP_SMOKE_CHART ?? "charts/chirp");
const HELM = process.env.CHIRP_HELM ?? join(ROOT, ".tools/bin/helm");
const TOTAL_MS = Number(process.env.CHIRP_SMOKE_TIMEOUT ?? 300) * 1000;
const START_MS = 120_000;

// A unique name for everything this run owns: containers, keyspace, stream and key prefixes.
const ID = `${Date.now().toString(36)}${process.pid.toString(36)}`.toLowerCase();
const FULLNAME = `smoke-${ID}`;
const NAMESPACE = "chirp-smoke";
const LABEL = `chirp-smoke=${ID}`;
const t0 = Date.now();
const CHART_OPTS: Chart = { helm: HELM, chart: CHART, release: FULLNAME, namespace: NAMESPACE };

const log = (msg: string) => console.log(`image-smoke [${((Date.now() - t0) / 1000).toFixed(1)}s] ${msg}`);
let containers: Containers | undefined;

async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: n }, () => new Promise<net.Server>((ok, fail) => {
      const s = net.createServer();
      s.once("error", fail);
      s.listen(0, "127.0.0.1", () => ok(s));
    })),
  );
  const ports = servers.map((s) => (s.address() as AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}

let clusterEnv: Record<string, string> | undefined;
let failed = false;

async function main(): Promise<void> {
  // An engine (reused, or started as `make image` does); its error names what is missing.
  const engine = await run(join(ROOT, "scripts/docker/engine.sh"), ["up"], { timeoutMs: 180_000 });
  if (engine.code !== 0) throw new Error(`no Docker engine: ${(engine.stderr || engine.stdout).trim() || `engine.sh up ${engine.code === null ? "timed out" : `exited ${engine.code}`}`}`);
  // The image, and its size.
  const inspect = await run("docker", ["image", "inspect", "--format", "{{.Size}}", IMAGE], { timeoutMs: 15_000 });
  if (inspect.code !== 0) throw new Error(`image ${IMAGE} not found (make image builds it): ${inspect.stderr.trim()}`);
  const mb = Number(inspect.stdout.trim()) / 1e6;
  log(`image ${IMAGE}: ${mb.toFixed(0)} MB (limit ${MAX_MB} MB)`);
  if (!(mb < MAX_MB)) throw new Error(`image ${IMAGE} is ${mb.toFixed(0)} MB, over the ${MAX_MB} MB limit`);

  // The backends the containers use (make deps-up starts them).
  const backends = {
    cassandra: (process.env.CHIRP_CASSANDRA_CONTACT_POINTS ?? "127.0.0.1:9042").split(",")[0]!.trim(),
    nats: process.env.CHIRP_NATS_URL ?? "nats://127.0.0.1:4222",
    redis: process.env.CHIRP_REDIS_URL ?? "redis://127.0.0.1:6379",
  };

  // Render once for the list of workloads, then again with a free port for each.
  const keys = mkdtempSync(join(tmpdir(), "chirp-smoke-"));
  try {
    const pair = generateKeyPairSync("ed25519");
    writeFileSync(join(keys, "jwt.key"), pair.privateKey.export({ type: "pkcs8", format: "pem" }));
    writeFileSync(join(keys, "jwt.pub"), pair.publicKey.export({ type: "spki", format: "pem" }));
    const base = [
      `fullnameOverride=${FULLNAME}`,
      `image.repository=${IMAGE.slice(0, IMAGE.lastIndexOf(":"))}`,
      `image.tag=${IMAGE.slice(IMAGE.lastIndexOf(":") + 1)}`,
      `cassandra.contactPoints={${backends.cassandra}}`,
      `cassandra.keyspace=chirp_smoke_${ID}`,
      "cassandra.replication=SimpleStrategy:1",
      `nats.url=${backends.nats}`,
      `nats.prefix=smoke_${ID}.`,
      `redis.url=${backends.redis}`,
      `redis.prefix=chirp-smoke-${ID}:`,
    ];
    const files = [`jwt.privateKey=${join(keys, "jwt.key")}`, `jwt.publicKey=${join(keys, "jwt.pub")}`];
    const first = await render(CHART_OPTS, base, files);
    const roles = first.docs.filter((d) => d.kind === "Deployment" || d.kind === "StatefulSet").map(component);
    const missing = TARGET_NAMES.filter((t) => !roles.includes(t));
    if (missing.length) throw new Error(`the chart has no workload for the target(s) ${missing.join(", ")} of services/targets.ts`);
    const ports = await freePorts(roles.length);
    const portOf = new Map(roles.map((t, i) => [t, ports[i]!]));
    const r = await render(
      CHART_OPTS,
      [...base, ...roles.flatMap((t) => (t === "gateway" ? [`gateway.port=${portOf.get(t)}`] : [`${t}.port=${portOf.get(t)}`, `${t}.service.port=${portOf.get(t)}`]))],
      files,
    );
    const workloads = r.docs.filter((d) => d.kind === "Deployment" || d.kind === "StatefulSet");
    const config = r.configMaps.get(FULLNAME);
    if (!config) throw new Error(`the chart renders no ConfigMap ${FULLNAME}`);
    clusterEnv = config;
    // Service names resolve to loopback, where --network host puts every container's port.
    const hosts = [...new Set(Object.entries(config).filter(([k]) => /^CHIRP_[A-Z]+_ADDR$/.test(k)).map(([, v]) => new URL(v).hostname))];
    const cs = new Containers(IMAGE, LABEL, NAMESPACE, hosts);
    containers = cs;
    log(`${workloads.length} workloads in the chart: ${workloads.map((d) => `${component(d)}:${portOf.get(component(d))}`).join(" ")}; keyspace chirp_smoke_${ID}`);

    // A container with a bad configuration exits at once, naming the variable.
    const user = workloads.find((d) => component(d) === "user");
    if (!user) throw new Error("the chart has no user workload");
    const userPod = user.spec!.template!.spec;
    const userC = userPod.containers[0]!;
    const badCases: Array<{ name: string; why: string; edit(env: Record<string, string>): void; expect: string }> = [
      { name: "nokeys", why: "without its token keys", edit: (e) => { delete e.CHIRP_JWT_PRIVATE_KEY; delete e.CHIRP_JWT_PUBLIC_KEY; }, expect: "CHIRP_JWT_PUBLIC_KEY" },
      { name: "badvar", why: "with CHIRP_CASSANDRA_CONSISTENCY=SOMETIMES", edit: (e) => { e.CHIRP_CASSANDRA_CONSISTENCY = "SOMETIMES"; }, expect: "CHIRP_CASSANDRA_CONSISTENCY" },
    ];
    const badConfigs = Promise.all(
      badCases.map(async (b) => {
        const env = environment(r, userC, `${user.metadata.name}-0`, NAMESPACE);
        b.edit(env);
        const name = `${FULLNAME}-bad-${b.name}`;
        const t = Date.now();
        await cs.start(name, `user ${b.why}`, userPod, userC, env);
        const code = await cs.waitExit(name, 20_000);
        const out = await cs.logs(name, 40);
        if (code === 0) throw new Error(`the user container ${b.why} exited with 0:\n${out}`);
        if (!out.includes(b.expect)) throw new Error(`the user container ${b.why} exited (${code}) without naming ${b.expect}:\n${out}`);
        const line = out.split("\n").find((l) => l.includes(b.expect))!.trim().slice(0, 160);
        log(`user container ${b.why}: exited ${code} after ${((Date.now() - t) / 1000).toFixed(1)}s: ${line}`);
        await cs.remove(name);
      }),
    );

    badConfigs.catch(() => {}); // awaited below; a failure meanwhile must not go unhandled
    // The migration Job, as the chart's pre-install hook runs it (meanwhile the bad configurations).
    const jobs = r.docs.filter((d) => d.kind === "Job" && component(d) === "migrate");
    if (!jobs.length) throw new Error("the chart renders no migration Job");
    for (const job of jobs) {
      const t = Date.now();
      await cs.runJob(r, job, 120_000);
      log(`migration Job ${job.metadata.name}: done in ${((Date.now() - t) / 1000).toFixed(1)}s`);
    }
    await badConfigs;

    const gwDoc = workloads.find((d) => component(d) === "gateway");
    if (gwDoc) {
      const pod = gwDoc.spec!.template!.spec;
      log(`the gateway runs as: docker run ${["--network", "host", ...runFlags(pod, pod.containers[0]!)].join(" ")} ${IMAGE} ${(pod.containers[0]!.args ?? []).join(" ")}`);
    }
    // Every workload's pod: its init containers, then its container, all at once.
    const pods = await Promise.all(
      workloads.map(async (d) => {
        const pod = d.spec!.template!.spec;
        const podName = d.kind === "StatefulSet" ? `${d.metadata.name}-0` : `${d.metadata.name}-smoke`;
        await cs.runInit(r, d, pod, podName, START_MS);
        if (pod.containers.length !== 1) throw new Error(`${d.metadata.name}: ${pod.containers.length} containers, expected 1`);
        const c = pod.containers[0]!;
        if (!c.readinessProbe) throw new Error(`${d.metadata.name}: no readiness probe`);
        await cs.start(d.metadata.name, component(d), pod, c, environment(r, c, podName, NAMESPACE));
        return { name: d.metadata.name, role: component(d), probe: c.readinessProbe, since: Date.now() };
      }),
    );

    // Each one's readiness probe, until all pass; a container that exits fails at once.
    const deadline = Date.now() + START_MS;
    const waiting = new Map(pods.map((p) => [p, "not probed yet" as string | undefined]));
    for (;;) {
      for (const p of pods) {
        if (waiting.get(p) === undefined) continue;
        const s = await cs.state(p.name);
        if (s.status !== "running") throw new Error(`${p.role} container ${p.name} ${s.status} (exit ${s.exitCode}) during start-up`);
        const why = await ready(p.probe);
        waiting.set(p, why);
        if (why === undefined) log(`${p.role} ready in ${((Date.now() - p.since) / 1000).toFixed(1)}s (${p.probe.grpc ? `gRPC health on ${p.probe.grpc.port}` : `GET ${p.probe.httpGet!.path} on ${p.probe.httpGet!.port}`})`);
      }
      const left = [...waiting].filter(([, w]) => w !== undefined);
      if (!left.length) break;
      if (Date.now() > deadline) throw new Error(`not ready after ${START_MS / 1000}s: ${left.map(([p, w]) => `${p.role} (${w})`).join(", ")}`);
      await sleep(300);
    }

    const gw = pods.find((p) => p.role === "gateway");
    if (!gw?.probe.httpGet) throw new Error("the chart has no gateway workload with an HTTP probe");
    log(await walk(gw.probe.httpGet.port, ID));

    // Still running after the walk: nothing crashed along the way.
    for (const p of pods) {
      const s = await cs.state(p.name);
      if (s.status !== "running") throw new Error(`${p.role} container ${p.name} ${s.status} (exit ${s.exitCode}) after the walk`);
    }

    // SIGTERM, as the kubelet stops a pod: each exits by itself, with 0, within its grace period.
    const t = Date.now();
    await Promise.all(
      pods.map(async (p) => {
        const grace = workloads.find((d) => d.metadata.name === p.name)!.spec!.template!.spec.terminationGracePeriodSeconds ?? 30;
        await must("docker", ["stop", "--time", String(grace), p.name], `docker stop ${p.name}`, { timeoutMs: (grace + 15) * 1000 });
        const s = await cs.state(p.name);
        if (s.exitCode !== 0) throw new Error(`${p.role} container ${p.name} exited with ${s.exitCode} on SIGTERM (137: killed after the ${grace}s grace period)`);
      }),
    );
    log(`all ${pods.length} containers exited 0 on SIGTERM within ${((Date.now() - t) / 1000).toFixed(1)}s`);
  } finally {
    rmSync(keys, { recursive: true, force: true });
  }
}

async function cleanup(): Promise<void> {
  const cs = containers ?? new Containers(IMAGE, LABEL, NAMESPACE, []);
  if (failed) {
    for (const c of cs.started) {
      const out = await cs.logs(c.name, 30).catch(() => "");
      if (!out) continue;
      console.error(`--- last lines of ${c.name} (${c.role}) ---`);
      console.error(out.split("\n").map((l) => `  | ${l.slice(0, 400)}`).join("\n"));
    }
  }
  if (process.env.CHIRP_SMOKE_KEEP === "1") {
    log(`CHIRP_SMOKE_KEEP=1: containers left as they are (docker rm -f $(docker ps -aq --filter label=${LABEL}))`);
    return;
  }
  const removed = await cs.removeAll().catch((err: Error) => {
    console.error(`image-smoke: ${err.message}`);
    return 0;
  });
  if (clusterEnv) {
    const env = { ...clusterEnv };
    // The containers' service names mean nothing here; only the backends matter.
    for (const k of Object.keys(env)) if (/^CHIRP_[A-Z]+_ADDR$/.test(k)) delete env[k];
    await Promise.race([dropClusterData(readConfig(env)), sleep(20_000).then(() => Promise.reject(new Error("timed out")))]).catch((err) =>
      console.error(`image-smoke: dropping keyspace/streams/keys failed: ${(err as Error).message}`),
    );
  }
  log(`removed ${removed} containers${clusterEnv ? ", the keyspace, streams and keys" : ""}`);
}

let cleaning: Promise<void> | undefined;
const finish = async (code: number): Promise<never> => {
  cleaning ??= cleanup().catch((err) => console.error(`image-smoke: cleanup failed: ${(err as Error).message}`));
  await Promise.race([cleaning, sleep(90_000)]);
  process.exit(code);
};
for (const sig of ["SIGINT", "SIGTERM"] as const) {
  process.on(sig, () => {
    console.error(`image-smoke: ${sig}, cleaning up`);
    failed = true;
    void finish(130);
  });
}
setTimeout(() => {
  console.error(`image-smoke: FAILED: not done after ${TOTAL_MS / 1000}s`);
  failed = true;
  void finish(1);
}, TOTAL_MS).unref();

main().then(
  async () => {
    if (cleaning) return;
    log("PASSED");
    await finish(0);
  },
  async (err: unknown) => {
    // After a timeout or a signal, what main() trips over next is a consequence, not news.
    if (cleaning) return;
    failed = true;
    console.error(`image-smoke: FAILED: ${err instanceof Error ? err.message : String(err)}`);
    await finish(1);
  },
);
