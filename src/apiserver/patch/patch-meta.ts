// Which lists merge and how, per kind, taken from the Go struct tags of k8s.io/api:
// `patchStrategy`/`patchMergeKey` drive strategic merge patch, `+listType`/`+listMapKey` drive server-side
// apply (structured-merge-diff falls back to the patch tags when a list has no listType).
// Paths are dotted field names from the object root; list items do not add a segment,
// so `spec.containers.env` is the env list of every container.

export interface ListMeta {
  /** Strategic merge patch: "merge" lists merge item by item (by patchMergeKey, or as a set for scalars). */
  patchStrategy?: "merge";
  patchMergeKey?: string;
  /** patchStrategy "retainKeys": only matters to clients that build $retainKeys; recorded for completeness. */
  retainKeys?: boolean;
  /** Server-side apply: atomic lists are owned whole, sets by value, maps by their key fields. */
  listType: "atomic" | "set" | "map";
  listMapKeys?: readonly string[];
  /** Key fields that have a schema default, used when an item omits them (ports default to TCP). */
  keyDefaults?: Readonly<Record<string, unknown>>;
  /** Items are atomic structs (`+structType=atomic`): owned whole, replaced whole on apply. */
  atomicItems?: boolean;
}

export interface KindPatchMeta {
  lists: ReadonlyMap<string, ListMeta>;
  /** Maps and structs marked `+mapType=atomic` / `+structType=atomic`: applied and owned as a whole. */
  atomicMaps: ReadonlySet<string>;
}

type Fragment = Record<string, ListMeta | "atomic">;

const merge = (key: string, listMapKeys: readonly string[] = [key]): ListMeta => ({
  patchStrategy: "merge",
  patchMergeKey: key,
  listType: "map",
  listMapKeys,
});
const mergeSet: ListMeta = { patchStrategy: "merge", listType: "set" };
const atomicList: ListMeta = { listType: "atomic" };

function under(prefix: string, f: Fragment): Fragment {
  const out: Fragment = {};
  for (const [k, v] of Object.entries(f)) out[`${prefix}.${k}`] = v;
  return out;
}

const objectMeta: Fragment = {
  finalizers: mergeSet,
  ownerReferences: { ...merge("uid"), atomicItems: true },
  managedFields: atomicList,
};

const container: Fragment = {
  command: atomicList,
  args: atomicList,
  ports: { ...merge("containerPort", ["containerPort", "protocol"]), keyDefaults: { protocol: "TCP" } },
  envFrom: atomicList,
  env: merge("name"),
  volumeMounts: merge("mountPath"),
  volumeDevices: merge("devicePath"),
  resizePolicy: atomicList,
};

const containerList = (name: string): Fragment => ({ [name]: merge("name"), ...under(name, container) });

const podSpec: Fragment = {
  volumes: { ...merge("name"), retainKeys: true },
  ...containerList("initContainers"),
  ...containerList("containers"),
  ...containerList("ephemeralContainers"),
  imagePullSecrets: { ...merge("name"), atomicItems: true },
  nodeSelector: "atomic",
  tolerations: atomicList,
  hostAliases: merge("ip"),
  readinessGates: atomicList,
  topologySpreadConstraints: merge("topologyKey", ["topologyKey", "whenUnsatisfiable"]),
  schedulingGates: merge("name"),
  resourceClaims: { ...merge("name"), retainKeys: true },
};

const podStatus: Fragment = {
  conditions: merge("type"),
  podIPs: merge("ip"),
  hostIPs: { patchStrategy: "merge", patchMergeKey: "ip", listType: "atomic" },
  initContainerStatuses: atomicList,
  containerStatuses: atomicList,
  ephemeralContainerStatuses: atomicList,
  resourceClaimStatuses: merge("name"),
};

const podTemplate = (prefix: string): Fragment =>
  under(prefix, { ...under("metadata", objectMeta), ...under("spec", podSpec) });

const statusConditions: Fragment = { "status.conditions": merge("type") };

// Workloads whose spec.selector is a metav1.LabelSelector (`+structType=atomic`).
const workload = (prefix = "spec"): Fragment => ({
  ...podTemplate(`${prefix}.template`),
  [`${prefix}.selector`]: "atomic",
});

const kinds: Record<string, Fragment> = {
  "/Pod": { ...under("spec", podSpec), ...under("status", podStatus) },
  "/PodTemplate": podTemplate("template"),
  "/ReplicationController": {
    ...podTemplate("spec.template"),
    "spec.selector": "atomic",
    ...statusConditions,
  },
  "/Service": {
    "spec.ports": { ...merge("port", ["port", "protocol"]), keyDefaults: { protocol: "TCP" } },
    "spec.selector": "atomic",
    "spec.clusterIPs": atomicList,
    "spec.externalIPs": atomicList,
    "spec.ipFamilies": atomicList,
    "spec.loadBalancerSourceRanges": atomicList,
    "status.loadBalancer.ingress": atomicList,
    ...statusConditions,
  },
  "/Node": {
    "spec.podCIDRs": mergeSet,
    "spec.taints": atomicList,
    "status.conditions": merge("type"),
    "status.addresses": merge("type"),
    "status.images": atomicList,
    "status.volumesInUse": atomicList,
    "status.volumesAttached": atomicList,
  },
  "/Namespace": { "spec.finalizers": atomicList, ...statusConditions },
  "/ServiceAccount": { secrets: { ...merge("name"), atomicItems: true }, imagePullSecrets: atomicList },
  "/Endpoints": { subsets: atomicList },
  "apps/Deployment": { ...workload(), ...statusConditions },
  "apps/ReplicaSet": { ...workload(), ...statusConditions },
  "apps/DaemonSet": { ...workload(), ...statusConditions },
  "apps/StatefulSet": { ...workload(), "spec.volumeClaimTemplates": atomicList, ...statusConditions },
  "/PersistentVolumeClaim": {
    "spec.accessModes": atomicList,
    "status.accessModes": atomicList,
    ...statusConditions,
  },
  "/PersistentVolume": { "spec.accessModes": atomicList, "spec.mountOptions": atomicList },
  "policy/PodDisruptionBudget": { "spec.selector": "atomic", ...statusConditions },
  "storage.k8s.io/StorageClass": { mountOptions: atomicList, allowedTopologies: atomicList },
  "batch/Job": {
    ...workload(),
    "status.conditions": { patchStrategy: "merge", patchMergeKey: "type", listType: "atomic" },
  },
  "batch/CronJob": {
    ...under("spec.jobTemplate.metadata", objectMeta),
    ...workload("spec.jobTemplate.spec"),
    "status.active": atomicList,
  },
  "discovery.k8s.io/EndpointSlice": { endpoints: atomicList, ports: atomicList },
};

function build(f: Fragment): KindPatchMeta {
  const lists = new Map<string, ListMeta>();
  const atomicMaps = new Set<string>();
  for (const [path, v] of Object.entries({ ...under("metadata", objectMeta), ...f })) {
    if (v === "atomic") atomicMaps.add(path);
    // Sorted once here: item keys are encoded with their fields in name order.
    else lists.set(path, v.listMapKeys ? { ...v, listMapKeys: [...v.listMapKeys].sort() } : v);
  }
  return { lists, atomicMaps };
}

const built = new Map<string, KindPatchMeta>(Object.entries(kinds).map(([k, f]) => [k, build(f)]));
const metadataOnly = build({});

const custom = new Map<string, KindPatchMeta>();

/** The list and map metadata of a kind, by "group/Kind"; unknown kinds get ObjectMeta's lists only. */
export function patchMetaFor(gvk: { group: string; kind: string }): KindPatchMeta {
  const key = `${gvk.group}/${gvk.kind}`;
  return built.get(key) ?? custom.get(key) ?? metadataOnly;
}

interface SchemaNode {
  type?: string;
  properties?: Record<string, SchemaNode>;
  items?: SchemaNode;
  default?: unknown;
  "x-kubernetes-list-type"?: string;
  "x-kubernetes-list-map-keys"?: string[];
  "x-kubernetes-map-type"?: string;
}

/**
 * A custom resource's list and map metadata from its schema's markers: `x-kubernetes-list-type`
 * map (keyed by `x-kubernetes-list-map-keys`), set or atomic (the default for custom resources),
 * and `x-kubernetes-map-type: atomic`. Undefined removes it (the CRD went).
 */
export function setCustomPatchMeta(group: string, kind: string, schema: SchemaNode | undefined): void {
  const key = `${group}/${kind}`;
  if (!schema) {
    custom.delete(key);
    return;
  }
  const f: Fragment = {};
  const walk = (node: SchemaNode, path: string) => {
    if (node["x-kubernetes-map-type"] === "atomic" && path) f[path] = "atomic";
    if (node.type === "array" || node.items) {
      const t = node["x-kubernetes-list-type"];
      const keys = node["x-kubernetes-list-map-keys"] ?? [];
      const keyDefaults: Record<string, unknown> = {};
      for (const k of keys) {
        const d = node.items?.properties?.[k]?.default;
        if (d !== undefined) keyDefaults[k] = d;
      }
      if (path)
        f[path] =
          t === "map" && keys.length
            ? {
                listType: "map",
                listMapKeys: keys,
                ...(Object.keys(keyDefaults).length ? { keyDefaults } : {}),
              }
            : t === "set"
              ? { listType: "set" }
              : atomicList;
      // List items add no segment to the path.
      if (node.items) walk(node.items, path);
      return;
    }
    for (const [name, sub] of Object.entries(node.properties ?? {}))
      if (!(path === "" && name === "metadata")) walk(sub, path ? `${path}.${name}` : name);
  };
  walk(schema, "");
  custom.set(key, build(f));
}
