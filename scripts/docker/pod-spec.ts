// The chart's pods as `docker run` sees them: render the chart with helm, then turn a
// pod's container into an environment (envFrom, env, secretKeyRef, fieldRef) and flags
// (securityContext, emptyDir volumes, limits). What cannot be mirrored is an error, so a
// chart change the smoke test does not understand fails it instead of being skipped.
import { createRequire } from "node:module";
import { must } from "./proc.js";

const yaml = createRequire(import.meta.url)("js-yaml") as { loadAll(s: string): unknown[] };

export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: {
    fieldRef?: { fieldPath: string };
    secretKeyRef?: { name: string; key: string };
    configMapKeyRef?: { name: string; key: string };
  };
}
export interface Probe {
  grpc?: { port: number; service?: string };
  httpGet?: { path: string; port: number };
  timeoutSeconds?: number;
}
export interface Container {
  name: string;
  image: string;
  command?: string[];
  args?: string[];
  env?: EnvVar[];
  envFrom?: Array<{ configMapRef?: { name: string }; secretRef?: { name: string } }>;
  readinessProbe?: Probe;
  resources?: { limits?: { cpu?: string | number; memory?: string } };
  securityContext?: SecurityContext;
  volumeMounts?: Array<{ name: string; mountPath: string }>;
}
export interface SecurityContext {
  runAsNonRoot?: boolean;
  runAsUser?: number;
  runAsGroup?: number;
  allowPrivilegeEscalation?: boolean;
  readOnlyRootFilesystem?: boolean;
  privileged?: boolean;
  capabilities?: { drop?: string[]; add?: string[] };
}
export interface PodSpec {
  securityContext?: SecurityContext;
  terminationGracePeriodSeconds?: number;
  initContainers?: Container[];
  containers: Container[];
  volumes?: Array<{ name: string; emptyDir?: { sizeLimit?: string } }>;
}
export interface Doc {
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  data?: Record<string, string>;
  spec?: { template?: { spec: PodSpec } };
}

export interface Rendered {
  docs: Doc[];
  configMaps: Map<string, Record<string, string>>;
  secrets: Map<string, Record<string, string>>;
}

export interface Chart {
  helm: string;
  chart: string;
  release: string;
  namespace: string;
}

export async function render(o: Chart, sets: string[], files: string[]): Promise<Rendered> {
  const out = await must(o.helm, ["template", o.release, o.chart, "--namespace", o.namespace, ...sets.flatMap((s) => ["--set", s]), ...files.flatMap((f) => ["--set-file", f])], "helm template");
  const docs = (yaml.loadAll(out) as Array<Doc | null>).filter((d): d is Doc => !!d && typeof d === "object");
  const configMaps = new Map(docs.filter((d) => d.kind === "ConfigMap").map((d) => [d.metadata.name, d.data ?? {}]));
  const secrets = new Map(
    docs
      .filter((d) => d.kind === "Secret")
      .map((d) => [d.metadata.name, Object.fromEntries(Object.entries(d.data ?? {}).map(([k, v]) => [k, Buffer.from(v, "base64").toString()]))]),
  );
  return { docs, configMaps, secrets };
}

/** The target (or job) a workload runs. */
export const component = (d: Doc) => d.metadata.labels?.["app.kubernetes.io/component"] ?? d.metadata.name;

function lookup(map: Map<string, Record<string, string>>, kind: string, name: string, key?: string): string | Record<string, string> {
  const data = map.get(name);
  if (!data) throw new Error(`the chart refers to ${kind} ${name}, which it does not render`);
  if (key === undefined) return data;
  const v = data[key];
  if (v === undefined) throw new Error(`${kind} ${name} has no key ${key}`);
  return v;
}

/** The container's environment as Kubernetes would give it (envFrom first, env over it). */
export function environment(r: Rendered, c: Container, podName: string, namespace: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const from of c.envFrom ?? []) {
    if (from.configMapRef) Object.assign(env, lookup(r.configMaps, "ConfigMap", from.configMapRef.name));
    else if (from.secretRef) Object.assign(env, lookup(r.secrets, "Secret", from.secretRef.name));
    else throw new Error(`${c.name}: envFrom ${JSON.stringify(from)} cannot be mirrored`);
  }
  for (const e of c.env ?? []) {
    const f = e.valueFrom;
    if (!f) env[e.name] = e.value ?? "";
    else if (f.fieldRef?.fieldPath === "metadata.name") env[e.name] = podName;
    else if (f.fieldRef?.fieldPath === "metadata.namespace") env[e.name] = namespace;
    else if (f.secretKeyRef) env[e.name] = lookup(r.secrets, "Secret", f.secretKeyRef.name, f.secretKeyRef.key) as string;
    else if (f.configMapKeyRef) env[e.name] = lookup(r.configMaps, "ConfigMap", f.configMapKeyRef.name, f.configMapKeyRef.key) as string;
    else throw new Error(`${c.name}: env ${e.name} ${JSON.stringify(f)} cannot be mirrored`);
  }
  return env;
}

function bytes(q: string): string {
  const m = /^(\d+)(Ki|Mi|Gi)?$/.exec(q);
  if (!m) throw new Error(`quantity ${q} cannot be mirrored`);
  return `${m[1]}${{ Ki: "k", Mi: "m", Gi: "g", "": "" }[m[2] ?? ""]}`;
}
function cpus(q: string | number): string {
  const s = String(q);
  return s.endsWith("m") ? String(Number(s.slice(0, -1)) / 1000) : s;
}

/** `docker run` flags for the pod's security settings, volumes and limits; pods that are not restricted are refused. */
export function runFlags(pod: PodSpec, c: Container): string[] {
  const sc: SecurityContext = { ...pod.securityContext, ...c.securityContext };
  if (sc.privileged || sc.capabilities?.add?.length) throw new Error(`${c.name}: privileged or added capabilities; the smoke test runs restricted pods only`);
  if (sc.runAsNonRoot && !sc.runAsUser) throw new Error(`${c.name}: runAsNonRoot without runAsUser`);
  const flags: string[] = [];
  if (sc.runAsUser !== undefined) flags.push("--user", `${sc.runAsUser}:${sc.runAsGroup ?? sc.runAsUser}`);
  if (sc.readOnlyRootFilesystem) flags.push("--read-only");
  if (sc.capabilities?.drop?.includes("ALL")) flags.push("--cap-drop", "ALL");
  if (sc.allowPrivilegeEscalation === false) flags.push("--security-opt", "no-new-privileges");
  for (const m of c.volumeMounts ?? []) {
    const v = pod.volumes?.find((x) => x.name === m.name);
    if (!v?.emptyDir) throw new Error(`${c.name}: volume ${m.name} is not an emptyDir; cannot be mirrored`);
    const size = v.emptyDir.sizeLimit ? `,size=${bytes(v.emptyDir.sizeLimit)}` : "";
    flags.push("--tmpfs", `${m.mountPath}:rw,nosuid,nodev,mode=1777${size}`);
  }
  const lim = c.resources?.limits;
  if (lim?.memory) flags.push("--memory", bytes(lim.memory));
  if (lim?.cpu !== undefined) flags.push("--cpus", cpus(lim.cpu));
  return flags;
}

