// Is a Deployment or StatefulSet rolled out? The same rules as `kubectl rollout
// status`, as pure functions over the objects, so they can be unit-tested.
import type { V1Deployment, V1StatefulSet } from "@kubernetes/client-node";

export interface RolloutState {
  kind: "Deployment" | "StatefulSet";
  name: string;
  done: boolean;
  /** Rolled out but can no longer progress (ProgressDeadlineExceeded). */
  failed: boolean;
  message: string;
}

export function deploymentState(d: V1Deployment): RolloutState {
  const name = d.metadata?.name ?? "(unnamed)";
  const base = { kind: "Deployment" as const, name };
  const want = d.spec?.replicas ?? 1;
  const s = d.status ?? {};
  if ((d.metadata?.generation ?? 0) > (s.observedGeneration ?? 0)) {
    return { ...base, done: false, failed: false, message: "waiting for the controller to see the new spec" };
  }
  const progressing = s.conditions?.find((c) => c.type === "Progressing");
  if (progressing?.reason === "ProgressDeadlineExceeded") {
    return { ...base, done: false, failed: true, message: `rollout exceeded its progress deadline: ${progressing.message ?? ""}`.trim() };
  }
  const updated = s.updatedReplicas ?? 0;
  const total = s.replicas ?? 0;
  const available = s.availableReplicas ?? 0;
  if (updated < want) return { ...base, done: false, failed: false, message: `${updated} of ${want} replicas updated` };
  if (total > updated) return { ...base, done: false, failed: false, message: `${total - updated} old replica(s) still terminating` };
  if (available < updated) return { ...base, done: false, failed: false, message: `${available} of ${updated} updated replicas available` };
  const availableCond = s.conditions?.find((c) => c.type === "Available");
  if (want > 0 && availableCond?.status !== "True") {
    return { ...base, done: false, failed: false, message: `not Available: ${availableCond?.message ?? "no Available condition yet"}` };
  }
  return { ...base, done: true, failed: false, message: `${available}/${want} available` };
}

export function statefulSetState(st: V1StatefulSet): RolloutState {
  const name = st.metadata?.name ?? "(unnamed)";
  const base = { kind: "StatefulSet" as const, name };
  const want = st.spec?.replicas ?? 1;
  const s = st.status;
  if (!s || (st.metadata?.generation ?? 0) > (s.observedGeneration ?? 0)) {
    return { ...base, done: false, failed: false, message: "waiting for the controller to see the new spec" };
  }
  const ready = s.readyReplicas ?? 0;
  const available = s.availableReplicas ?? ready;
  if (ready < want) return { ...base, done: false, failed: false, message: `${ready} of ${want} pods ready` };
  if (available < want) return { ...base, done: false, failed: false, message: `${available} of ${want} pods available` };
  const strategy = st.spec?.updateStrategy;
  if (strategy?.type === "RollingUpdate" || strategy?.type === undefined) {
    const partition = strategy?.rollingUpdate?.partition ?? 0;
    if (partition > 0) {
      const updated = s.updatedReplicas ?? 0;
      if (updated < want - partition) return { ...base, done: false, failed: false, message: `${updated} of ${want - partition} pods updated (partition ${partition})` };
    } else if (s.updateRevision && s.currentRevision !== s.updateRevision) {
      return { ...base, done: false, failed: false, message: `${s.updatedReplicas ?? 0} of ${want} pods at revision ${s.updateRevision}` };
    }
  }
  return { ...base, done: true, failed: false, message: `${ready}/${want} ready` };
}
