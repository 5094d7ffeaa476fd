// The chart's checks, run without a cluster: helm lint --strict, helm template over
// the default, the kind/minikube and a production-like values file, every rendered
// object validated against the Kubernetes 1.33 OpenAPI schemas (kubernetes-models)
// with unknown fields refused (the @kubernetes/client-node type map), and assertions
// on what matters: probes on the gRPC port, the restricted security context,
// resources, labels and selectors, config names, worker ids, hooks, the schema.
import test from "ava";
import { execFile, execFileSync, spawnSync } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import net, { type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { SERVICE_NAMES } from "../../services/runtime/config.js";
import { TARGET_NAMES, type TargetName } from "../../services/targets.js";
import { dumpYaml, loadYaml } from "@kubernetes/client-node";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const CHART = join(ROOT, "charts/chirp");
const HELM = join(ROOT, ".tools/bin/helm");
/** The version whose schemas kubernetes-models 4.5 carries; also passed to helm. */
const KUBE_VERSION = "1.33.1";
const RELEASE = "chirp";
const NAMESPACE = "chirp";
// Every target of the table (services/targets.ts) is a workload of the chart.
const TARGETS = TARGET_NAMES;
type Target = TargetName;
const PORTS: Record<Target, number> = { user: 50051, graph: 50052, tweet: 50053, timeline: 50054, fanout: 50055, discovery: 50056, search: 50057, notification: 50058, gateway: 8080 };

// js-yaml as @kubernetes/client-node itself resolves it (its own dependency).
const yaml = createRequire(fileURLToPath(import.meta.resolve("@kubernetes/client-node")))("js-yaml") as {
  loadAll(s: string): unknown[];
  dump(o: unknown): string;
  load(s: string): unknown;
};

/* eslint-disable @typescript-eslint/no-explicit-any */
type Obj = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> }; [k: string]: any };

// ---------------------------------------------------------------------------
// helm

if (!existsSync(HELM)) execFileSync(join(ROOT, "scripts/helm/install.sh"), { stdio: "inherit" });

const work = mkdtempSync(join(tmpdir(), "chirp-chart-"));
test.after.always(() => rmSync(work, { recursive: true, force: true }));
const keys = generateKeyPairSync("ed25519");
const KEY = join(work, "jwt.key");
const PUB = join(work, "jwt.pub");
writeFileSync(KEY, keys.privateKey.export({ type: "pkcs8", format: "pem" }));
writeFileSync(PUB, keys.publicKey.export({ type: "spki", format: "pem" }));
const withKeys = ["--set-file", `jwt.privateKey=${KEY}`, "--set-file", `jwt.publicKey=${PUB}`];

interface Run {
  status: number;
  stdout: string;
  stderr: string;
}

/** Runs helm without blocking, so the tests' helm calls overlap. */
function helm(args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(HELM, args, { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === "number" ? ((err as { code: number }).code) : 1) : 0;
      resolve({ status: code, stdout, stderr });
    });
  });
}

function template(args: string[], chart = CHART): Promise<Run> {
  return helm(["template", RELEASE, chart, "--namespace", NAMESPACE, "--kube-version", KUBE_VERSION, ...args]);
}

async function render(args: string[]): Promise<Obj[]> {
  const r = await template(args);
  if (r.status !== 0) throw new Error(`helm template ${args.join(" ")} failed:\n${r.stderr}`);
  return yaml.loadAll(r.stdout).filter((d): d is Obj => d !== null && typeof d === "object");
}

const SCENARIOS = {
  default: [] as string[],
  dev: ["-f", join(CHART, "values-dev.yaml"), ...withKeys],
  production: ["-f", join(CHART, "values-production.yaml")],
  // Every optional feature at once: inline keys and credentials, NetworkPolicies,
  // Ingress, a gateway that also speaks gRPC, memory-based autoscaling, per-target env.
  features: [
    ...withKeys,
    "--set", "cassandra.auth.username=chirp,cassandra.auth.password=s3cret",
    "--set", "networkPolicy.enabled=true,ingress.enabled=true,ingress.className=nginx",
    "--set", "gateway.grpc=true,timeline.autoscaling.targetMemoryUtilizationPercentage=80",
    "--set", "timeline.env.CHIRP_TIMELINE_CAP=500",
  ],
};
type Scenario = keyof typeof SCENARIOS;
let rendered: Record<Scenario, Obj[]>;
test.before(async () => {
  rendered = Object.fromEntries(
    await Promise.all(Object.entries(SCENARIOS).map(async ([name, args]) => [name, await render(args)] as const)),
  ) as Record<Scenario, Obj[]>;
});

const find = (objs: Obj[], kind: string, name: string) => objs.find((o) => o.kind === kind && o.metadata.name === name);
const workload = (objs: Obj[], t: Target) =>
  objs.find((o) => (o.kind === "Deployment" || o.kind === "StatefulSet") && o.metadata.name === `${RELEASE}-${t}`);
const chirpContainer = (w: Obj) => w.spec.template.spec.containers[0];

// ---------------------------------------------------------------------------
// schemas

/** Validates against kubernetes-models (types, enums, required fields). */
async function schemaErrors(o: Obj): Promise<string[]> {
  let mod: Record<string, any>;
  try {
    mod = await import(`kubernetes-models/${o.apiVersion}`);
  } catch {
    return [`${o.apiVersion} is not an API group/version of Kubernetes ${KUBE_VERSION}`];
  }
  const Model = mod[o.kind];
  if (typeof Model !== "function") return [`${o.apiVersion} has no kind ${o.kind}`];
  try {
    new Model(o).validate();
    return [];
  } catch (err) {
    return [err instanceof Error ? err.message : String(err)];
  }
}

/** Fields that the typed client-node models do not know: typos such as readinesProbe. */
function unknownFields(o: Obj): string[] {
  const known = yaml.load(dumpYaml(loadYaml(yaml.dump(o))));
  const out: string[] = [];
  const walk = (a: any, b: any, path: string) => {
    if (Array.isArray(a)) a.forEach((x, i) => walk(x, Array.isArray(b) ? b[i] : undefined, `${path}[${i}]`));
    else if (a && typeof a === "object") {
      for (const k of Object.keys(a)) {
        if (!b || typeof b !== "object" || !(k in b)) out.push(`${path}.${k}`);
        else walk(a[k], b[k], `${path}.${k}`);
      }
    }
  };
  walk(o, known, "");
  return out;
}

async function validate(o: Obj): Promise<string[]> {
  return [...(await schemaErrors(o)), ...unknownFields(o).map((f) => `unknown field ${f}`)];
}

// ---------------------------------------------------------------------------

for (const [name, args] of Object.entries(SCENARIOS)) {
  test(`helm lint --strict: ${name}`, async (t) => {
    const r = await helm(["lint", "--strict", CHART, "--namespace", NAMESPACE, "--kube-version", KUBE_VERSION, ...args]);
    t.is(r.status, 0, r.stdout + r.stderr);
    t.regex(r.stdout, /1 chart\(s\) linted, 0 chart\(s\) failed/);
  });

  test(`every object is valid for Kubernetes ${KUBE_VERSION}: ${name}`, async (t) => {
    const objs = rendered[name as Scenario];
    t.true(objs.length > 15);
    const problems: string[] = [];
    for (const o of objs) {
      for (const p of await validate(o)) problems.push(`${o.kind}/${o.metadata.name}: ${p}`);
      if (o.metadata.namespace !== undefined) t.is(o.metadata.namespace, NAMESPACE);
    }
    t.deepEqual(problems, []);
  });
}

test("the validator itself refuses a broken object", async (t) => {
  const d = structuredClone(workload(rendered.default, "gateway")!);
  d.spec.replicas = "two";
  chirpContainer(d).readinesProbe = chirpContainer(d).readinessProbe;
  chirpContainer(d).ports[0].protocol = "TCPX";
  const problems = await validate(d);
  t.true(problems.some((p) => /replicas/.test(p)), problems.join("\n"));
  t.true(problems.some((p) => /protocol/.test(p)), problems.join("\n"));
  t.true(problems.includes("unknown field .spec.template.spec.containers[0].readinesProbe"), problems.join("\n"));
});

// GA group/versions that Kubernetes 1.33 serves for the kinds the chart renders
// (kubernetes-models also carries removed ones such as policy/v1beta1).
const SERVED: Record<string, string[]> = {
  v1: ["ConfigMap", "Secret", "Service", "ServiceAccount", "Pod"],
  "apps/v1": ["Deployment", "StatefulSet"],
  "batch/v1": ["Job"],
  "autoscaling/v2": ["HorizontalPodAutoscaler"],
  "policy/v1": ["PodDisruptionBudget"],
  "networking.k8s.io/v1": ["NetworkPolicy", "Ingress"],
};

test("only GA API versions served by Kubernetes 1.33", (t) => {
  for (const objs of Object.values(rendered)) {
    for (const o of objs) t.true(SERVED[o.apiVersion]?.includes(o.kind) ?? false, `${o.apiVersion} ${o.kind}`);
  }
});

for (const scenario of ["default", "dev", "production", "features"] as const) {
  test(`every target runs with gRPC probes on its port, restricted security and resources: ${scenario}`, (t) => {
    const objs = rendered[scenario];
    for (const target of TARGETS) {
      const w = workload(objs, target);
      if (!t.truthy(w, `no workload for ${target}`)) continue;
      const pod = w!.spec.template.spec;
      const c = chirpContainer(w!);
      t.is(pod.containers.length, 1);
      t.is(c.name, target);
      // The target is chosen by argument; one image for all.
      t.true(JSON.stringify([c.command ?? [], c.args ?? []]).includes(`--target=${target}`), target);
      t.is(c.image, pod.containers[0].image);
      // The port and the probes.
      const port = c.ports.find((p: any) => p.containerPort === PORTS[target]);
      t.truthy(port, `${target} port`);
      t.is(port.name, target === "gateway" ? "http" : "grpc");
      for (const probe of ["startupProbe", "readinessProbe", "livenessProbe"]) {
        const p = c[probe];
        t.truthy(p, `${target} ${probe}`);
        if (target === "gateway" && scenario !== "features") {
          // The gateway's port is HTTP/1.1: /readyz asks every service's grpc.health.v1.
          t.is(p.httpGet.port, PORTS.gateway);
          t.is(p.httpGet.path, probe === "readinessProbe" ? "/readyz" : "/healthz");
          t.is(p.grpc, undefined);
        } else {
          t.deepEqual(p.grpc, { port: PORTS[target] }, `${target} ${probe} is a native gRPC probe on its port`);
          t.is(p.httpGet, undefined);
        }
      }
      // Restricted Pod Security Standard.
      t.true(pod.securityContext.runAsNonRoot);
      t.is(pod.securityContext.seccompProfile.type, "RuntimeDefault");
      t.true(c.securityContext.runAsNonRoot);
      t.true(c.securityContext.runAsUser > 0);
      t.true(c.securityContext.readOnlyRootFilesystem);
      t.false(c.securityContext.allowPrivilegeEscalation);
      t.deepEqual(c.securityContext.capabilities.drop, ["ALL"]);
      t.is(c.securityContext.seccompProfile.type, "RuntimeDefault");
      t.false(pod.automountServiceAccountToken);
      t.false(pod.enableServiceLinks);
      // Resources.
      for (const kind of ["requests", "limits"]) {
        t.truthy(c.resources[kind]?.cpu, `${target} ${kind}.cpu`);
        t.truthy(c.resources[kind]?.memory, `${target} ${kind}.memory`);
      }
      // Config changes roll the pods.
      t.regex(w!.spec.template.metadata.annotations["checksum/config"], /^[0-9a-f]{64}$/);
      t.regex(w!.spec.template.metadata.annotations["checksum/secret"], /^[0-9a-f]{64}$/);
      t.is(pod.serviceAccountName, RELEASE);
    }
  });

  test(`labels and selectors match, Services expose a port named grpc: ${scenario}`, (t) => {
    const objs = rendered[scenario];
    for (const o of objs) {
      const l = o.metadata.labels ?? {};
      for (const k of ["app.kubernetes.io/name", "app.kubernetes.io/instance", "app.kubernetes.io/managed-by", "helm.sh/chart"]) {
        t.truthy(l[k], `${o.kind}/${o.metadata.name} has ${k}`);
      }
    }
    for (const target of TARGETS) {
      const w = workload(objs, target)!;
      const selector = w.spec.selector.matchLabels;
      // Selectors are immutable: only the stable labels, never version or chart.
      t.deepEqual(selector, { "app.kubernetes.io/name": "chirp", "app.kubernetes.io/instance": RELEASE, "app.kubernetes.io/component": target });
      const podLabels = w.spec.template.metadata.labels;
      for (const [k, v] of Object.entries(selector)) t.is(podLabels[k], v, `${target} pod label ${k}`);
      t.is(podLabels["app.kubernetes.io/version"], w.metadata.labels?.["app.kubernetes.io/version"]);

      const svc = find(objs, "Service", `${RELEASE}-${target}`);
      if (!t.truthy(svc, `${target} Service`)) continue;
      t.deepEqual(svc!.spec.selector, selector);
      const grpc = svc!.spec.ports.find((p: any) => p.name === "grpc");
      if (target === "gateway") {
        const http = svc!.spec.ports.find((p: any) => p.name === "http");
        t.is(http?.targetPort, "http");
        t.is(http?.port, 80);
        // `grpc` only when the gateway's port speaks gRPC too.
        t.is(grpc !== undefined, scenario === "features", "gateway grpc Service port");
      } else {
        t.truthy(grpc, `${target} Service port grpc`);
      }
      if (grpc) {
        t.is(grpc.appProtocol, "kubernetes.io/h2c");
        const containerPort = chirpContainer(w).ports.find((p: any) => p.name === grpc.targetPort);
        t.is(containerPort?.containerPort, PORTS[target], `${target} Service grpc port reaches the container port`);
      }
      if (w.kind === "StatefulSet") {
        const headless = find(objs, "Service", w.spec.serviceName);
        t.is(headless?.spec.clusterIP, "None");
        t.deepEqual(headless?.spec.selector, selector);
      }
      // PodDisruptionBudget and HPA point at this workload.
      const pdb = find(objs, "PodDisruptionBudget", `${RELEASE}-${target}`);
      if (pdb) t.deepEqual(pdb.spec.selector.matchLabels, selector);
      const hpa = find(objs, "HorizontalPodAutoscaler", `${RELEASE}-${target}`);
      if (hpa) {
        t.deepEqual(hpa.spec.scaleTargetRef, { apiVersion: "apps/v1", kind: w.kind, name: w.metadata.name });
        t.is(w.spec.replicas, undefined, `${target}: the HPA owns the replica count`);
        t.true(hpa.spec.minReplicas <= hpa.spec.maxReplicas);
      } else {
        t.true(Number.isInteger(w.spec.replicas), `${target} replicas`);
      }
    }
    for (const np of objs.filter((o) => o.kind === "NetworkPolicy")) {
      const target = np.metadata.labels!["app.kubernetes.io/component"] as Target;
      t.deepEqual(np.spec.podSelector.matchLabels, workload(objs, target)!.spec.selector.matchLabels);
    }
    t.truthy(find(objs, "ServiceAccount", RELEASE));
  });
}

test("HPAs for the gateway, timeline and fan-out worker; PDBs for every target (defaults)", (t) => {
  const objs = rendered.default;
  const hpas = objs.filter((o) => o.kind === "HorizontalPodAutoscaler").map((o) => o.metadata.name).sort();
  t.deepEqual(hpas, ["chirp-fanout", "chirp-gateway", "chirp-timeline"]);
  const pdbs = objs.filter((o) => o.kind === "PodDisruptionBudget").map((o) => o.metadata.name).sort();
  t.deepEqual(pdbs, TARGETS.map((x) => `chirp-${x}`).sort());
  for (const h of objs.filter((o) => o.kind === "HorizontalPodAutoscaler")) {
    t.is(h.apiVersion, "autoscaling/v2");
    t.is(h.spec.metrics[0].resource.name, "cpu");
  }
  t.false(objs.some((o) => o.kind === "NetworkPolicy" || o.kind === "Ingress"), "NetworkPolicies and Ingress are opt-in");
  t.is(rendered.dev.filter((o) => o.kind === "HorizontalPodAutoscaler").length, 0);
});

test("the discovery target is a Deployment with a Service, probes and a PDB; the gateway finds it; its deny list is per-target env", (t) => {
  for (const scenario of ["default", "dev", "production"] as const) {
    const objs = rendered[scenario];
    const w = workload(objs, "discovery")!;
    t.is(w.kind, "Deployment", "it mints no ids");
    t.deepEqual(chirpContainer(w).args, ["--target=discovery"]);
    t.deepEqual(chirpContainer(w).readinessProbe.grpc, { port: 50056 });
    t.truthy(find(objs, "PodDisruptionBudget", `${RELEASE}-discovery`));
    t.is(find(objs, "ConfigMap", RELEASE)!.data.CHIRP_DISCOVERY_ADDR, `http://${RELEASE}-discovery:50056`);
  }
  const env = chirpContainer(workload(rendered.production, "discovery")!).env as any[];
  t.is(env.find((e) => e.name === "CHIRP_TRENDS_DENY")?.value, "spam,giveaway");
});

test("the search target is a Deployment with a Service on 50057, gRPC probes and a PDB; the gateway finds it", (t) => {
  for (const scenario of ["default", "dev", "production"] as const) {
    const objs = rendered[scenario];
    const w = workload(objs, "search")!;
    t.is(w.kind, "Deployment", "it mints no ids");
    const c = chirpContainer(w);
    t.deepEqual(c.args, ["--target=search"]);
    for (const probe of ["startupProbe", "readinessProbe", "livenessProbe"]) t.deepEqual(c[probe].grpc, { port: 50057 }, probe);
    t.is(find(objs, "Service", `${RELEASE}-search`)!.spec.ports[0].port, 50057);
    t.truthy(find(objs, "PodDisruptionBudget", `${RELEASE}-search`));
    t.is(find(objs, "ConfigMap", RELEASE)!.data.CHIRP_SEARCH_ADDR, `http://${RELEASE}-search:50057`);
  }
});

test("the notification target is a Deployment with a Service on 50058, gRPC probes and a PDB; the gateway finds it", (t) => {
  for (const scenario of ["default", "dev", "production"] as const) {
    const objs = rendered[scenario];
    const w = workload(objs, "notification")!;
    t.is(w.kind, "Deployment", "its ids derive from the events: it mints none");
    const c = chirpContainer(w);
    t.deepEqual(c.args, ["--target=notification"]);
    for (const probe of ["startupProbe", "readinessProbe", "livenessProbe"]) t.deepEqual(c[probe].grpc, { port: 50058 }, probe);
    t.is(find(objs, "Service", `${RELEASE}-notification`)!.spec.ports[0].port, 50058);
    t.truthy(find(objs, "PodDisruptionBudget", `${RELEASE}-notification`));
    t.is(find(objs, "ConfigMap", RELEASE)!.data.CHIRP_NOTIFICATION_ADDR, `http://${RELEASE}-notification:50058`);
  }
});

// Every CHIRP_* (and OTEL_*) variable the process reads: the keys of the zod schemas in every services/…/config.ts.
function envNamesRead(): Set<string> {
  const names = new Set<string>();
  const files = (readdirSync(join(ROOT, "services"), { recursive: true }) as string[]).filter((f) => f.endsWith("config.ts") && !f.includes("node_modules"));
  for (const file of files) {
    const src = readFileSync(join(ROOT, "services", file), "utf8");
    for (const m of src.matchAll(/^\s+((?:CHIRP|OTEL)_[A-Z0-9_]+):/gm)) names.add(m[1]!);
  }
  return names;
}

test("the ConfigMap and env use exactly the variable names the process reads", (t) => {
  const read = envNamesRead();
  t.true(read.has("CHIRP_MODE") && read.has("CHIRP_CASSANDRA_CONTACT_POINTS"), "found the config schema");
  const timelineEnv = chirpContainer(workload(rendered.features, "timeline")!).env as any[];
  t.deepEqual(timelineEnv.find((e) => e.name === "CHIRP_TIMELINE_CAP"), { name: "CHIRP_TIMELINE_CAP", value: "500" });
  const gatewayEnv = chirpContainer(workload(rendered.production, "gateway")!).env as any[];
  t.is(gatewayEnv.find((e) => e.name === "CHIRP_TRUST_PROXY_HOPS")?.value, "1");
  for (const scenario of ["default", "dev", "production", "features"] as const) {
    const objs = rendered[scenario];
    const cm = find(objs, "ConfigMap", RELEASE)!;
    for (const k of Object.keys(cm.data)) t.true(read.has(k), `${scenario}: ConfigMap key ${k} is read by the process`);
    t.is(cm.data.CHIRP_MODE, "cluster");
    t.is(cm.data.CHIRP_HOST, "0.0.0.0");
    // Large integers from values must not render in Go's float notation ("2.592e+06").
    for (const [k, v] of Object.entries(cm.data)) t.notRegex(String(v), /^[\d.]+e[+-]\d+$/, `${scenario}: ${k} renders as ${v}`);
    for (const target of SERVICE_NAMES) {
      const svc = find(objs, "Service", `${RELEASE}-${target}`)!;
      const port = svc.spec.ports.find((p: any) => p.name === "grpc").port;
      t.is(cm.data[`CHIRP_${target.toUpperCase()}_ADDR`], `http://${svc.metadata.name}:${port}`);
    }
    for (const target of TARGETS) t.is(cm.data[`CHIRP_${target.toUpperCase()}_PORT`], String(PORTS[target]));
    const job = find(objs, "Job", `${RELEASE}-migrate`)!;
    for (const w of [...TARGETS.map((x) => workload(objs, x)!), job]) {
      for (const c of [...w.spec.template.spec.containers, ...(w.spec.template.spec.initContainers ?? [])]) {
        for (const e of c.env ?? []) {
          if (/^(CHIRP|OTEL)_/.test(e.name)) t.true(read.has(e.name), `${scenario}: ${w.metadata.name} env ${e.name} is read by the process`);
        }
        for (const from of c.envFrom ?? []) t.is(from.configMapRef?.name, RELEASE);
      }
    }
  }
});

test("only the user service gets the private key; every target the public key", async (t) => {
  for (const scenario of ["default", "dev", "production"] as const) {
    const objs = rendered[scenario];
    const secret = scenario === "production" ? "chirp-jwt" : `${RELEASE}-jwt`;
    for (const target of TARGETS) {
      const env = chirpContainer(workload(objs, target)!).env as any[];
      const pub = env.find((e) => e.name === "CHIRP_JWT_PUBLIC_KEY");
      t.deepEqual(pub?.valueFrom?.secretKeyRef, { name: secret, key: "public.pem" });
      const priv = env.find((e) => e.name === "CHIRP_JWT_PRIVATE_KEY");
      if (target === "user") t.deepEqual(priv?.valueFrom?.secretKeyRef, { name: secret, key: "private.pem" });
      else t.is(priv, undefined, `${target} must not see the private key`);
    }
  }
  // The chart makes the Secret only from given keys, never with an existing one.
  const s = find(rendered.dev, "Secret", `${RELEASE}-jwt`)!;
  t.is(Buffer.from(s.data["public.pem"], "base64").toString(), readFileSync(PUB, "utf8"));
  t.falsy(find(rendered.default, "Secret", `${RELEASE}-jwt`));
  t.falsy(find(rendered.production, "Secret", "chirp-jwt"));
  t.regex((await template(["--set", "jwt.publicKey=-----BEGIN PUBLIC KEY-----x"])).stderr, /jwt.privateKey is not/);
});

test("a config or key change changes the checksum annotation (rolls the pods)", async (t) => {
  const annotations = async (args: string[]) => workload(await render(args), "timeline")!.spec.template.metadata.annotations;
  const base = await annotations(withKeys);
  const logLevel = await annotations([...withKeys, "--set", "config.logLevel=debug"]);
  t.not(base["checksum/config"], logLevel["checksum/config"]);
  t.is(base["checksum/secret"], logLevel["checksum/secret"]);
  const other = generateKeyPairSync("ed25519");
  const pub2 = join(work, "other.pub");
  writeFileSync(pub2, other.publicKey.export({ type: "spki", format: "pem" }));
  const rotated = await annotations(["--set-file", `jwt.privateKey=${KEY}`, "--set-file", `jwt.publicKey=${pub2}`]);
  t.not(base["checksum/secret"], rotated["checksum/secret"]);
  t.is(base["checksum/config"], rotated["checksum/config"]);
});

test("Snowflake worker ids: StatefulSet ordinals in disjoint blocks, overlaps refused", async (t) => {
  for (const scenario of ["default", "production"] as const) {
    const objs = rendered[scenario];
    for (const target of ["user", "graph", "tweet"] as const) {
      const w = workload(objs, target)!;
      t.is(w.kind, "StatefulSet", `${target} mints ids`);
      t.is(w.spec.podManagementPolicy, "Parallel");
      const c = chirpContainer(w);
      t.deepEqual(c.command, ["/bin/sh", "-c"]);
      t.regex(c.args[0], /export CHIRP_WORKER_ID=\$\(\(WORKER_ID_BASE \+ ordinal\)\)/);
      t.regex(c.args[0], new RegExp(`exec node --enable-source-maps dist/services/main.js --target=${target}\\n`));
      const env = Object.fromEntries((c.env as any[]).map((e) => [e.name, e]));
      t.is(env.POD_NAME?.valueFrom?.fieldRef?.fieldPath, "metadata.name");
      t.truthy(env.WORKER_ID_BASE?.value);
      t.is(env.CHIRP_WORKER_ID, undefined);
    }
    // Blocks [base, base + block) are disjoint and inside 0–1023.
    const blocks = TARGETS.map((target) => {
      const c = chirpContainer(workload(objs, target)!);
      const env = Object.fromEntries((c.env as any[]).map((e) => [e.name, e.value]));
      const start = Number(env.WORKER_ID_BASE ?? env.CHIRP_WORKER_ID);
      return { target, start, end: start + Number(env.WORKER_ID_BLOCK ?? 1) };
    }).sort((a, b) => a.start - b.start);
    for (let i = 0; i < blocks.length; i++) {
      t.true(blocks[i]!.start >= 0 && blocks[i]!.end <= 1024, JSON.stringify(blocks[i]));
      if (i > 0) t.true(blocks[i - 1]!.end <= blocks[i]!.start, `${blocks[i - 1]!.target} and ${blocks[i]!.target} overlap`);
    }
  }
  // The shell snippet works: pod chirp-tweet-3 with base 256 gets 259; a pod past the block is refused.
  const script = chirpContainer(workload(rendered.default, "tweet")!).args[0].replace(/exec node .*/, 'echo "$CHIRP_WORKER_ID"');
  const run = (pod: string) => spawnSync("/bin/sh", ["-c", script], { encoding: "utf8", env: { POD_NAME: pod, WORKER_ID_BASE: "256", WORKER_ID_BLOCK: "4", PATH: process.env.PATH } });
  t.is(run("chirp-tweet-3").stdout.trim(), "259");
  t.is(run("chirp-tweet-4").status, 64);
  t.is(run("chirp-tweet").status, 64);
  // Overlapping blocks do not render.
  const overlap = await template(["--set", "graph.workerIdBase=1"]);
  t.not(overlap.status, 0);
  t.regex(overlap.stderr, /worker-id blocks overlap: graph has 1–2, user has 0–1/);
  const tooMany = await template(["--set", "tweet.autoscaling.enabled=true,tweet.autoscaling.maxReplicas=200"]);
  t.regex(tooMany.stderr, /worker-id blocks overlap/);
  t.regex((await template(["--set", "gateway.workerIdBase=1023,gateway.workload=StatefulSet"])).stderr, /pass 1023/);
});

test("the migration Job is a Helm hook that runs migrate-main.js with the Cassandra settings", (t) => {
  for (const scenario of ["default", "dev", "production", "features"] as const) {
    const objs = rendered[scenario];
    const job = find(objs, "Job", `${RELEASE}-migrate`)!;
    t.truthy(job, scenario);
    const hooks = job.metadata.annotations!["helm.sh/hook"];
    t.is(hooks, scenario === "dev" ? "post-install,pre-upgrade" : "pre-install,pre-upgrade");
    t.regex(job.metadata.annotations!["helm.sh/hook-delete-policy"] ?? "", /before-hook-creation/);
    const c = job.spec.template.spec.containers[0];
    t.deepEqual(c.command, ["node", "--enable-source-maps", "dist/services/platform/cassandra/migrate-main.js"]);
    const env = Object.fromEntries((c.env as any[]).map((e) => [e.name, e]));
    const cm = find(objs, "ConfigMap", RELEASE)!.data;
    for (const k of Object.keys(cm).filter((x) => x.startsWith("CHIRP_CASSANDRA_"))) t.is(env[k]?.value, cm[k], `${scenario} ${k}`);
    t.is(job.spec.template.spec.restartPolicy, "Never");
    t.is(job.spec.template.spec.initContainers[0].name, "wait-for-backends");
    // A pre-install hook cannot rely on objects the release creates.
    t.is(job.spec.template.spec.serviceAccountName, undefined);
    const secretRef = env.CHIRP_CASSANDRA_PASSWORD?.valueFrom?.secretKeyRef?.name;
    if (scenario === "features") {
      t.is(secretRef, `${RELEASE}-migrate`);
      const hookSecret = find(objs, "Secret", `${RELEASE}-migrate`)!;
      t.is(hookSecret.metadata.annotations!["helm.sh/hook"], hooks);
      t.true(Number(hookSecret.metadata.annotations!["helm.sh/hook-weight"]) < Number(job.metadata.annotations!["helm.sh/hook-weight"]));
    }
    if (scenario === "production") t.is(secretRef, "chirp-cassandra");
  }
});

test("the wait-for-backends and helm test scripts run (in this repo's ESM package, like /app)", async (t) => {
  const job = find(rendered.default, "Job", `${RELEASE}-migrate`)!;
  const wait = job.spec.template.spec.initContainers[0].command as string[];
  t.deepEqual(wait.slice(0, 2), ["node", "-e"]);
  t.is(job.spec.template.spec.initContainers[0].env[0].value, "cassandra:9042");
  // Dev: every Chirp pod waits for all three backends (one group each).
  for (const target of TARGETS) {
    const init = workload(rendered.dev, target)!.spec.template.spec.initContainers;
    t.is(init?.[0]?.env[0].value, `${RELEASE}-cassandra:9042;${RELEASE}-nats:4222;${RELEASE}-redis:6379`, target);
    t.true(init?.[0]?.securityContext.readOnlyRootFilesystem);
    t.truthy(init?.[0]?.resources.limits.memory);
  }
  t.is(workload(rendered.default, "user")!.spec.template.spec.initContainers, undefined);
  const server = net.createServer((s) => s.end());
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  t.teardown(() => server.close());
  const port = (server.address() as AddressInfo).port;
  const node = (args: string[], env: Record<string, string>) =>
    new Promise<Run>((done) => execFile(process.execPath, args, { cwd: ROOT, env: { PATH: process.env.PATH, ...env }, timeout: 30_000 }, (err, stdout, stderr) => done({ status: err ? 1 : 0, stdout, stderr })));
  const up = await node(wait.slice(1), { WAIT_FOR: `127.0.0.1:1, 127.0.0.1:${port};127.0.0.1:${port}`, WAIT_TIMEOUT_SECONDS: "30" });
  t.is(up.status, 0, up.stderr);
  t.regex(up.stdout, new RegExp(`127.0.0.1:${port} answers`));
  const down = await node(wait.slice(1), { WAIT_FOR: `127.0.0.1:${port};127.0.0.1:1`, WAIT_TIMEOUT_SECONDS: "1" });
  t.is(down.status, 1);
  t.regex(down.stderr, /no answer from 127.0.0.1:1$/m);

  const http = await import("node:http");
  const gw = http.createServer((req, res) => res.writeHead(req.url === "/readyz" ? 200 : 404).end("{}"));
  await new Promise<void>((r) => gw.listen(0, "127.0.0.1", r));
  t.teardown(() => gw.close());
  const testPod = find(rendered.default, "Pod", `${RELEASE}-test-readyz`)!.spec.containers[0].command as string[];
  const url = `http://127.0.0.1:${(gw.address() as AddressInfo).port}/readyz`;
  const ok = await node([...testPod.slice(1, -1), url], {});
  t.is(ok.status, 0, ok.stderr);
  const bad = await node([...testPod.slice(1, -1), url.replace("/readyz", "/nope")], {});
  t.is(bad.status, 1);
});

test("the dev values run single-replica Cassandra 5, NATS JetStream on a volume and Redis", (t) => {
  const objs = rendered.dev;
  const cassandra = find(objs, "StatefulSet", `${RELEASE}-cassandra`)!;
  t.is(cassandra.spec.replicas, 1);
  t.regex(cassandra.spec.template.spec.containers[0].image, /^cassandra:5\./);
  t.is(cassandra.spec.volumeClaimTemplates[0].spec.resources.requests.storage, "4Gi");
  const nats = find(objs, "StatefulSet", `${RELEASE}-nats`)!;
  t.is(nats.spec.replicas, 1);
  const natsArgs: string[] = nats.spec.template.spec.containers[0].args;
  t.true(natsArgs.includes("--jetstream"));
  t.true(natsArgs.includes("--store_dir=/data"));
  t.is(nats.spec.template.spec.containers[0].volumeMounts[0].mountPath, "/data");
  t.is(nats.spec.volumeClaimTemplates[0].metadata.name, "data");
  const redis = find(objs, "Deployment", `${RELEASE}-redis`)!;
  t.is(redis.spec.replicas, 1);
  for (const backend of [cassandra, nats, redis]) {
    const pod = backend.spec.template.spec;
    t.true(pod.securityContext.runAsNonRoot);
    t.deepEqual(pod.containers[0].securityContext.capabilities.drop, ["ALL"]);
    t.truthy(pod.containers[0].resources.limits.memory);
  }
  const cm = find(objs, "ConfigMap", RELEASE)!.data;
  t.is(cm.CHIRP_CASSANDRA_CONTACT_POINTS, `${RELEASE}-cassandra:9042`);
  t.is(cm.CHIRP_CASSANDRA_REPLICATION, "SimpleStrategy:1");
  t.is(cm.CHIRP_NATS_URL, `nats://${RELEASE}-nats:4222`);
  t.is(cm.CHIRP_REDIS_URL, `redis://${RELEASE}-redis:6379`);
  for (const target of TARGETS) t.is(chirpContainer(workload(objs, target)!).imagePullPolicy, "Never");
  // Without the dev file none of them render, and Chirp points at existing servers.
  t.false(rendered.default.some((o) => ["cassandra", "nats", "redis"].includes(o.metadata.labels?.["app.kubernetes.io/component"] ?? "") && o.kind !== "Secret"));
  const prod = find(rendered.production, "ConfigMap", RELEASE)!.data;
  t.is(prod.CHIRP_REDIS_CLUSTER_NODES, "redis-cluster-0.redis.cache.svc:6379,redis-cluster-1.redis.cache.svc:6379,redis-cluster-2.redis.cache.svc:6379");
  t.is(prod.CHIRP_NATS_PREFIX, "prod.");
});

test("Ingress and NetworkPolicies when switched on", (t) => {
  const objs = rendered.features;
  const ing = find(objs, "Ingress", `${RELEASE}-gateway`)!;
  t.is(ing.spec.ingressClassName, "nginx");
  t.deepEqual(ing.spec.rules[0].http.paths[0].backend.service, { name: `${RELEASE}-gateway`, port: { name: "http" } });
  // WebSocket (/api/v1/streaming) and SSE connections outlive the controller's default 60 s.
  t.is(ing.metadata.annotations?.["nginx.ingress.kubernetes.io/proxy-read-timeout"], "3600");
  t.is(ing.metadata.annotations?.["nginx.ingress.kubernetes.io/proxy-send-timeout"], "3600");
  const nps = objs.filter((o) => o.kind === "NetworkPolicy");
  t.is(nps.length, TARGETS.length);
  const gw = nps.find((n) => n.metadata.name === `${RELEASE}-gateway`)!;
  t.true(gw.spec.ingress.some((r: any) => r.from === undefined), "the gateway is open to any source by default");
  const user = nps.find((n) => n.metadata.name === `${RELEASE}-user`)!;
  t.deepEqual(user.spec.ingress[0].ports, [{ port: 50051, protocol: "TCP" }]);
  t.true(user.spec.ingress.every((r: any) => r.from !== undefined), "internal targets only accept Chirp pods");
  const prodGw = find(rendered.production, "NetworkPolicy", `${RELEASE}-gateway`)!;
  t.true(prodGw.spec.ingress.every((r: any) => r.from !== undefined));
});

test("helm test pod and NOTES.txt", async (t) => {
  const pod = find(rendered.default, "Pod", `${RELEASE}-test-readyz`)!;
  t.is(pod.metadata.annotations!["helm.sh/hook"], "test");
  t.is(pod.spec.containers[0].command.at(-1), `http://${RELEASE}-gateway:80/readyz`);
  // helm template drops NOTES.txt and helm install --dry-run needs a cluster, so a
  // copy of the chart renders it into a ConfigMap by its template name.
  const copy = join(work, "notes-chart");
  cpSync(CHART, copy, { recursive: true });
  writeFileSync(
    join(copy, "templates/zz-notes.yaml"),
    'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: notes\ndata:\n  notes: {{ include (print .Template.BasePath "/NOTES.txt") . | quote }}\n',
  );
  const notes = async (args: string[]) => {
    const r = await template(["--show-only", "templates/zz-notes.yaml", ...args], copy);
    t.is(r.status, 0, r.stderr);
    return (yaml.load(r.stdout) as { data: { notes: string } }).data.notes;
  };
  const dev = await notes(SCENARIOS.dev);
  t.regex(dev, /kubectl -n chirp port-forward svc\/chirp-gateway 8080:80/);
  t.regex(dev, /curl -fsS http:\/\/127\.0\.0\.1:8080\/readyz/);
  t.regex(dev, /Development backends run inside this release/);
  t.notRegex(dev, /WARNING/);
  t.regex(await notes([]), /WARNING: no token-signing keys were given[\s\S]*kubectl -n chirp create secret generic chirp-jwt/);
  t.regex(await notes(SCENARIOS.production), /https:\/\/api\.chirp\.example\.com\//);
});

test("the kind and minikube configs run the Kubernetes version the objects are validated against", (t) => {
  const kind = yaml.load(readFileSync(join(ROOT, "k8s/kind/cluster.yaml"), "utf8")) as { kind: string; apiVersion: string; nodes: Array<{ role: string; image: string }> };
  t.is(kind.kind, "Cluster");
  t.is(kind.apiVersion, "kind.x-k8s.io/v1alpha4");
  t.true(kind.nodes.length >= 1);
  for (const n of kind.nodes) t.is(n.image, `kindest/node:v${KUBE_VERSION}`);
  t.regex(readFileSync(join(ROOT, "k8s/minikube/settings.mk"), "utf8"), new RegExp(`^MINIKUBE_KUBERNETES_VERSION \\?= v${KUBE_VERSION.replace(/\./g, "\\.")}$`, "m"));
  t.regex(readFileSync(join(ROOT, "mk/k8s.mk"), "utf8"), new RegExp(`^K8S_KUBE_VERSION := ${KUBE_VERSION.replace(/\./g, "\\.")}$`, "m"));
  // The chart declares a range that includes it.
  t.regex(readFileSync(join(CHART, "Chart.yaml"), "utf8"), /^kubeVersion: ">=1\.29\.0-0"$/m);
});

// The schema refuses bad values before anything renders.
const BAD: Array<[string, string[], RegExp]> = [
  ["a negative replica count", ["--set", "user.replicaCount=-1"], /user\.replicaCount: Must be greater than or equal to 0/],
  ["an unknown top-level key", ["--set", "replicas=3"], /Additional property replicas is not allowed/],
  ["an unknown key in a target", ["--set", "gateway.readinesProbe.enabled=true"], /gateway: Additional property readinesProbe is not allowed/],
  ["an unknown probe key", ["--set", "tweet.probes.readiness.periodSecond=5"], /Additional property periodSecond is not allowed/],
  ["the gateway-only grpc switch on another target", ["--set", "fanout.grpc=true"], /fanout: Additional property grpc is not allowed/],
  ["a non-boolean gateway.grpc", ["--set-string", "gateway.grpc=yes"], /gateway\.grpc: Invalid type/],
  ["a bad env name", ["--set-string", "user.env.bad-name=x"], /user\.env: Property name of "bad-name" does not match/],
  ["an unknown workload kind", ["--set", "user.workload=DaemonSet"], /user\.workload must be one of the following/],
  ["a worker id past 1023", ["--set", "user.workerIdBase=1024"], /user\.workerIdBase: Must be less than or equal to 1023/],
  ["a port out of range", ["--set", "graph.port=70000"], /graph\.port: Must be less than or equal to 65535/],
  ["a bad log level", ["--set", "config.logLevel=verbose"], /config\.logLevel must be one of the following/],
  ["a bad NATS URL", ["--set", "nats.url=http://nats:4222"], /nats\.url: Does not match pattern/],
  ["a bad NATS prefix", ["--set", "nats.prefix=staging"], /nats\.prefix: Does not match pattern/],
  ["a bad replication spec", ["--set", "cassandra.replication=Simple:3"], /cassandra\.replication: Does not match pattern/],
  ["running as root", ["--set", "containerSecurityContext.runAsNonRoot=false"], /containerSecurityContext\.runAsNonRoot does not match/],
  ["privilege escalation", ["--set", "containerSecurityContext.allowPrivilegeEscalation=true"], /allowPrivilegeEscalation does not match/],
  ["a resource quantity typo", ["--set", "timeline.resources.limits.memory=512MB"], /timeline\.resources\.limits\.memory/],
  ["missing requests", ["--set", "gateway.resources.requests=null"], /gateway\.resources: requests is required/],
  ["a bad hook", ["--set", "migrations.hooks={pre-rollback}"], /migrations\.hooks\.0 must be one of the following/],
  ["a bad access-token TTL", ["--set", "config.jwt.accessTokenTtlSeconds=10"], /accessTokenTtlSeconds: Must be greater than or equal to 60/],
];
for (const [what, args, message] of BAD) {
  test(`the schema refuses ${what}`, async (t) => {
    const r = await template(args);
    t.not(r.status, 0, `rendered despite ${args.join(" ")}`);
    t.regex(r.stderr, message);
  });
}

test("template guards: PDB with both bounds, HPA min above max, gateway ports clash", async (t) => {
  t.regex((await template(["--set", "user.pdb.minAvailable=1"])).stderr, /user\.pdb: set exactly one of minAvailable and maxUnavailable/);
  t.regex((await template(["--set", "gateway.autoscaling.minReplicas=5,gateway.autoscaling.maxReplicas=3"])).stderr, /minReplicas \(5\) is above maxReplicas \(3\)/);
  t.regex((await template(["--set", "gateway.grpc=true,gateway.service.grpcPort=80"])).stderr, /gateway\.service\.port and gateway\.service\.grpcPort must differ/);
  t.regex((await template(["--set", "gateway.autoscaling.targetCPUUtilizationPercentage=null"])).stderr, /set targetCPUUtilizationPercentage or targetMemoryUtilizationPercentage/);
});

// ---------------------------------------------------------------------------
// monitoring: the Grafana dashboard, the alert rules, the ServiceMonitor, traces

const MONITORING = ["--set", "metrics.dashboard.enabled=true,metrics.prometheusRule.enabled=true,metrics.serviceMonitor.enabled=true"];
const isMonitoring = (o: Obj) => o.metadata.labels?.["app.kubernetes.io/component"] === "monitoring";

/** Every PromQL expression of the rendered dashboard and rules. */
function exprsOf(objs: Obj[]): { dashboard: string[]; rules: string[] } {
  const cm = find(objs, "ConfigMap", `${RELEASE}-dashboard`)!;
  const board = JSON.parse(cm.data["chirp.json"]);
  const dashboard = (board.panels as any[]).flatMap((p) => (p.targets ?? []).map((x: any) => x.expr as string));
  const rule = objs.find((o) => o.kind === "PrometheusRule")!;
  const rules = (rule.spec.groups as any[]).flatMap((g) => g.rules.map((r: any) => r.expr as string));
  return { dashboard, rules };
}

/** Metric names in PromQL (histograms by their family name). */
function metricNames(exprs: string[]): Set<string> {
  const names = new Set<string>();
  for (const e of exprs) {
    for (const m of e.matchAll(/\b((?:chirp|http_server|rpc_server|timeline)_[a-z0-9_]+)\b/g)) names.add(m[1]!.replace(/_(bucket|count|sum)$/, ""));
  }
  return names;
}

/** Every metric name the code registers: `name: "…"` or a `const name = "…"` in a .ts file under services/. */
function registeredMetrics(): Set<string> {
  const names = new Set<string>();
  const files = (readdirSync(join(ROOT, "services"), { recursive: true }) as string[]).filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts"));
  for (const file of files) {
    const src = readFileSync(join(ROOT, "services", file), "utf8");
    for (const m of src.matchAll(/\bname:\s*"([a-z_:][a-z0-9_:]*)"|\b(?:const name =|gauge\(|once\(registry,)\s*"([a-z_:][a-z0-9_:]*)"/g)) names.add((m[1] ?? m[2])!);
  }
  return names;
}

test("monitoring: the dashboard, alert rules and ServiceMonitor are absent by default and render when switched on", async (t) => {
  for (const scenario of ["default", "dev", "production", "features"] as const) t.deepEqual(rendered[scenario].filter(isMonitoring), [], scenario);
  const objs = await render(MONITORING);
  const lint = await helm(["lint", "--strict", CHART, "--kube-version", KUBE_VERSION, ...MONITORING]);
  t.is(lint.status, 0, lint.stdout + lint.stderr);

  const cm = find(objs, "ConfigMap", `${RELEASE}-dashboard`)!;
  t.deepEqual(await validate(cm), []);
  t.is(cm.metadata.labels!.grafana_dashboard, "1", "Grafana's sidecar picks it up by this label");
  const board = JSON.parse(cm.data["chirp.json"]);
  t.is(board.uid, "chirp-overview");
  t.true(board.panels.length >= 12);
  t.deepEqual(JSON.parse(readFileSync(join(CHART, "dashboards/chirp.json"), "utf8")), board, "the ConfigMap carries the file as is");

  const rule = objs.find((o) => o.kind === "PrometheusRule")!;
  t.is(rule.apiVersion, "monitoring.coreos.com/v1");
  const alerts = (rule.spec.groups as any[]).flatMap((g) => g.rules.map((r: any) => r.alert));
  t.deepEqual(alerts, ["ChirpHighErrorRate", "ChirpServiceErrors", "ChirpSlowResponses", "ChirpCassandraPoolExhaustion", "ChirpRedisMemoryHigh", "ChirpConsumerLagGrowing"]);
  for (const r of rule.spec.groups[0].rules) {
    t.truthy(r.labels?.severity, `${r.alert} has a severity`);
    t.truthy(r.annotations?.summary && r.annotations?.description, `${r.alert} says what happened`);
  }

  const sm = objs.find((o) => o.kind === "ServiceMonitor")!;
  t.is(sm.apiVersion, "monitoring.coreos.com/v1");
  t.deepEqual(sm.spec.selector.matchExpressions[0].values, [...TARGETS]);
  t.deepEqual(sm.spec.endpoints.map((e: any) => [e.port, e.path]), [["grpc", "/metrics"], ["http", "/metrics"]]);
  // Each Service port it names exists on the Services it selects.
  const services = objs.filter((o) => o.kind === "Service" && TARGETS.includes(o.metadata.labels?.["app.kubernetes.io/component"] as Target));
  for (const svc of services.filter((s) => !s.metadata.name.endsWith("-headless"))) {
    t.true(svc.spec.ports.some((p: any) => p.name === "grpc" || p.name === "http"), svc.metadata.name);
  }

  // Thresholds and labels come from values.
  // (--set makes 0.2 a string; values files and --set-json keep numbers.)
  const tuned = await render([...MONITORING, "--set-json", "metrics.prometheusRule.errorRatio=0.2", "--set", "metrics.prometheusRule.labels.release=kps,metrics.dashboard.namespace=grafana"]);
  const tunedRule = tuned.find((o) => o.kind === "PrometheusRule")!;
  t.is(tunedRule.metadata.labels!.release, "kps");
  t.regex(tunedRule.spec.groups[0].rules[0].expr, />\s*0\.2$/);
  t.is(find(tuned, "ConfigMap", `${RELEASE}-dashboard`)!.metadata.namespace, "grafana");
});

test("monitoring: every metric the dashboard and the rules use is one the code registers, and the design's are all there", async (t) => {
  const { dashboard, rules } = exprsOf(await render(MONITORING));
  const registered = registeredMetrics();
  t.true(registered.has("rpc_server_requests_total") && registered.has("chirp_hydration_cache_requests_total"), "found the code's metrics");
  const used = metricNames([...dashboard, ...rules]);
  for (const name of used) t.true(registered.has(name), `${name} is registered somewhere under services/`);
  // The design's key metrics and the backends behind the alerts, each on the dashboard.
  const onBoard = metricNames(dashboard);
  for (const name of [
    "chirp_tweets_created_total",
    "chirp_timeline_load_seconds",
    "chirp_hydration_cache_requests_total",
    "chirp_cache_requests_total",
    "chirp_cassandra_query_duration_seconds",
    "chirp_cassandra_inflight_requests_per_connection",
    "chirp_cassandra_max_requests_per_connection",
    "chirp_redis_memory_used_bytes",
    "chirp_redis_memory_max_bytes",
    "chirp_bus_consumer_pending_messages",
    "chirp_bus_consumer_redelivered_messages",
    "chirp_fanout_delay_seconds",
  ]) {
    t.true(onBoard.has(name), `the dashboard shows ${name}`);
  }
});

test("tracing: off unless an OTLP endpoint is set; the sampler settings and each pod's service name", async (t) => {
  const off = find(rendered.default, "ConfigMap", RELEASE)!.data;
  t.is(off.OTEL_EXPORTER_OTLP_ENDPOINT, undefined, "no endpoint, no exporter: tracing off");
  t.is(off.OTEL_TRACES_SAMPLER, "parentbased_traceidratio");
  t.is(off.OTEL_TRACES_SAMPLER_ARG, "0.01");
  const on = await render(["--set", "tracing.otlpEndpoint=http://otel-collector.observability:4318", "--set-json", "tracing.samplerArg=0.1"]);
  t.like(find(on, "ConfigMap", RELEASE)!.data, { OTEL_EXPORTER_OTLP_ENDPOINT: "http://otel-collector.observability:4318", OTEL_TRACES_SAMPLER_ARG: "0.1" });
  for (const target of TARGETS) {
    const env = chirpContainer(workload(on, target)!).env as any[];
    t.deepEqual(env.find((e) => e.name === "OTEL_SERVICE_NAME"), { name: "OTEL_SERVICE_NAME", value: `chirp-${target}` });
  }
  const bad = await template(["--set", "tracing.otlpEndpoint=otel:4318"]);
  t.not(bad.status, 0);
  t.regex(bad.stderr, /tracing\.otlpEndpoint: Does not match pattern/);
});
