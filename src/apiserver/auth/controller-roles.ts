// The control plane's own roles (upstream's bootstrappolicy controller_policy.go and the
// system:kube-scheduler / system:kube-controller-manager roles): each controller's service
// account in kube-system holds system:controller:NAME, and only that.
import type { PolicyRule } from "./rbac-cache.ts";

const read = ["get", "list", "watch"];
const rule = (apiGroups: string[], resources: string[], verbs: string[]): PolicyRule => ({
  verbs: [...verbs].sort(),
  apiGroups,
  resources,
});
const events = rule(["", "events.k8s.io"], ["events"], ["create", "patch", "update"]);
const apps = ["apps", "extensions"];

/** Service account name (kube-system) → the rules of its ClusterRole system:controller:NAME. */
export const controllerRoleRules: Record<string, PolicyRule[]> = {
  "clusterrole-aggregation-controller": [
    rule(["rbac.authorization.k8s.io"], ["clusterroles"], ["escalate", ...read]),
    rule(["rbac.authorization.k8s.io"], ["clusterroles"], ["patch", "update"]),
  ],
  "validatingadmissionpolicy-status-controller": [
    rule(["admissionregistration.k8s.io"], ["validatingadmissionpolicies"], read),
    rule(
      ["admissionregistration.k8s.io"],
      ["validatingadmissionpolicies/status"],
      ["get", "patch", "update"],
    ),
  ],
  "cronjob-controller": [
    rule(["batch"], ["cronjobs"], [...read, "update"]),
    rule(["batch"], ["jobs"], [...read, "create", "update", "delete", "patch"]),
    rule(["batch"], ["cronjobs/status"], ["update"]),
    rule(["batch"], ["cronjobs/finalizers"], ["update"]),
    rule([""], ["pods"], ["list", "delete"]),
    events,
  ],
  "daemon-set-controller": [
    rule(apps, ["daemonsets"], read),
    rule(apps, ["daemonsets/status"], ["update"]),
    rule(apps, ["daemonsets/finalizers"], ["update"]),
    rule([""], ["nodes"], ["list", "watch"]),
    rule([""], ["pods"], ["list", "watch", "create", "delete", "patch"]),
    rule([""], ["pods/binding"], ["create"]),
    rule(["apps"], ["controllerrevisions"], [...read, "create", "delete", "update", "patch"]),
    events,
  ],
  "statefulset-controller": [
    rule([""], ["pods"], ["list", "watch"]),
    rule(["apps"], ["statefulsets"], read),
    rule(["apps"], ["statefulsets/status"], ["update"]),
    rule(["apps"], ["statefulsets/finalizers"], ["update"]),
    rule([""], ["pods"], ["get", "create", "delete", "update", "patch"]),
    rule(["apps"], ["controllerrevisions"], ["get", "create", "delete", "update", "patch", "list", "watch"]),
    rule([""], ["persistentvolumeclaims"], ["get", "create"]),
    rule([""], ["persistentvolumeclaims"], ["update", "delete"]),
    events,
  ],
  "disruption-controller": [
    rule(apps, ["deployments"], ["get", "list", "watch"]),
    rule(apps, ["replicasets"], ["get", "list", "watch"]),
    rule([""], ["replicationcontrollers"], ["get", "list", "watch"]),
    rule(["policy"], ["poddisruptionbudgets"], ["get", "list", "watch"]),
    rule(["apps"], ["statefulsets"], ["get", "list", "watch"]),
    rule(["policy"], ["poddisruptionbudgets/status"], ["update"]),
    rule(["*"], ["*/scale"], ["get"]),
    events,
  ],
  "horizontal-pod-autoscaler": [
    rule(["autoscaling"], ["horizontalpodautoscalers"], ["get", "list", "watch"]),
    rule(["autoscaling"], ["horizontalpodautoscalers/status"], ["update"]),
    rule(["*"], ["*/scale"], ["get", "update"]),
    rule([""], ["pods"], ["list"]),
    rule(["metrics.k8s.io"], ["pods"], ["list"]),
    rule(["custom.metrics.k8s.io", "external.metrics.k8s.io"], ["*"], ["get", "list"]),
    events,
  ],
  "resourcequota-controller": [
    // Quota counts every kind of object.
    rule(["*"], ["*"], ["list", "watch"]),
    rule([""], ["resourcequotas/status"], ["update"]),
    events,
  ],
  "persistent-volume-binder": [
    rule([""], ["persistentvolumes"], ["create", "delete", "get", "list", "update", "watch"]),
    rule([""], ["persistentvolumes/status"], ["update"]),
    rule([""], ["persistentvolumeclaims"], ["get", "list", "update", "watch"]),
    rule([""], ["persistentvolumeclaims/status"], ["update"]),
    rule([""], ["pods"], ["create", "delete", "get", "list", "watch"]),
    rule([""], ["nodes"], ["get", "list", "watch"]),
    rule(["storage.k8s.io"], ["storageclasses"], ["get", "list", "watch"]),
    events,
  ],
  // Upstream's pvc-protection-controller and pv-protection-controller, one controller here.
  "pvc-protection-controller": [
    rule([""], ["persistentvolumeclaims"], ["get", "list", "watch", "update"]),
    rule([""], ["persistentvolumes"], ["get", "list", "watch", "update"]),
    rule([""], ["pods"], ["get", "list", "watch"]),
    events,
  ],
  "ephemeral-volume-controller": [
    rule([""], ["pods"], ["get", "list", "watch"]),
    rule([""], ["pods/finalizers"], ["update", "patch"]),
    rule([""], ["persistentvolumeclaims"], ["get", "list", "watch", "create"]),
    events,
  ],
  // k3s's local-path-provisioner-role.
  "local-path-provisioner-service-account": [
    rule([""], ["nodes"], ["get", "list", "watch"]),
    rule([""], ["persistentvolumeclaims"], ["get", "list", "watch", "update"]),
    rule([""], ["persistentvolumeclaims/status"], ["update"]),
    rule([""], ["persistentvolumes"], ["get", "list", "watch", "create", "patch", "update", "delete"]),
    rule(["storage.k8s.io"], ["storageclasses"], ["get", "list", "watch", "create"]),
    events,
  ],
  "deployment-controller": [
    rule(apps, ["deployments"], [...read, "update"]),
    rule(apps, ["deployments/status"], ["update"]),
    rule(apps, ["deployments/finalizers"], ["update"]),
    rule(apps, ["replicasets"], [...read, "create", "update", "patch", "delete"]),
    // The pod-template-hash label is put on pods that lack it.
    rule([""], ["pods"], [...read, "update"]),
    events,
  ],
  "endpoint-controller": [
    rule([""], ["services", "pods"], read),
    rule([""], ["endpoints"], ["get", "list", "create", "update", "delete"]),
    rule([""], ["endpoints/restricted"], ["create"]),
    events,
  ],
  "endpointslice-controller": [
    rule([""], ["services", "pods", "nodes"], read),
    rule([""], ["services/finalizers"], ["update"]),
    rule(["discovery.k8s.io"], ["endpointslices"], ["get", "list", "create", "update", "delete"]),
    events,
  ],
  "endpointslicemirroring-controller": [
    rule([""], ["services", "endpoints"], read),
    rule([""], ["services/finalizers"], ["update"]),
    rule([""], ["endpoints/finalizers"], ["update"]),
    rule(["discovery.k8s.io"], ["endpointslices"], ["get", "list", "create", "update", "delete"]),
    events,
  ],
  "generic-garbage-collector": [rule(["*"], ["*"], [...read, "patch", "update", "delete"])],
  "job-controller": [
    rule(["batch"], ["jobs"], [...read, "update", "patch"]),
    rule(["batch"], ["jobs/status"], ["update"]),
    rule(["batch"], ["jobs/finalizers"], ["update"]),
    rule([""], ["pods"], ["list", "watch", "create", "delete", "patch"]),
    events,
  ],
  "namespace-controller": [
    rule([""], ["namespaces"], ["get", "list", "watch", "delete"]),
    rule([""], ["namespaces/finalize", "namespaces/status"], ["update"]),
    rule(["*"], ["*"], ["get", "list", "delete", "deletecollection"]),
  ],
  "node-controller": [
    rule([""], ["nodes"], ["get", "list", "update", "delete", "patch"]),
    rule([""], ["nodes/status"], ["patch", "update"]),
    rule([""], ["pods/status"], ["patch", "update"]),
    rule([""], ["pods"], ["list", "delete"]),
    rule([""], ["pods"], ["get"]),
    events,
  ],
  "pod-garbage-collector": [
    rule([""], ["pods"], ["list", "watch", "delete"]),
    rule([""], ["nodes"], ["get", "list"]),
    rule([""], ["pods/status"], ["patch"]),
  ],
  "replicaset-controller": [
    rule(apps, ["replicasets"], [...read, "update"]),
    rule(apps, ["replicasets/status"], ["update"]),
    rule(apps, ["replicasets/finalizers"], ["update"]),
    rule([""], ["pods"], ["list", "watch", "patch", "create", "delete"]),
    events,
  ],
  "replication-controller": [
    rule([""], ["replicationcontrollers"], [...read, "update"]),
    rule([""], ["replicationcontrollers/status"], ["update"]),
    rule([""], ["replicationcontrollers/finalizers"], ["update"]),
    rule([""], ["pods"], ["list", "watch", "patch", "create", "delete"]),
    events,
  ],
  "root-ca-cert-publisher": [rule([""], ["configmaps"], ["create", "update"]), events],
  "service-account-controller": [rule([""], ["serviceaccounts"], ["create"]), events],
  "ttl-after-finished-controller": [rule(["batch"], ["jobs"], [...read, "delete"]), events],
  // Skiff's add-ons, with what upstream's nearest counterparts hold.
  "kube-dns": [
    rule([""], ["services"], ["get", "create"]),
    rule([""], ["endpoints"], ["get", "create", "update"]),
    events,
  ],
  // As upstream's service-controller, which sets load-balancer status.
  "service-lb-controller": [
    rule([""], ["services"], read),
    rule([""], ["services"], ["patch", "update"]),
    rule([""], ["services/status"], ["patch", "update"]),
    rule([""], ["nodes"], ["list", "watch"]),
    events,
  ],
  "ingress-controller": [
    rule(["networking.k8s.io"], ["ingressclasses"], ["create"]),
    rule(["networking.k8s.io"], ["ingresses/status"], ["patch", "update"]),
    events,
  ],
};

export const schedulerRules: PolicyRule[] = [
  events,
  // Leader election.
  rule(["coordination.k8s.io"], ["leases"], ["create"]),
  { ...rule(["coordination.k8s.io"], ["leases"], ["get", "update"]), resourceNames: ["kube-scheduler"] },
  rule([""], ["endpoints"], ["create"]),
  { ...rule([""], ["endpoints"], ["get", "update"]), resourceNames: ["kube-scheduler"] },
  rule([""], ["nodes"], read),
  rule([""], ["pods"], [...read, "delete"]),
  rule([""], ["bindings", "pods/binding"], ["create"]),
  rule([""], ["pods/status"], ["patch", "update"]),
  rule([""], ["replicationcontrollers", "services"], read),
  rule(apps, ["replicasets"], read),
  rule(["apps"], ["statefulsets"], read),
  rule(["policy"], ["poddisruptionbudgets"], read),
  // system:volume-scheduler, which upstream binds to the scheduler too.
  rule([""], ["persistentvolumes", "persistentvolumeclaims"], [...read, "patch", "update"]),
  rule(["storage.k8s.io"], ["storageclasses", "csinodes", "csidrivers", "csistoragecapacities"], read),
  rule([""], ["persistentvolumeclaims", "persistentvolumes"], read),
  rule(["authentication.k8s.io"], ["tokenreviews"], ["create"]),
  rule(["authorization.k8s.io"], ["subjectaccessreviews"], ["create"]),
  rule(["storage.k8s.io"], ["csinodes"], read),
  rule([""], ["namespaces"], read),
  rule(["storage.k8s.io"], ["csidrivers"], read),
  rule(["storage.k8s.io"], ["csistoragecapacities"], read),
];

export const controllerManagerRules: PolicyRule[] = [
  events,
  rule(["coordination.k8s.io"], ["leases"], ["create"]),
  {
    ...rule(["coordination.k8s.io"], ["leases"], ["get", "update"]),
    resourceNames: ["kube-controller-manager"],
  },
  rule([""], ["endpoints"], ["create"]),
  { ...rule([""], ["endpoints"], ["get", "update"]), resourceNames: ["kube-controller-manager"] },
  // The legacy tokens controller, and the service accounts the controllers act as.
  rule([""], ["secrets", "serviceaccounts"], ["create"]),
  rule([""], ["secrets"], ["delete"]),
  rule([""], ["configmaps", "namespaces", "secrets", "serviceaccounts"], ["get"]),
  rule([""], ["secrets", "serviceaccounts"], ["update"]),
  rule(["authentication.k8s.io"], ["tokenreviews"], ["create"]),
  rule(["authorization.k8s.io"], ["subjectaccessreviews"], ["create"]),
  // The shared informers.
  rule(["*"], ["*"], ["list", "watch"]),
  rule([""], ["serviceaccounts/token"], ["create"]),
];
