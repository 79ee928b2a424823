// Defaulting of objects in their storage version, as upstream's SetDefaults_* functions
// (and the default admission plugins that fill pod fields) leave them.
import { defaultCronJob, defaultJob } from "./batch.ts";
import {
  defaultEndpointSlice,
  defaultEndpoints,
  defaultEvent,
  defaultIngressClass,
  defaultNamespace,
  defaultNode,
  defaultPriorityClass,
  defaultSecret,
} from "./misc.ts";
import { defaultPod } from "./pod.ts";
import {
  defaultMutatingWebhookConfiguration,
  defaultValidatingAdmissionPolicy,
  defaultValidatingAdmissionPolicyBinding,
  defaultValidatingWebhookConfiguration,
} from "./admissionregistration.ts";
import { defaultLimitRange } from "./limits.ts";
import { defaultHorizontalPodAutoscaler } from "./autoscaling.ts";
import { defaultService } from "./service.ts";
import { isObj, type Obj } from "./util.ts";
import {
  defaultDaemonSet,
  defaultDeployment,
  defaultReplicaSet,
  defaultReplicationController,
  defaultStatefulSet,
} from "./workloads.ts";
import { defaultPersistentVolume, defaultPersistentVolumeClaim, defaultStorageClass } from "./storage.ts";

export { applyJobSelector } from "./batch.ts";

// rbac/v1 SetDefaults_Subject: users and groups belong to the RBAC API group.
function defaultBindingSubjects(obj: Obj): void {
  if (!Array.isArray(obj.subjects)) return;
  for (const s of obj.subjects as unknown[]) {
    if (!isObj(s) || s.apiGroup) continue;
    // A service account's is "", which Go's omitempty leaves out.
    if (s.kind === "User" || s.kind === "Group") s.apiGroup = "rbac.authorization.k8s.io";
  }
}
export { imageTag } from "./pod-spec.ts";

const defaulters: Record<string, (obj: Obj) => void> = {
  "/Pod": defaultPod,
  "/Service": defaultService,
  "/ReplicationController": defaultReplicationController,
  "/Namespace": defaultNamespace,
  "/Secret": defaultSecret,
  "/Endpoints": defaultEndpoints,
  "/Node": defaultNode,
  "/Event": defaultEvent,
  "apps/ReplicaSet": defaultReplicaSet,
  "apps/Deployment": defaultDeployment,
  "apps/DaemonSet": defaultDaemonSet,
  "apps/StatefulSet": defaultStatefulSet,
  "/PersistentVolumeClaim": defaultPersistentVolumeClaim,
  "/LimitRange": defaultLimitRange,
  "autoscaling/HorizontalPodAutoscaler": defaultHorizontalPodAutoscaler,
  "scheduling.k8s.io/PriorityClass": defaultPriorityClass,
  "/PersistentVolume": defaultPersistentVolume,
  "storage.k8s.io/StorageClass": defaultStorageClass,
  "batch/Job": defaultJob,
  "batch/CronJob": defaultCronJob,
  "networking.k8s.io/IngressClass": defaultIngressClass,
  "discovery.k8s.io/EndpointSlice": defaultEndpointSlice,
  "rbac.authorization.k8s.io/RoleBinding": defaultBindingSubjects,
  "admissionregistration.k8s.io/MutatingWebhookConfiguration": defaultMutatingWebhookConfiguration,
  "admissionregistration.k8s.io/ValidatingWebhookConfiguration": defaultValidatingWebhookConfiguration,
  "admissionregistration.k8s.io/ValidatingAdmissionPolicy": defaultValidatingAdmissionPolicy,
  "admissionregistration.k8s.io/ValidatingAdmissionPolicyBinding": defaultValidatingAdmissionPolicyBinding,
  "rbac.authorization.k8s.io/ClusterRoleBinding": defaultBindingSubjects,
};

/** Fills in upstream's defaults on `obj` in place. Kinds without defaults are left alone. */
export function applyDefaults(group: string, kind: string, obj: any): void {
  if (!isObj(obj)) return;
  defaulters[`${group}/${kind}`]?.(obj);
}

export { addDefaultTolerations, type DefaultTolerationSeconds } from "./pod.ts";
