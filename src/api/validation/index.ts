// Validation of objects in their storage version, as the upstream registry strategies run it.
import type { FieldError } from "../../apimachinery/field-error.ts";
import { findKind } from "../resources.ts";
import {
  validateDaemonSet,
  validateDaemonSetStatusUpdate,
  validateDaemonSetUpdate,
  validateDeployment,
  validateDeploymentStatusUpdate,
  validateDeploymentUpdate,
  validateReplicaSet,
  validateReplicaSetStatusUpdate,
  validateReplicaSetUpdate,
} from "./apps-workloads.ts";
import {
  validateControllerRevision,
  validateControllerRevisionUpdate,
  validateStatefulSet,
  validateStatefulSetStatusUpdate,
  validateStatefulSetUpdate,
} from "./apps-statefulset.ts";
import { validatePriorityClass, validatePriorityClassUpdate } from "./scheduling.ts";
import {
  validateMutatingWebhookConfiguration,
  validateMutatingWebhookConfigurationUpdate,
  validateValidatingWebhookConfiguration,
  validateValidatingWebhookConfigurationUpdate,
} from "./admissionregistration.ts";
import {
  validateValidatingAdmissionPolicy,
  validateValidatingAdmissionPolicyBinding,
  validateValidatingAdmissionPolicyBindingUpdate,
  validateValidatingAdmissionPolicyUpdate,
} from "./admission-policy.ts";
import {
  validateHorizontalPodAutoscaler,
  validateHorizontalPodAutoscalerStatusUpdate,
  validateHorizontalPodAutoscalerUpdate,
} from "./autoscaling.ts";
import {
  validateLimitRange,
  validateLimitRangeUpdate,
  validateResourceQuota,
  validateResourceQuotaStatusUpdate,
  validateResourceQuotaUpdate,
} from "./quota.ts";
import {
  validatePodDisruptionBudget,
  validatePodDisruptionBudgetStatusUpdate,
  validatePodDisruptionBudgetUpdate,
} from "./policy.ts";
import {
  validatePersistentVolume,
  validatePersistentVolumeClaim,
  validatePersistentVolumeClaimStatusUpdate,
  validatePersistentVolumeClaimUpdate,
  validatePersistentVolumeStatusUpdate,
  validatePersistentVolumeUpdate,
  validateStorageClass,
  validateStorageClassUpdate,
} from "./storage.ts";
import { validateCronJob, validateCronJobStatusUpdate, validateCronJobUpdate } from "./batch-cron-job.ts";
import { validateJob, validateJobStatusUpdate, validateJobUpdate } from "./batch-job.ts";
import {
  validateConfigMap,
  validateConfigMapUpdate,
  validateNamespace,
  validateNamespaceFinalizeUpdate,
  validateNamespaceStatusUpdate,
  validateNamespaceUpdate,
  validateNode,
  validateNodeUpdate,
  validateSecret,
  validateSecretUpdate,
  validateServiceAccount,
  validateServiceAccountUpdate,
} from "./core-simple.ts";
import {
  validateEndpointSlice,
  validateEndpointSliceUpdate,
  validateEndpoints,
  validateEndpointsUpdate,
} from "./endpoints.ts";
import { nameIsPathSegment } from "./formats.ts";
import {
  validateIngress,
  validateIngressClass,
  validateIngressClassUpdate,
  validateIngressStatusUpdate,
  validateIngressUpdate,
} from "./ingress.ts";
import { validateEvent, validateEventUpdate, validateLease, validateLeaseUpdate } from "./lease-and-event.ts";
import {
  validateClusterRole,
  validateClusterRoleBinding,
  validateClusterRoleBindingUpdate,
  validateClusterRoleUpdate,
  validateRole,
  validateRoleBinding,
  validateRoleBindingUpdate,
  validateRoleUpdate,
} from "./rbac.ts";
import { validateObjectMeta, validateObjectMetaUpdate } from "./object-meta.ts";
import { validatePodCreate, validatePodStatusUpdate, validatePodUpdate } from "./pod.ts";
import {
  validateReplicationController,
  validateReplicationControllerStatusUpdate,
  validateReplicationControllerUpdate,
} from "./replication-controller.ts";
import { validateService, validateServiceStatusUpdate, validateServiceUpdate } from "./service.ts";

export type { FieldError } from "../../apimachinery/field-error.ts";
export { parseCronSchedule, type CronSchedule } from "./cron-schedule.ts";
export { validateNamespaceFinalizeUpdate };

type Obj = Record<string, any>;
type CreateFn = (obj: Obj) => FieldError[];
type UpdateFn = (obj: Obj, old: Obj) => FieldError[];

interface KindValidation {
  create: CreateFn;
  update: UpdateFn;
  status?: UpdateFn;
}

const kinds: Record<string, KindValidation> = {
  "/Pod": { create: validatePodCreate, update: validatePodUpdate, status: validatePodStatusUpdate },
  "/Service": { create: validateService, update: validateServiceUpdate, status: validateServiceStatusUpdate },
  "/ReplicationController": {
    create: validateReplicationController,
    update: validateReplicationControllerUpdate,
    status: validateReplicationControllerStatusUpdate,
  },
  "/Namespace": {
    create: validateNamespace,
    update: validateNamespaceUpdate,
    status: validateNamespaceStatusUpdate,
  },
  "/ConfigMap": { create: validateConfigMap, update: validateConfigMapUpdate },
  "/Secret": { create: validateSecret, update: validateSecretUpdate },
  "/ServiceAccount": { create: validateServiceAccount, update: validateServiceAccountUpdate },
  "/Node": { create: validateNode, update: validateNodeUpdate, status: validateNodeUpdate },
  "/Endpoints": { create: validateEndpoints, update: validateEndpointsUpdate },
  "/Event": { create: validateEvent, update: validateEventUpdate },
  "events.k8s.io/Event": { create: validateEvent, update: validateEventUpdate },
  "apps/ReplicaSet": {
    create: validateReplicaSet,
    update: validateReplicaSetUpdate,
    status: validateReplicaSetStatusUpdate,
  },
  "apps/Deployment": {
    create: validateDeployment,
    update: validateDeploymentUpdate,
    status: validateDeploymentStatusUpdate,
  },
  "apps/DaemonSet": {
    create: validateDaemonSet,
    update: validateDaemonSetUpdate,
    status: validateDaemonSetStatusUpdate,
  },
  "apps/StatefulSet": {
    create: validateStatefulSet,
    update: validateStatefulSetUpdate,
    status: validateStatefulSetStatusUpdate,
  },
  "apps/ControllerRevision": { create: validateControllerRevision, update: validateControllerRevisionUpdate },
  "/PersistentVolumeClaim": {
    create: validatePersistentVolumeClaim,
    update: validatePersistentVolumeClaimUpdate,
    status: validatePersistentVolumeClaimStatusUpdate,
  },
  "/PersistentVolume": {
    create: validatePersistentVolume,
    update: validatePersistentVolumeUpdate,
    status: validatePersistentVolumeStatusUpdate,
  },
  "autoscaling/HorizontalPodAutoscaler": {
    create: validateHorizontalPodAutoscaler,
    update: validateHorizontalPodAutoscalerUpdate,
    status: validateHorizontalPodAutoscalerStatusUpdate,
  },
  "scheduling.k8s.io/PriorityClass": { create: validatePriorityClass, update: validatePriorityClassUpdate },
  "admissionregistration.k8s.io/MutatingWebhookConfiguration": {
    create: validateMutatingWebhookConfiguration,
    update: validateMutatingWebhookConfigurationUpdate,
  },
  "admissionregistration.k8s.io/ValidatingAdmissionPolicy": {
    create: validateValidatingAdmissionPolicy,
    update: validateValidatingAdmissionPolicyUpdate,
    status: () => [],
  },
  "admissionregistration.k8s.io/ValidatingAdmissionPolicyBinding": {
    create: validateValidatingAdmissionPolicyBinding,
    update: validateValidatingAdmissionPolicyBindingUpdate,
  },
  "admissionregistration.k8s.io/ValidatingWebhookConfiguration": {
    create: validateValidatingWebhookConfiguration,
    update: validateValidatingWebhookConfigurationUpdate,
  },
  "/ResourceQuota": {
    create: validateResourceQuota,
    update: validateResourceQuotaUpdate,
    status: validateResourceQuotaStatusUpdate,
  },
  "/LimitRange": { create: validateLimitRange, update: validateLimitRangeUpdate },
  "policy/PodDisruptionBudget": {
    create: validatePodDisruptionBudget,
    update: validatePodDisruptionBudgetUpdate,
    status: validatePodDisruptionBudgetStatusUpdate,
  },
  "storage.k8s.io/StorageClass": { create: validateStorageClass, update: validateStorageClassUpdate },
  "batch/Job": { create: validateJob, update: validateJobUpdate, status: validateJobStatusUpdate },
  "batch/CronJob": {
    create: validateCronJob,
    update: validateCronJobUpdate,
    status: validateCronJobStatusUpdate,
  },
  "networking.k8s.io/Ingress": {
    create: validateIngress,
    update: validateIngressUpdate,
    status: validateIngressStatusUpdate,
  },
  "networking.k8s.io/IngressClass": { create: validateIngressClass, update: validateIngressClassUpdate },
  "discovery.k8s.io/EndpointSlice": { create: validateEndpointSlice, update: validateEndpointSliceUpdate },
  "coordination.k8s.io/Lease": { create: validateLease, update: validateLeaseUpdate },
  "rbac.authorization.k8s.io/Role": { create: validateRole, update: validateRoleUpdate },
  "rbac.authorization.k8s.io/ClusterRole": { create: validateClusterRole, update: validateClusterRoleUpdate },
  "rbac.authorization.k8s.io/RoleBinding": { create: validateRoleBinding, update: validateRoleBindingUpdate },
  "rbac.authorization.k8s.io/ClusterRoleBinding": {
    create: validateClusterRoleBinding,
    update: validateClusterRoleBindingUpdate,
  },
};

function namespaced(group: string, kind: string): boolean {
  return findKind(group === "events.k8s.io" ? "" : group, kind)?.namespaced ?? true;
}

function asObj(obj: unknown): Obj {
  return typeof obj === "object" && obj !== null ? (obj as Obj) : {};
}

/**
 * Field errors for creating `obj` (already defaulted, name generated, uid set).
 * Like rest.BeforeCreate, the generic metadata checks (path-segment names) run only when
 * the kind's own validation passed, so their messages never hide the specific ones.
 */
export function validateCreate(group: string, kind: string, obj: any): FieldError[] {
  const o = asObj(obj);
  const v = kinds[`${group}/${kind}`];
  const errs = v ? v.create(o) : [];
  if (errs.length) return errs;
  return validateObjectMeta(o.metadata, namespaced(group, kind), nameIsPathSegment);
}

/** Field errors for replacing `old` with `obj` through the main resource. */
export function validateUpdate(group: string, kind: string, obj: any, old: any): FieldError[] {
  const o = asObj(obj);
  const prev = asObj(old);
  const v = kinds[`${group}/${kind}`];
  return v ? v.update(o, prev) : validateObjectMetaUpdate(o.metadata, prev.metadata);
}

/** Field errors for a write through the /status subresource. */
export function validateStatusUpdate(group: string, kind: string, obj: any, old: any): FieldError[] {
  const o = asObj(obj);
  const prev = asObj(old);
  const status = kinds[`${group}/${kind}`]?.status;
  return status ? status(o, prev) : validateObjectMetaUpdate(o.metadata, prev.metadata);
}
