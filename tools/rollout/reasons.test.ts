import test from "ava";
import type { CoreV1Event, V1ContainerStatus, V1Pod } from "@kubernetes/client-node";
import { explainPod, formatProblem, isPodReady } from "./reasons.js";

// Pods as the API server returns them, trimmed to the fields that matter.
function pod(name: string, status: V1Pod["status"], extra: Partial<V1Pod> = {}): V1Pod {
  return { apiVersion: "v1", kind: "Pod", metadata: { name, namespace: "chirp" }, spec: { containers: [{ name: "user" }] }, status, ...extra };
}

function container(partial: Partial<V1ContainerStatus>): V1ContainerStatus {
  return { name: "user", image: "chirp:dev", imageID: "", ready: false, restartCount: 0, ...partial };
}

const scheduled = { type: "PodScheduled", status: "True" };
const notReady = { type: "Ready", status: "False", reason: "ContainersNotReady", message: "containers with unready status: [user]" };

function event(podName: string, reason: string, message: string, at: string, fieldPath = "spec.containers{user}"): CoreV1Event {
  return {
    metadata: { name: `${podName}.${at}` },
    involvedObject: { kind: "Pod", name: podName, fieldPath },
    reason,
    message,
    lastTimestamp: new Date(at),
  };
}

test("a ready pod has no problems", (t) => {
  const p = pod("chirp-user-0", {
    phase: "Running",
    conditions: [scheduled, { type: "Ready", status: "True" }],
    containerStatuses: [container({ ready: true, started: true, state: { running: {} } })],
  });
  t.true(isPodReady(p));
  t.deepEqual(explainPod(p), []);
});

test("image pull failures are named with the registry's message", (t) => {
  for (const reason of ["ErrImagePull", "ImagePullBackOff", "ErrImageNeverPull", "InvalidImageName"]) {
    const p = pod("chirp-gateway-7d9f-abcde", {
      phase: "Pending",
      conditions: [scheduled, notReady],
      containerStatuses: [container({ name: "gateway", state: { waiting: { reason, message: 'Back-off pulling image "chirp:dev"' } } })],
    });
    const [problem, ...rest] = explainPod(p);
    t.is(rest.length, 0);
    t.is(problem?.category, "image-pull", reason);
    t.is(problem?.reason, reason);
    t.is(problem?.container, "gateway");
    t.regex(problem?.message ?? "", /chirp:dev/);
  }
});

test("a crash loop reports the last exit, the restarts and a liveness kill", (t) => {
  const p = pod("chirp-user-0", {
    phase: "Running",
    conditions: [scheduled, notReady],
    containerStatuses: [
      container({
        restartCount: 4,
        state: { waiting: { reason: "CrashLoopBackOff", message: "back-off 1m20s restarting failed container" } },
        lastState: { terminated: { exitCode: 2, reason: "Error", message: "invalid configuration:\n  CHIRP_JWT_PUBLIC_KEY: required" } },
      }),
    ],
  });
  const [problem] = explainPod(p, [event("chirp-user-0", "Unhealthy", "Liveness probe failed: timeout: failed to connect service \":50051\"", "2025-01-01T00:00:05Z")]);
  t.is(problem?.category, "crash-loop");
  t.is(problem?.reason, "CrashLoopBackOff");
  t.regex(problem?.message ?? "", /last exit 2 \(Error\): invalid configuration: CHIRP_JWT_PUBLIC_KEY: required/);
  t.regex(problem?.message ?? "", /4 restart\(s\)/);
  t.regex(problem?.message ?? "", /killed by Liveness probe failed/);
});

test("an OOM kill shows up in the crash-loop reason", (t) => {
  const p = pod("chirp-timeline-5c-x", {
    phase: "Running",
    conditions: [scheduled, notReady],
    containerStatuses: [
      container({ name: "timeline", restartCount: 1, state: { waiting: { reason: "CrashLoopBackOff" } }, lastState: { terminated: { exitCode: 137, reason: "OOMKilled" } } }),
    ],
  });
  t.regex(formatProblem(explainPod(p)[0]!), /^chirp-timeline-5c-x \[timeline\] crash-loop CrashLoopBackOff: last exit 137 \(OOMKilled\)/);
});

test("a running container that is not ready names the failing readiness probe", (t) => {
  const p = pod("chirp-tweet-1", {
    phase: "Running",
    conditions: [scheduled, notReady],
    containerStatuses: [container({ name: "tweet", started: true, state: { running: {} } })],
  });
  const events = [
    event("chirp-tweet-1", "Unhealthy", "Readiness probe failed: service unhealthy (responded with \"NOT_SERVING\")", "2025-01-01T00:00:09Z", "spec.containers{tweet}"),
    event("chirp-tweet-1", "Unhealthy", "Readiness probe failed: older", "2025-01-01T00:00:01Z", "spec.containers{tweet}"),
    event("chirp-tweet-0", "Unhealthy", "Readiness probe failed: another pod", "2025-01-01T00:00:10Z", "spec.containers{tweet}"),
  ];
  const [problem] = explainPod(p, events);
  t.is(problem?.category, "failing-probe");
  t.is(problem?.reason, "Unhealthy");
  t.is(problem?.message, 'Readiness probe failed: service unhealthy (responded with "NOT_SERVING")');
});

test("without events a failing probe is still named, and startup is told apart", (t) => {
  const readiness = pod("a", { phase: "Running", conditions: [scheduled, notReady], containerStatuses: [container({ started: true, state: { running: {} } })] });
  t.is(explainPod(readiness)[0]?.message, "readiness probe failing");
  const startup = pod("b", { phase: "Running", conditions: [scheduled, notReady], containerStatuses: [container({ started: false, state: { running: {} } })] });
  t.is(explainPod(startup)[0]?.category, "failing-probe");
  t.is(explainPod(startup)[0]?.message, "startup probe has not passed yet");
});

test("a missing Secret is a configuration problem", (t) => {
  const p = pod("chirp-graph-0", {
    phase: "Pending",
    conditions: [scheduled, notReady],
    containerStatuses: [container({ name: "graph", state: { waiting: { reason: "CreateContainerConfigError", message: 'secret "chirp-jwt" not found' } } })],
  });
  const [problem] = explainPod(p);
  t.is(problem?.category, "config");
  t.is(problem?.message, 'secret "chirp-jwt" not found');
});

test("an unschedulable pod says why", (t) => {
  const p = pod("chirp-cassandra-0", {
    phase: "Pending",
    conditions: [{ type: "PodScheduled", status: "False", reason: "Unschedulable", message: "0/1 nodes are available: 1 Insufficient memory." }],
  });
  t.deepEqual(explainPod(p), [
    { pod: "chirp-cassandra-0", category: "unschedulable", reason: "Unschedulable", message: "0/1 nodes are available: 1 Insufficient memory." },
  ]);
});

test("a failing init container (migration wait) is reported, a finished one is not", (t) => {
  const p = pod("chirp-migrate-abc", {
    phase: "Pending",
    conditions: [scheduled, notReady],
    initContainerStatuses: [
      container({ name: "done-init", state: { terminated: { exitCode: 0, reason: "Completed" } } }),
      container({ name: "wait-for-cassandra", restartCount: 0, state: { terminated: { exitCode: 1, reason: "Error", message: "no contact point answered" } } }),
    ],
    containerStatuses: [container({ name: "migrate", state: { waiting: { reason: "PodInitializing" } } })],
  });
  const problems = explainPod(p);
  t.is(problems[0]?.container, "wait-for-cassandra (init)");
  t.is(problems[0]?.category, "crash-loop");
  t.regex(problems[0]?.message ?? "", /exit 1: no contact point answered/);
  t.is(problems[1]?.category, "starting");
  t.false(problems.some((x) => x.container?.startsWith("done-init")));
});

test("problems are ordered with the most telling first", (t) => {
  const p = pod("mixed", {
    phase: "Pending",
    conditions: [scheduled, notReady],
    containerStatuses: [
      container({ name: "a", state: { waiting: { reason: "ContainerCreating" } } }),
      container({ name: "b", state: { waiting: { reason: "ImagePullBackOff" } } }),
    ],
  });
  t.deepEqual(explainPod(p).map((x) => x.category), ["image-pull", "starting"]);
});

test("evicted, failed and terminating pods", (t) => {
  t.is(explainPod(pod("e", { phase: "Failed", reason: "Evicted", message: "The node was low on resource: memory." }))[0]?.category, "evicted");
  t.is(explainPod(pod("f", { phase: "Failed" }))[0]?.category, "failed");
  t.is(explainPod(pod("g", { phase: "Running" }, { metadata: { name: "g", deletionTimestamp: new Date() } }))[0]?.category, "terminating");
});

test("a pod with no container status yet is starting", (t) => {
  const [problem] = explainPod(pod("new", { phase: "Pending", conditions: [scheduled] }));
  t.is(problem?.category, "starting");
});
