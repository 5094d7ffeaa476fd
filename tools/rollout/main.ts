// `make rollout-wait` / `make smoke`: waits until every Chirp Deployment and
// StatefulSet of a release is rolled out and Available, names each unready pod
// with its reason while waiting (image pull, crash loop, failing probe, missing
// Secret, unschedulable), then calls the gateway's /readyz and one API path.
//
//   node --import tsx tools/rollout/main.ts [--namespace chirp] [--release chirp]
//        [--timeout 600] [--skip-wait] [--skip-smoke] [--gateway-url http://127.0.0.1:8080]
//        [--api-path /api/v1/users/by-username/smoke_check_0] [--expect 200,404]
//
// Exit codes: 0 rolled out (and smoke passed), 1 not ready in time / rollout failed /
// smoke failed, 2 bad arguments or no cluster.
import { parseArgs } from "node:util";
import { AppsV1Api, CoreV1Api, KubeConfig, type CoreV1Event, type V1Pod } from "@kubernetes/client-node";
import { explainPod, formatProblem, isPodReady } from "./reasons.js";
import { direct, smoke, viaApiServer } from "./smoke.js";
import { deploymentState, statefulSetState, type RolloutState } from "./workloads.js";

const HELP = `usage: rollout [options]
  -n, --namespace <ns>       namespace of the release (default: chirp)
  -r, --release <name>       Helm release name (default: chirp)
  -l, --selector <sel>       label selector (default: app.kubernetes.io/instance=<release>,app.kubernetes.io/part-of=chirp)
  -t, --timeout <seconds>    how long to wait for the rollout (default: 600)
      --interval <seconds>   poll interval (default: 3)
      --skip-wait            only run the smoke checks
      --skip-smoke           only wait for the rollout
      --gateway-url <url>    call the gateway here instead of through the API server's service proxy
      --gateway-service <s>  gateway Service name (default: the chart's <fullname>-gateway)
      --gateway-port <p>     Service port name or number (default: http)
      --api-path <path>      API path for the smoke check (default: /api/v1/users/by-username/smoke_check_0)
      --expect <codes>       acceptable statuses for it (default: 200,404: the user service answered)`;

interface Options {
  namespace: string;
  release: string;
  selector: string;
  timeoutMs: number;
  intervalMs: number;
  wait: boolean;
  smoke: boolean;
  gatewayUrl?: string;
  gatewayService: string;
  gatewayPort: string;
  apiPath: string;
  expect: number[];
}

function options(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      namespace: { type: "string", short: "n", default: "chirp" },
      release: { type: "string", short: "r", default: "chirp" },
      selector: { type: "string", short: "l" },
      timeout: { type: "string", short: "t", default: "600" },
      interval: { type: "string", default: "3" },
      "skip-wait": { type: "boolean", default: false },
      "skip-smoke": { type: "boolean", default: false },
      "gateway-url": { type: "string" },
      "gateway-service": { type: "string" },
      "gateway-port": { type: "string", default: "http" },
      "api-path": { type: "string", default: "/api/v1/users/by-username/smoke_check_0" },
      expect: { type: "string", default: "200,404" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    console.log(HELP);
    process.exit(0);
  }
  const release = values.release;
  const seconds = (v: string, name: string) => {
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name}: expected a positive number of seconds, got ${v}`);
    return n * 1000;
  };
  const expect = values.expect.split(",").map((s) => Number(s.trim()));
  if (expect.some((n) => !Number.isInteger(n) || n < 100 || n > 599)) throw new Error(`--expect: expected HTTP status codes, got ${values.expect}`);
  if (!values["api-path"].startsWith("/")) throw new Error("--api-path must start with /");
  return {
    namespace: values.namespace,
    release,
    selector: values.selector ?? `app.kubernetes.io/instance=${release},app.kubernetes.io/part-of=chirp`,
    timeoutMs: seconds(values.timeout, "timeout"),
    intervalMs: seconds(values.interval, "interval"),
    wait: !values["skip-wait"],
    smoke: !values["skip-smoke"],
    gatewayUrl: values["gateway-url"],
    // The chart's fullname rule: the release name when it contains "chirp", else <release>-chirp.
    gatewayService: values["gateway-service"] ?? `${release.includes("chirp") ? release : `${release}-chirp`}-gateway`,
    gatewayPort: values["gateway-port"],
    apiPath: values["api-path"],
    expect,
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const stamp = () => new Date().toISOString().slice(11, 19);

async function rolloutStates(apps: AppsV1Api, o: Options): Promise<RolloutState[]> {
  const [deps, sets] = await Promise.all([
    apps.listNamespacedDeployment({ namespace: o.namespace, labelSelector: o.selector }),
    apps.listNamespacedStatefulSet({ namespace: o.namespace, labelSelector: o.selector }),
  ]);
  return [...deps.items.map(deploymentState), ...sets.items.map(statefulSetState)].sort((a, b) => a.name.localeCompare(b.name));
}

async function podProblems(core: CoreV1Api, o: Options): Promise<string[]> {
  const pods = await core.listNamespacedPod({ namespace: o.namespace, labelSelector: o.selector });
  const unready = pods.items.filter((p: V1Pod) => !isPodReady(p) && p.status?.phase !== "Succeeded");
  if (unready.length === 0) return [];
  let events: CoreV1Event[] = [];
  try {
    events = (await core.listNamespacedEvent({ namespace: o.namespace, fieldSelector: "involvedObject.kind=Pod" })).items;
  } catch {
    // Events are an extra; without the permission the pod status still tells a lot.
  }
  return unready.flatMap((p) => explainPod(p, events).map(formatProblem));
}

async function waitForRollout(kc: KubeConfig, o: Options): Promise<boolean> {
  const apps = kc.makeApiClient(AppsV1Api);
  const core = kc.makeApiClient(CoreV1Api);
  const deadline = Date.now() + o.timeoutMs;
  const seen = new Map<string, string>();
  let shownProblems = new Set<string>();
  let lastProblemCheck = 0;
  console.log(`waiting up to ${o.timeoutMs / 1000}s for workloads in ${o.namespace} matching ${o.selector}`);
  let apiError = "";
  for (;;) {
    let states: RolloutState[];
    try {
      states = await rolloutStates(apps, o);
      apiError = "";
    } catch (err) {
      // The API server may be restarting (kind) or briefly unreachable: retry until the deadline.
      const msg = `cannot list workloads: ${err instanceof Error ? err.message : String(err)}`;
      if (msg !== apiError) console.error(`${stamp()} ${msg}`);
      apiError = msg;
      if (Date.now() > deadline) return false;
      await sleep(o.intervalMs);
      continue;
    }
    for (const s of states) {
      const line = `${s.kind}/${s.name}: ${s.done ? "ready" : s.message}`;
      if (seen.get(s.name) !== line) {
        console.log(`${stamp()} ${line}`);
        seen.set(s.name, line);
      }
    }
    const failed = states.filter((s) => s.failed);
    const done = states.length > 0 && states.every((s) => s.done);
    if (done) {
      console.log(`${stamp()} all ${states.length} workloads are rolled out and available`);
      return true;
    }
    const timedOut = Date.now() > deadline;
    // Every 10 s (and at the end), say what the unready pods are stuck on; only new lines.
    if (timedOut || failed.length > 0 || Date.now() - lastProblemCheck > 10_000) {
      lastProblemCheck = Date.now();
      const problems = await podProblems(core, o);
      const fresh = problems.filter((p) => !shownProblems.has(p));
      for (const p of fresh) console.log(`${stamp()}   pod ${p}`);
      shownProblems = new Set(problems);
      if (timedOut || failed.length > 0) {
        if (states.length === 0) console.error(`no Deployment or StatefulSet matches ${o.selector} in ${o.namespace}: is the release installed?`);
        for (const s of states.filter((x) => !x.done)) console.error(`NOT READY ${s.kind}/${s.name}: ${s.message}`);
        for (const p of problems) console.error(`  pod ${p}`);
        return false;
      }
    }
    await sleep(o.intervalMs);
  }
}

async function main(): Promise<number> {
  let o: Options;
  try {
    o = options(process.argv.slice(2));
  } catch (err) {
    console.error(err instanceof Error ? err.message : String(err));
    console.error(HELP);
    return 2;
  }
  const kc = new KubeConfig();
  try {
    kc.loadFromDefault();
    const cluster = kc.getCurrentCluster();
    if (!cluster) throw new Error("no current context in the kubeconfig");
    // loadFromDefault falls back to http://localhost:8080 when it finds nothing at all.
    if (kc.getCurrentContext() === "loaded-context" && cluster.server === "http://localhost:8080") {
      throw new Error("none found (set KUBECONFIG, or create a cluster: make kind-up)");
    }
  } catch (err) {
    console.error(`cannot load a kubeconfig: ${err instanceof Error ? err.message : String(err)}`);
    return 2;
  }
  if (o.wait && !(await waitForRollout(kc, o))) return 1;
  if (o.smoke) {
    const get = o.gatewayUrl ? direct(o.gatewayUrl) : viaApiServer(kc, o.namespace, o.gatewayService, o.gatewayPort);
    console.log(`smoke: gateway ${o.gatewayUrl ?? `svc/${o.gatewayService}:${o.gatewayPort} via the API server`}`);
    const r = await smoke(get, o.apiPath, o.expect);
    for (const line of r.lines) console.log(`  ${line}`);
    if (!r.ok) return 1;
  }
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
    process.exit(1);
  },
);
