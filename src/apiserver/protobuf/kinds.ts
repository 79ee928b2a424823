import { accessSchema } from "./schema-access.ts";
import { coreSchema } from "./schema-core.ts";
import { metaSchema } from "./schema-meta.ts";
import type { SchemaTable } from "./schema-types.ts";
import { workloadsSchema } from "./schema-workloads.ts";

export const schema: SchemaTable = { ...metaSchema, ...coreSchema, ...workloadsSchema, ...accessSchema };

/** apiVersion → kind → top-level message: the kinds this decoder understands. */
export const protobufKinds: Record<string, Record<string, string>> = {
  v1: {
    Namespace: "Namespace",
    ConfigMap: "ConfigMap",
    Secret: "Secret",
    Service: "Service",
    ServiceAccount: "ServiceAccount",
    ResourceQuota: "ResourceQuota",
    Pod: "Pod",
  },
  "apps/v1": { Deployment: "Deployment" },
  "batch/v1": { Job: "Job", CronJob: "CronJob" },
  "autoscaling/v1": { HorizontalPodAutoscaler: "HorizontalPodAutoscaler" },
  "rbac.authorization.k8s.io/v1": {
    Role: "Role",
    ClusterRole: "ClusterRole",
    RoleBinding: "RoleBinding",
    ClusterRoleBinding: "ClusterRoleBinding",
  },
  "policy/v1": { PodDisruptionBudget: "PodDisruptionBudget" },
  "scheduling.k8s.io/v1": { PriorityClass: "PriorityClass" },
  "networking.k8s.io/v1": { Ingress: "Ingress" },
  "authentication.k8s.io/v1": {
    TokenRequest: "TokenRequest",
    SelfSubjectReview: "SelfSubjectReview",
    TokenReview: "TokenReview",
  },
  "authentication.k8s.io/v1beta1": { SelfSubjectReview: "SelfSubjectReview" },
  "authorization.k8s.io/v1": {
    SelfSubjectAccessReview: "SelfSubjectAccessReview",
    SelfSubjectRulesReview: "SelfSubjectRulesReview",
    SubjectAccessReview: "SubjectAccessReview",
    LocalSubjectAccessReview: "LocalSubjectAccessReview",
  },
};
