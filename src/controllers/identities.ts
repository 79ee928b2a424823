// Who each in-process component is when it calls the API: kube-scheduler as system:kube-scheduler,
// and every controller under its own service account in kube-system, as upstream's
// kube-controller-manager does with --use-service-account-credentials. The manager itself (leader
// election, shared informers, the legacy tokens controller) is system:kube-controller-manager.

export interface ComponentIdentity {
  name: string;
  groups: string[];
  /** The service account in kube-system, for those that act as one. */
  serviceAccount?: string;
}

export const SCHEDULER_USER = "system:kube-scheduler";
export const CONTROLLER_MANAGER_USER = "system:kube-controller-manager";
/** Skiff's simulated kubelets: many nodes from one process, so one identity holding system:node's rules. */
export const SIMULATED_NODES_USER = "system:skiff:simulated-nodes";

/** Controller (registration name) → its service account, as upstream's controllers name theirs. */
export const controllerServiceAccounts: Record<string, string> = {
  namespace: "namespace-controller",
  garbagecollector: "generic-garbage-collector",
  replicaset: "replicaset-controller",
  replicationcontroller: "replication-controller",
  deployment: "deployment-controller",
  endpoints: "endpoint-controller",
  endpointslice: "endpointslice-controller",
  endpointslicemirroring: "endpointslicemirroring-controller",
  nodelifecycle: "node-controller",
  nodeipam: "node-controller",
  podgc: "pod-garbage-collector",
  daemonset: "daemon-set-controller",
  statefulset: "statefulset-controller",
  disruption: "disruption-controller",
  resourcequota: "resourcequota-controller",
  horizontalpodautoscaling: "horizontal-pod-autoscaler",
  "persistentvolume-binder": "persistent-volume-binder",
  "persistentvolume-protection": "pvc-protection-controller",
  "ephemeral-volume": "ephemeral-volume-controller",
  "local-path-provisioner": "local-path-provisioner-service-account",
  job: "job-controller",
  "ttl-after-finished": "ttl-after-finished-controller",
  cronjob: "cronjob-controller",
  "clusterrole-aggregation": "clusterrole-aggregation-controller",
  serviceaccount: "service-account-controller",
  "root-ca-cert-publisher": "root-ca-cert-publisher",
  "validatingadmissionpolicy-status": "validatingadmissionpolicy-status-controller",
  // Skiff's own add-ons (k3s runs CoreDNS, servicelb and Traefik under accounts of their own).
  "kube-dns": "kube-dns",
  "service-lb": "service-lb-controller",
  ingress: "ingress-controller",
};

export function serviceAccountUser(namespace: string, name: string): ComponentIdentity {
  return {
    name: `system:serviceaccount:${namespace}:${name}`,
    groups: ["system:serviceaccounts", `system:serviceaccounts:${namespace}`, "system:authenticated"],
    serviceAccount: name,
  };
}

/** The identity a registration's client acts as. */
export function identityFor(registration: string): ComponentIdentity {
  if (registration === "scheduler") return { name: SCHEDULER_USER, groups: ["system:authenticated"] };
  if (registration === "simulated-nodes")
    return { name: SIMULATED_NODES_USER, groups: ["system:authenticated"] };
  const sa = controllerServiceAccounts[registration];
  if (sa) return serviceAccountUser("kube-system", sa);
  return { name: CONTROLLER_MANAGER_USER, groups: ["system:authenticated"] };
}
