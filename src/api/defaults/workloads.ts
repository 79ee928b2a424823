// ReplicationController (core/v1) and apps/v1 workload defaults.
import { defaultPodTemplate } from "./pod-spec.ts";
import { defaultPersistentVolumeClaim } from "./storage.ts";
import { child, isEmptyMap, isObj, list, setIfEmpty, setIfUnset, type Obj } from "./util.ts";

export function defaultReplicationController(rc: Obj): void {
  const spec = child(rc, "spec");
  const labels =
    isObj(spec.template) && isObj(spec.template.metadata) ? spec.template.metadata.labels : undefined;
  if (isObj(labels)) {
    if (isEmptyMap(spec.selector)) spec.selector = { ...labels };
    const meta = child(rc, "metadata");
    if (isEmptyMap(meta.labels)) meta.labels = { ...labels };
  }
  setIfUnset(spec, "replicas", 1);
  defaultPodTemplate(spec.template);
}

export function defaultReplicaSet(rs: Obj): void {
  const spec = child(rs, "spec");
  setIfUnset(spec, "replicas", 1);
  defaultPodTemplate(spec.template);
}

export function defaultDeployment(d: Obj): void {
  const spec = child(d, "spec");
  setIfUnset(spec, "replicas", 1);
  const strategy = child(spec, "strategy");
  setIfEmpty(strategy, "type", "RollingUpdate");
  if (strategy.type === "RollingUpdate") {
    const ru = child(strategy, "rollingUpdate");
    setIfUnset(ru, "maxUnavailable", "25%");
    setIfUnset(ru, "maxSurge", "25%");
  }
  setIfUnset(spec, "revisionHistoryLimit", 10);
  setIfUnset(spec, "progressDeadlineSeconds", 600);
  defaultPodTemplate(spec.template);
}

export function defaultDaemonSet(ds: Obj): void {
  const spec = child(ds, "spec");
  const strategy = child(spec, "updateStrategy");
  setIfEmpty(strategy, "type", "RollingUpdate");
  if (strategy.type === "RollingUpdate") {
    const ru = child(strategy, "rollingUpdate");
    setIfUnset(ru, "maxUnavailable", 1);
    setIfUnset(ru, "maxSurge", 0);
  }
  setIfUnset(spec, "revisionHistoryLimit", 10);
  defaultPodTemplate(spec.template);
}

export function defaultStatefulSet(sts: Obj): void {
  const spec = child(sts, "spec");
  setIfEmpty(spec, "podManagementPolicy", "OrderedReady");
  const strategy = child(spec, "updateStrategy");
  setIfEmpty(strategy, "type", "RollingUpdate");
  if (strategy.type === "RollingUpdate") setIfUnset(child(strategy, "rollingUpdate"), "partition", 0);
  const retention = child(spec, "persistentVolumeClaimRetentionPolicy");
  setIfEmpty(retention, "whenDeleted", "Retain");
  setIfEmpty(retention, "whenScaled", "Retain");
  setIfUnset(spec, "replicas", 1);
  setIfUnset(spec, "revisionHistoryLimit", 10);
  defaultPodTemplate(spec.template);
  // apps/v1 shows each claim template as a whole PersistentVolumeClaim, defaulted as one.
  for (const t of list(spec.volumeClaimTemplates)) {
    t.apiVersion ??= "v1";
    t.kind ??= "PersistentVolumeClaim";
    const meta = child(t, "metadata");
    if (!("creationTimestamp" in meta)) meta.creationTimestamp = null;
    defaultPersistentVolumeClaim(t);
  }
}
