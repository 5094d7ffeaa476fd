import test from "ava";
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { V1Deployment, V1StatefulSet } from "@kubernetes/client-node";
import { direct, smoke } from "./smoke.js";
import { deploymentState, statefulSetState } from "./workloads.js";

function deployment(spec: { replicas: number; generation?: number }, status: V1Deployment["status"]): V1Deployment {
  return { metadata: { name: "chirp-gateway", generation: spec.generation ?? 2 }, spec: { replicas: spec.replicas, selector: {}, template: {} }, status };
}

const available = { type: "Available", status: "True" };

test("a Deployment is done when every replica is updated and available", (t) => {
  const s = deploymentState(deployment({ replicas: 2 }, { observedGeneration: 2, replicas: 2, updatedReplicas: 2, availableReplicas: 2, conditions: [available] }));
  t.true(s.done);
  t.false(s.failed);
});

test("a Deployment waits for the controller, updates, old replicas and availability", (t) => {
  t.regex(deploymentState(deployment({ replicas: 2, generation: 3 }, { observedGeneration: 2 })).message, /controller/);
  t.is(deploymentState(deployment({ replicas: 3 }, { observedGeneration: 2, replicas: 3, updatedReplicas: 1 })).message, "1 of 3 replicas updated");
  t.is(deploymentState(deployment({ replicas: 2 }, { observedGeneration: 2, replicas: 3, updatedReplicas: 2 })).message, "1 old replica(s) still terminating");
  t.is(deploymentState(deployment({ replicas: 2 }, { observedGeneration: 2, replicas: 2, updatedReplicas: 2, availableReplicas: 1 })).message, "1 of 2 updated replicas available");
  const noCondition = deploymentState(deployment({ replicas: 1 }, { observedGeneration: 2, replicas: 1, updatedReplicas: 1, availableReplicas: 1, conditions: [{ type: "Available", status: "False", message: "min availability" }] }));
  t.false(noCondition.done);
});

test("a Deployment past its progress deadline has failed", (t) => {
  const s = deploymentState(
    deployment({ replicas: 1 }, { observedGeneration: 2, replicas: 1, updatedReplicas: 1, conditions: [{ type: "Progressing", status: "False", reason: "ProgressDeadlineExceeded", message: 'ReplicaSet "x" has timed out progressing.' }] }),
  );
  t.true(s.failed);
  t.false(s.done);
});

function statefulSet(replicas: number, status: V1StatefulSet["status"], partition?: number): V1StatefulSet {
  return {
    metadata: { name: "chirp-user", generation: 1 },
    spec: { replicas, selector: {}, serviceName: "chirp-user-headless", template: {}, updateStrategy: { type: "RollingUpdate", ...(partition ? { rollingUpdate: { partition } } : {}) } },
    status,
  };
}

test("a StatefulSet is done when every pod is ready at the update revision", (t) => {
  t.true(statefulSetState(statefulSet(2, { observedGeneration: 1, replicas: 2, readyReplicas: 2, availableReplicas: 2, currentRevision: "r2", updateRevision: "r2", updatedReplicas: 2 })).done);
  const rolling = statefulSetState(statefulSet(2, { observedGeneration: 1, replicas: 2, readyReplicas: 2, availableReplicas: 2, currentRevision: "r1", updateRevision: "r2", updatedReplicas: 1 }));
  t.false(rolling.done);
  t.is(rolling.message, "1 of 2 pods at revision r2");
  t.is(statefulSetState(statefulSet(2, { observedGeneration: 1, replicas: 2, readyReplicas: 1 })).message, "1 of 2 pods ready");
  t.true(statefulSetState(statefulSet(4, { observedGeneration: 1, replicas: 4, readyReplicas: 4, updatedReplicas: 2, currentRevision: "r1", updateRevision: "r2" }, 2)).done);
});

test("smoke passes on a ready gateway and an answered API path", async (t) => {
  const answers: Record<string, [number, string]> = {
    "/readyz": [200, '{"status":"ready"}'],
    "/api/v1/users/by-username/smoke_check_0": [404, '{"code":"not_found","message":"no such user"}'],
  };
  const server = http.createServer((req, res) => {
    const [status, body] = answers[req.url ?? ""] ?? [500, "{}"];
    res.writeHead(status, { "content-type": "application/json" }).end(body);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  t.teardown(() => server.close());
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const r = await smoke(direct(base), "/api/v1/users/by-username/smoke_check_0", [200, 404]);
  t.true(r.ok, r.lines.join("\n"));
  t.is(r.lines.length, 2);
  const bad = await smoke(direct(base), "/api/v1/nope", [200, 404]);
  t.false(bad.ok);
  t.regex(bad.lines[1] ?? "", /^FAIL GET \/api\/v1\/nope -> 500/);
});

test("smoke does not count the API server's own errors as the gateway's answer", async (t) => {
  const status = JSON.stringify({ kind: "Status", apiVersion: "v1", status: "Failure", message: 'no endpoints available for service "chirp-gateway"', code: 503 });
  const r = await smoke(async (path) => (path === "/readyz" ? { status: 200, body: "ok" } : { status: 404, body: status.replace("503", "404") }), "/api/x", [404]);
  t.false(r.ok);
  const unreachable = await smoke(async () => Promise.reject(new Error("connect ECONNREFUSED")), "/api/x", [404]);
  t.false(unreachable.ok);
  t.regex(unreachable.lines[0] ?? "", /ECONNREFUSED/);
});
