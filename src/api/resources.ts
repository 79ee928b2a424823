// The served resources, with upstream's paths, scopes, short names, categories and subresources.
// Each resource has one storage version; other served versions are converted (see conversion/).

export type Verb = "get" | "list" | "watch" | "create" | "update" | "patch" | "delete" | "deletecollection";

export interface ResourceInfo {
  group: string;
  /** The version objects are stored and converted through. */
  storageVersion: string;
  /** Every served version, preferred first; legacy ones carry a deprecation warning. */
  versions: string[];
  resource: string;
  singular: string;
  kind: string;
  namespaced: boolean;
  shortNames: string[];
  categories: string[];
  subresources: Array<
    | "status"
    | "scale"
    | "binding"
    | "eviction"
    | "log"
    | "exec"
    | "attach"
    | "portforward"
    | "proxy"
    | "finalize"
    | "ephemeralcontainers"
    | "token"
  >;
  verbs: Verb[];
  /** Storage key segment; objects of two group-versions that share it are the same objects (events). */
  storagePrefix: string;
  /** Resources with a spec whose changes bump metadata.generation. */
  hasSpec: boolean;
  /** A custom resource's structural schema (its storage version's openAPIV3Schema). */
  schema?: object;
  /** A custom resource's schema of each served version, by version name. */
  versionSchemas?: Record<string, object>;
  /** A custom resource's selectableFields: JSON paths (".spec.color") field selectors may name. */
  selectableFields?: string[];
  /** A custom resource's scale subresource: where replicas and the selector are (".spec.replicas"). */
  scalePaths?: { specReplicas: string; statusReplicas: string; labelSelector?: string };
  /** A custom resource's additionalPrinterColumns (its CRD's storage version's). */
  printerColumns?: Array<{
    name: string;
    type: string;
    format?: string;
    description?: string;
    priority?: number;
    jsonPath: string;
  }>;
}

const all: Verb[] = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];

function r(p: Partial<ResourceInfo> & Pick<ResourceInfo, "resource" | "kind" | "singular">): ResourceInfo {
  const group = p.group ?? "";
  return {
    group,
    storageVersion: p.storageVersion ?? "v1",
    versions: p.versions ?? [p.storageVersion ?? "v1"],
    resource: p.resource,
    singular: p.singular,
    kind: p.kind,
    namespaced: p.namespaced ?? true,
    shortNames: p.shortNames ?? [],
    categories: p.categories ?? [],
    subresources: p.subresources ?? [],
    verbs: p.verbs ?? all,
    storagePrefix: p.storagePrefix ?? p.resource,
    hasSpec: p.hasSpec ?? true,
  };
}

export const resources: ResourceInfo[] = [
  // core/v1
  r({ resource: "bindings", singular: "binding", kind: "Binding", verbs: ["create"], hasSpec: false }),
  r({ resource: "configmaps", singular: "configmap", kind: "ConfigMap", shortNames: ["cm"], hasSpec: false }),
  r({ resource: "endpoints", singular: "endpoints", kind: "Endpoints", shortNames: ["ep"], hasSpec: false }),
  r({ resource: "events", singular: "event", kind: "Event", shortNames: ["ev"], hasSpec: false }),
  r({
    resource: "namespaces",
    singular: "namespace",
    kind: "Namespace",
    namespaced: false,
    shortNames: ["ns"],
    subresources: ["status", "finalize"],
    verbs: ["create", "delete", "get", "list", "patch", "update", "watch"],
  }),
  r({
    resource: "nodes",
    singular: "node",
    kind: "Node",
    namespaced: false,
    shortNames: ["no"],
    subresources: ["status", "proxy"],
    hasSpec: false,
  }),
  r({
    resource: "pods",
    singular: "pod",
    kind: "Pod",
    shortNames: ["po"],
    categories: ["all"],
    subresources: [
      "status",
      "binding",
      "eviction",
      "log",
      "exec",
      "attach",
      "portforward",
      "ephemeralcontainers",
    ],
    hasSpec: false,
  }),
  r({
    resource: "replicationcontrollers",
    singular: "replicationcontroller",
    kind: "ReplicationController",
    shortNames: ["rc"],
    categories: ["all"],
    subresources: ["status", "scale"],
  }),
  r({ resource: "limitranges", singular: "limitrange", kind: "LimitRange", shortNames: ["limits"] }),
  r({
    resource: "resourcequotas",
    singular: "resourcequota",
    kind: "ResourceQuota",
    shortNames: ["quota"],
    subresources: ["status"],
  }),
  r({
    resource: "persistentvolumeclaims",
    singular: "persistentvolumeclaim",
    kind: "PersistentVolumeClaim",
    shortNames: ["pvc"],
    subresources: ["status"],
  }),
  r({
    resource: "persistentvolumes",
    singular: "persistentvolume",
    kind: "PersistentVolume",
    namespaced: false,
    shortNames: ["pv"],
    subresources: ["status"],
  }),
  r({ resource: "secrets", singular: "secret", kind: "Secret", hasSpec: false }),
  r({
    resource: "serviceaccounts",
    singular: "serviceaccount",
    kind: "ServiceAccount",
    shortNames: ["sa"],
    subresources: ["token"],
    hasSpec: false,
  }),
  r({
    resource: "services",
    singular: "service",
    kind: "Service",
    shortNames: ["svc"],
    categories: ["all"],
    subresources: ["status", "proxy"],
    verbs: ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"],
    hasSpec: false,
  }),
  // apps/v1 (apps/v1beta2 for Kubernetes in Action's ReplicaSet and DaemonSet)
  r({
    group: "apps",
    resource: "controllerrevisions",
    singular: "controllerrevision",
    kind: "ControllerRevision",
    hasSpec: false,
  }),
  r({
    group: "apps",
    resource: "daemonsets",
    singular: "daemonset",
    kind: "DaemonSet",
    versions: ["v1", "v1beta2"],
    shortNames: ["ds"],
    categories: ["all"],
    subresources: ["status"],
  }),
  r({
    group: "apps",
    resource: "deployments",
    singular: "deployment",
    kind: "Deployment",
    versions: ["v1", "v1beta2"],
    shortNames: ["deploy"],
    categories: ["all"],
    subresources: ["status", "scale"],
  }),
  r({
    group: "apps",
    resource: "replicasets",
    singular: "replicaset",
    kind: "ReplicaSet",
    versions: ["v1", "v1beta2"],
    shortNames: ["rs"],
    categories: ["all"],
    subresources: ["status", "scale"],
  }),
  r({
    group: "apps",
    resource: "statefulsets",
    singular: "statefulset",
    kind: "StatefulSet",
    shortNames: ["sts"],
    categories: ["all"],
    subresources: ["status", "scale"],
  }),
  r({
    group: "autoscaling",
    storageVersion: "v2",
    versions: ["v2", "v1"],
    resource: "horizontalpodautoscalers",
    singular: "horizontalpodautoscaler",
    kind: "HorizontalPodAutoscaler",
    shortNames: ["hpa"],
    categories: ["all"],
    subresources: ["status"],
  }),
  // batch
  r({
    group: "batch",
    resource: "jobs",
    singular: "job",
    kind: "Job",
    categories: ["all"],
    subresources: ["status"],
  }),
  r({
    group: "batch",
    resource: "cronjobs",
    singular: "cronjob",
    kind: "CronJob",
    versions: ["v1", "v1beta1"],
    shortNames: ["cj"],
    categories: ["all"],
    subresources: ["status"],
  }),
  // networking.k8s.io (extensions/v1beta1 Ingress is served from its own group below)
  r({
    group: "networking.k8s.io",
    resource: "ingresses",
    singular: "ingress",
    kind: "Ingress",
    shortNames: ["ing"],
    subresources: ["status"],
  }),
  r({
    group: "networking.k8s.io",
    resource: "ingressclasses",
    singular: "ingressclass",
    kind: "IngressClass",
    namespaced: false,
  }),
  r({
    group: "discovery.k8s.io",
    resource: "endpointslices",
    singular: "endpointslice",
    kind: "EndpointSlice",
    hasSpec: false,
  }),
  r({
    group: "policy",
    resource: "poddisruptionbudgets",
    singular: "poddisruptionbudget",
    kind: "PodDisruptionBudget",
    shortNames: ["pdb"],
    subresources: ["status"],
  }),
  r({
    group: "scheduling.k8s.io",
    resource: "priorityclasses",
    singular: "priorityclass",
    kind: "PriorityClass",
    namespaced: false,
    shortNames: ["pc"],
    hasSpec: false,
  }),
  r({
    group: "storage.k8s.io",
    resource: "storageclasses",
    singular: "storageclass",
    kind: "StorageClass",
    namespaced: false,
    shortNames: ["sc"],
    hasSpec: false,
  }),
  r({ group: "coordination.k8s.io", resource: "leases", singular: "lease", kind: "Lease" }),
  ...(
    [
      ["mutatingwebhookconfigurations", "mutatingwebhookconfiguration", "MutatingWebhookConfiguration"],
      ["validatingwebhookconfigurations", "validatingwebhookconfiguration", "ValidatingWebhookConfiguration"],
    ] as const
  ).map(([resource, singular, kind]) =>
    r({
      group: "admissionregistration.k8s.io",
      resource,
      singular,
      kind,
      namespaced: false,
      categories: ["api-extensions"],
      hasSpec: false,
      storagePrefix: `admissionregistration.k8s.io/${resource}`,
    }),
  ),
  r({
    group: "admissionregistration.k8s.io",
    resource: "validatingadmissionpolicies",
    singular: "validatingadmissionpolicy",
    kind: "ValidatingAdmissionPolicy",
    namespaced: false,
    categories: ["api-extensions"],
    subresources: ["status"],
    storagePrefix: "admissionregistration.k8s.io/validatingadmissionpolicies",
  }),
  r({
    group: "admissionregistration.k8s.io",
    resource: "validatingadmissionpolicybindings",
    singular: "validatingadmissionpolicybinding",
    kind: "ValidatingAdmissionPolicyBinding",
    namespaced: false,
    categories: ["api-extensions"],
    storagePrefix: "admissionregistration.k8s.io/validatingadmissionpolicybindings",
  }),
  r({
    group: "apiextensions.k8s.io",
    resource: "customresourcedefinitions",
    singular: "customresourcedefinition",
    kind: "CustomResourceDefinition",
    namespaced: false,
    shortNames: ["crd", "crds"],
    categories: ["api-extensions"],
    subresources: ["status"],
    storagePrefix: "apiextensions.k8s.io/customresourcedefinitions",
  }),
  // rbac.authorization.k8s.io/v1
  ...(
    [
      ["roles", "role", "Role", true],
      ["rolebindings", "rolebinding", "RoleBinding", true],
      ["clusterroles", "clusterrole", "ClusterRole", false],
      ["clusterrolebindings", "clusterrolebinding", "ClusterRoleBinding", false],
    ] as const
  ).map(([resource, singular, kind, namespaced]) =>
    r({ group: "rbac.authorization.k8s.io", resource, singular, kind, namespaced, hasSpec: false }),
  ),
  // Virtual: a create answers whether a user may do something, or what they may do; nothing is stored.
  ...(
    [
      ["selfsubjectaccessreviews", "selfsubjectaccessreview", "SelfSubjectAccessReview", false],
      ["selfsubjectrulesreviews", "selfsubjectrulesreview", "SelfSubjectRulesReview", false],
      ["subjectaccessreviews", "subjectaccessreview", "SubjectAccessReview", false],
      ["localsubjectaccessreviews", "localsubjectaccessreview", "LocalSubjectAccessReview", true],
    ] as const
  ).map(([resource, singular, kind, namespaced]) =>
    r({
      group: "authorization.k8s.io",
      resource,
      singular,
      kind,
      namespaced,
      verbs: ["create"],
      hasSpec: false,
    }),
  ),
  // Virtual: a create answers whom a bearer token authenticates as; nothing is stored.
  r({
    group: "authentication.k8s.io",
    resource: "tokenreviews",
    singular: "tokenreview",
    kind: "TokenReview",
    namespaced: false,
    verbs: ["create"],
    hasSpec: false,
  }),
  // Virtual: a create answers who the caller is (kubectl auth whoami); nothing is stored.
  r({
    group: "authentication.k8s.io",
    versions: ["v1", "v1beta1"],
    resource: "selfsubjectreviews",
    singular: "selfsubjectreview",
    kind: "SelfSubjectReview",
    namespaced: false,
    verbs: ["create"],
    hasSpec: false,
  }),
  r({
    group: "events.k8s.io",
    resource: "events",
    singular: "event",
    kind: "Event",
    shortNames: ["ev"],
    storagePrefix: "events",
    hasSpec: false,
  }),
];

/** Group-versions served only for old manifests: group/version → the group that stores the kind. */
export const legacyGroups: Record<string, { storageGroup: string; kinds: string[]; use: string }> = {
  "apps/v1beta2": { storageGroup: "apps", kinds: ["DaemonSet", "Deployment", "ReplicaSet"], use: "apps/v1" },
  "batch/v1beta1": { storageGroup: "batch", kinds: ["CronJob"], use: "batch/v1" },
  "extensions/v1beta1": {
    storageGroup: "networking.k8s.io",
    kinds: ["Ingress"],
    use: "networking.k8s.io/v1",
  },
};

export interface ServedResource {
  info: ResourceInfo;
  /** The group and version in the request path. */
  group: string;
  version: string;
  /** Set for removed API versions: the group/version to use instead. */
  deprecatedUse?: string;
}

export interface GroupVersion {
  group: string;
  version: string;
  resources: ServedResource[];
}

/** All group-versions in discovery order, each with its resources. */
export function servedGroupVersions(): GroupVersion[] {
  const out = new Map<string, GroupVersion>();
  const add = (group: string, version: string, sr: ServedResource) => {
    const k = `${group}/${version}`;
    let gv = out.get(k);
    if (!gv) out.set(k, (gv = { group, version, resources: [] }));
    gv.resources.push(sr);
  };
  for (const info of resources) {
    for (const v of info.versions) {
      const legacy = legacyGroups[`${info.group}/${v}`];
      add(info.group, v, { info, group: info.group, version: v, deprecatedUse: legacy?.use });
    }
  }
  const ingress = resources.find((x) => x.resource === "ingresses")!;
  add("extensions", "v1beta1", {
    info: ingress,
    group: "extensions",
    version: "v1beta1",
    deprecatedUse: "networking.k8s.io/v1",
  });
  return [...out.values()];
}

export function findResource(group: string, resource: string): ResourceInfo | undefined {
  return resources.find((x) => x.group === group && x.resource === resource);
}

export function findKind(group: string, kind: string): ResourceInfo | undefined {
  return resources.find((x) => x.group === group && x.kind === kind);
}

export function apiVersionOf(group: string, version: string): string {
  return group ? `${group}/${version}` : version;
}

export function parseApiVersion(apiVersion: string): { group: string; version: string } {
  const i = apiVersion.indexOf("/");
  return i < 0
    ? { group: "", version: apiVersion }
    : { group: apiVersion.slice(0, i), version: apiVersion.slice(i + 1) };
}
