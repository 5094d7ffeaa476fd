// Why is a pod not ready? Turns a Pod object (and, when at hand, its Events) into
// one line per problem an SRE can act on: an image that cannot be pulled, a crash
// loop (with the last exit), a failing probe (with the kubelet's message), a missing
// Secret or ConfigMap, a pod that cannot be scheduled. Pure: no API calls here.
import type { CoreV1Event, V1ContainerStatus, V1Pod } from "@kubernetes/client-node";

export type Category =
  | "image-pull"
  | "crash-loop"
  | "failing-probe"
  | "config"
  | "unschedulable"
  | "starting"
  | "terminating"
  | "evicted"
  | "failed";

export interface PodProblem {
  pod: string;
  container?: string;
  category: Category;
  /** The Kubernetes reason, e.g. ImagePullBackOff, CrashLoopBackOff, Unhealthy. */
  reason: string;
  message: string;
}

const IMAGE_PULL = new Set(["ErrImagePull", "ImagePullBackOff", "InvalidImageName", "ErrImageNeverPull", "RegistryUnavailable", "SignatureValidationFailed"]);
const CONFIG = new Set(["CreateContainerConfigError", "CreateContainerError", "RunContainerError", "PreCreateHookError", "PreStartHookError", "PostStartHookError"]);
const STARTING = new Set(["ContainerCreating", "PodInitializing"]);

/** True when the pod counts as ready (condition Ready=True). */
export function isPodReady(pod: V1Pod): boolean {
  return pod.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false;
}

/** The problems of one pod, most telling first; empty when it is ready. */
export function explainPod(pod: V1Pod, events: CoreV1Event[] = []): PodProblem[] {
  const name = pod.metadata?.name ?? "(unnamed)";
  if (pod.metadata?.deletionTimestamp) {
    return [{ pod: name, category: "terminating", reason: "Terminating", message: "being deleted" }];
  }
  const status = pod.status ?? {};
  if (status.phase === "Failed") {
    const evicted = status.reason === "Evicted";
    return [{ pod: name, category: evicted ? "evicted" : "failed", reason: status.reason ?? "Failed", message: status.message ?? "pod failed" }];
  }
  if (isPodReady(pod) || status.phase === "Succeeded") return [];

  const problems: PodProblem[] = [];
  const scheduled = status.conditions?.find((c) => c.type === "PodScheduled");
  if (scheduled?.status === "False") {
    problems.push({ pod: name, category: "unschedulable", reason: scheduled.reason ?? "Unschedulable", message: scheduled.message ?? "no node fits" });
    return problems;
  }

  const podEvents = eventsFor(name, events);
  const statuses: Array<[V1ContainerStatus, boolean]> = [
    ...(status.initContainerStatuses ?? []).map((s): [V1ContainerStatus, boolean] => [s, true]),
    ...(status.containerStatuses ?? []).map((s): [V1ContainerStatus, boolean] => [s, false]),
  ];
  for (const [cs, init] of statuses) {
    const p = explainContainer(name, cs, init, podEvents);
    if (p) problems.push(p);
  }
  if (problems.length === 0) {
    // No container statuses yet, or all running and nothing said: use the Ready condition.
    const ready = status.conditions?.find((c) => c.type === "Ready" || c.type === "ContainersReady");
    const probe = latestProbeFailure(podEvents);
    if (probe) problems.push({ pod: name, category: "failing-probe", reason: "Unhealthy", message: probe });
    else problems.push({ pod: name, category: "starting", reason: ready?.reason ?? status.phase ?? "Pending", message: ready?.message ?? "waiting for containers" });
  }
  return problems.sort((a, b) => rank(a.category) - rank(b.category));
}

function explainContainer(pod: string, cs: V1ContainerStatus, init: boolean, events: CoreV1Event[]): PodProblem | undefined {
  const container = init ? `${cs.name} (init)` : cs.name;
  const waiting = cs.state?.waiting;
  const last = cs.lastState?.terminated;
  const lastExit = last ? `last exit ${last.exitCode}${last.reason ? ` (${last.reason})` : ""}${last.message ? `: ${oneLine(last.message)}` : ""}` : undefined;

  if (waiting?.reason && IMAGE_PULL.has(waiting.reason)) {
    return { pod, container, category: "image-pull", reason: waiting.reason, message: oneLine(waiting.message ?? `cannot pull ${cs.image}`) };
  }
  if (waiting?.reason === "CrashLoopBackOff") {
    const probe = latestProbeFailure(events, cs.name, "Liveness") ?? latestProbeFailure(events, cs.name, "Startup");
    const why = [lastExit, `${cs.restartCount} restart(s)`, probe ? `killed by ${probe}` : undefined].filter(Boolean).join("; ");
    return { pod, container, category: "crash-loop", reason: "CrashLoopBackOff", message: why };
  }
  if (waiting?.reason && CONFIG.has(waiting.reason)) {
    return { pod, container, category: "config", reason: waiting.reason, message: oneLine(waiting.message ?? "cannot create the container") };
  }
  if (cs.state?.terminated) {
    const t = cs.state.terminated;
    if (init && t.exitCode === 0) return undefined;
    return { pod, container, category: "crash-loop", reason: t.reason ?? "Terminated", message: `exit ${t.exitCode}${t.message ? `: ${oneLine(t.message)}` : ""}; ${cs.restartCount} restart(s)` };
  }
  if (waiting?.reason && STARTING.has(waiting.reason)) {
    return { pod, container, category: "starting", reason: waiting.reason, message: oneLine(waiting.message ?? "starting") };
  }
  if (waiting) {
    return { pod, container, category: "starting", reason: waiting.reason ?? "Waiting", message: oneLine(waiting.message ?? lastExit ?? "waiting") };
  }
  if (cs.state?.running && !cs.ready && !init) {
    if (cs.started === false) {
      const probe = latestProbeFailure(events, cs.name, "Startup");
      return { pod, container, category: "failing-probe", reason: "Unhealthy", message: probe ?? "startup probe has not passed yet" };
    }
    const probe = latestProbeFailure(events, cs.name, "Readiness");
    const restarts = cs.restartCount > 0 ? `; ${cs.restartCount} restart(s), ${lastExit ?? "no exit recorded"}` : "";
    return { pod, container, category: "failing-probe", reason: "Unhealthy", message: (probe ?? "readiness probe failing") + restarts };
  }
  return undefined;
}

/** Events that are about this pod, newest first. */
function eventsFor(pod: string, events: CoreV1Event[]): CoreV1Event[] {
  return events
    .filter((e) => e.involvedObject?.kind === "Pod" && e.involvedObject.name === pod)
    .sort((a, b) => eventTime(b) - eventTime(a));
}

function eventTime(e: CoreV1Event): number {
  const t = e.lastTimestamp ?? e.eventTime ?? e.firstTimestamp ?? e.metadata?.creationTimestamp;
  return t ? new Date(t as unknown as string).getTime() : 0;
}

/** The kubelet's newest "… probe failed: …" message, for one container and probe kind. */
function latestProbeFailure(events: CoreV1Event[], container?: string, kind?: "Readiness" | "Liveness" | "Startup"): string | undefined {
  const hit = events.find(
    (e) =>
      e.reason === "Unhealthy" &&
      (!kind || (e.message ?? "").startsWith(`${kind} probe`)) &&
      (!container || !e.involvedObject?.fieldPath || e.involvedObject.fieldPath.includes(`{${container}}`)),
  );
  return hit?.message ? oneLine(hit.message) : undefined;
}

function oneLine(s: string): string {
  const line = s.replace(/\s+/g, " ").trim();
  return line.length > 300 ? `${line.slice(0, 297)}…` : line;
}

function rank(c: Category): number {
  return ["image-pull", "config", "crash-loop", "failing-probe", "unschedulable", "evicted", "failed", "terminating", "starting"].indexOf(c);
}

/** "chirp-user-0 [user] crash-loop CrashLoopBackOff: last exit 1 (Error); 4 restart(s)" */
export function formatProblem(p: PodProblem): string {
  return `${p.pod}${p.container ? ` [${p.container}]` : ""} ${p.category} ${p.reason}: ${p.message}`;
}
