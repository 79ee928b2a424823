// The list and patch extensions that upstream derives from Go struct tags (`patchStrategy`,
// `patchMergeKey`, `+listType`, `+listMapKey`), which the .d.ts files do not carry.
// Keyed by "<module>:<Type>.<field>". Source: the k8s.io/api types.go files.

export interface ListExtensions {
  "x-kubernetes-patch-merge-key"?: string;
  "x-kubernetes-patch-strategy"?: string;
  "x-kubernetes-list-type"?: "atomic" | "set" | "map";
  "x-kubernetes-list-map-keys"?: string[];
}

const keyed = (key: string, mapKeys: string[] = [key], strategy = "merge"): ListExtensions => ({
  "x-kubernetes-list-map-keys": mapKeys,
  "x-kubernetes-list-type": "map",
  "x-kubernetes-patch-merge-key": key,
  "x-kubernetes-patch-strategy": strategy,
});

const mergedSet: ListExtensions = { "x-kubernetes-list-type": "set", "x-kubernetes-patch-strategy": "merge" };
const conditions = keyed("type");

export const listExtensions: Record<string, ListExtensions> = {
  "meta/v1:ObjectMeta.finalizers": mergedSet,
  "meta/v1:ObjectMeta.ownerReferences": keyed("uid"),
  "core/v1:PodSpec.containers": keyed("name"),
  "core/v1:PodSpec.initContainers": keyed("name"),
  "core/v1:PodSpec.ephemeralContainers": keyed("name"),
  "core/v1:PodSpec.volumes": keyed("name", ["name"], "merge,retainKeys"),
  "core/v1:PodSpec.imagePullSecrets": keyed("name"),
  "core/v1:PodSpec.hostAliases": keyed("ip"),
  "core/v1:PodSpec.topologySpreadConstraints": keyed("topologyKey", ["topologyKey", "whenUnsatisfiable"]),
  "core/v1:PodSpec.resourceClaims": keyed("name", ["name"], "merge,retainKeys"),
  "core/v1:PodSpec.schedulingGates": keyed("name"),
  "core/v1:Container.env": keyed("name"),
  "core/v1:Container.ports": keyed("containerPort", ["containerPort", "protocol"]),
  "core/v1:Container.volumeMounts": keyed("mountPath"),
  "core/v1:Container.volumeDevices": keyed("devicePath"),
  "core/v1:EphemeralContainer.env": keyed("name"),
  "core/v1:EphemeralContainer.ports": keyed("containerPort", ["containerPort", "protocol"]),
  "core/v1:EphemeralContainer.volumeMounts": keyed("mountPath"),
  "core/v1:EphemeralContainer.volumeDevices": keyed("devicePath"),
  "core/v1:PodStatus.conditions": conditions,
  "core/v1:PodStatus.podIPs": keyed("ip"),
  "core/v1:PodStatus.hostIPs": keyed("ip"),
  "core/v1:NodeStatus.conditions": conditions,
  "core/v1:NodeStatus.addresses": keyed("type"),
  "core/v1:NodeSpec.podCIDRs": mergedSet,
  "core/v1:NamespaceStatus.conditions": conditions,
  "core/v1:ReplicationControllerStatus.conditions": conditions,
  "core/v1:ServiceSpec.ports": keyed("port", ["port", "protocol"]),
  "core/v1:ServiceStatus.conditions": conditions,
  "core/v1:ServiceAccount.secrets": keyed("name", ["name"]),
  "apps/v1:DeploymentSpec.strategy": { "x-kubernetes-patch-strategy": "retainKeys" },
  "apps/v1:DeploymentStatus.conditions": conditions,
  "apps/v1:ReplicaSetStatus.conditions": conditions,
  "apps/v1:DaemonSetStatus.conditions": conditions,
  "apps/v1:StatefulSetStatus.conditions": conditions,
  "apps/v1:StatefulSetSpec.volumeClaimTemplates": { "x-kubernetes-list-type": "atomic" },
  "core/v1:PersistentVolumeClaimStatus.conditions": conditions,
  "batch/v1:JobStatus.conditions": {
    "x-kubernetes-list-type": "atomic",
    "x-kubernetes-patch-merge-key": "type",
    "x-kubernetes-patch-strategy": "merge",
  },
  "batch/v1:CronJobStatus.active": { "x-kubernetes-list-type": "atomic" },
  "networking/v1:IngressSpec.rules": { "x-kubernetes-list-type": "atomic" },
  "networking/v1:IngressSpec.tls": { "x-kubernetes-list-type": "atomic" },
};
