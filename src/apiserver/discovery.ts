import {
  apiVersionOf,
  servedGroupVersions,
  type GroupVersion,
  type ServedResource,
} from "../api/resources.ts";

export const AGGREGATED_V2 = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";
export const AGGREGATED_V2BETA1 = "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList";

const subresourceKinds: Record<string, { group: string; version: string; kind?: string; verbs: string[] }> = {
  status: { group: "", version: "", verbs: ["get", "patch", "update"] },
  scale: { group: "autoscaling", version: "v1", kind: "Scale", verbs: ["get", "patch", "update"] },
  binding: { group: "", version: "v1", kind: "Binding", verbs: ["create"] },
  eviction: { group: "policy", version: "v1", kind: "Eviction", verbs: ["create"] },
  log: { group: "", version: "v1", kind: "Pod", verbs: ["get"] },
  exec: { group: "", version: "v1", kind: "PodExecOptions", verbs: ["create", "get"] },
  attach: { group: "", version: "v1", kind: "PodAttachOptions", verbs: ["create", "get"] },
  portforward: { group: "", version: "v1", kind: "PodPortForwardOptions", verbs: ["create", "get"] },
  proxy: { group: "", version: "v1", verbs: ["create", "delete", "get", "patch", "update"] },
  finalize: { group: "", version: "v1", kind: "Namespace", verbs: ["update"] },
  ephemeralcontainers: { group: "", version: "", verbs: ["get", "patch", "update"] },
  token: { group: "authentication.k8s.io", version: "v1", kind: "TokenRequest", verbs: ["create"] },
};

function proxyKind(kind: string): string {
  return `${kind}ProxyOptions`;
}

let memo: GroupVersion[] | undefined;

/** The built-in group-versions; a server adds its custom resources' after them. */
export function builtinGroupVersions(): GroupVersion[] {
  // The legacy extensions group goes last so that plain "ingresses" maps to networking.k8s.io.
  if (!memo) {
    const gvs = servedGroupVersions();
    memo = [...gvs.filter((g) => g.group !== "extensions"), ...gvs.filter((g) => g.group === "extensions")];
  }
  return memo;
}

function aggregatedResource(sr: ServedResource) {
  const { info } = sr;
  const legacy = !!sr.deprecatedUse;
  const entry: Record<string, unknown> = {
    resource: info.resource,
    responseKind: { group: sr.group, version: sr.version, kind: info.kind },
    scope: info.namespaced ? "Namespaced" : "Cluster",
    singularResource: info.singular,
    verbs: info.verbs,
  };
  if (info.shortNames.length && !legacy) entry.shortNames = info.shortNames;
  if (info.categories.length && !legacy) entry.categories = info.categories;
  if (info.subresources.length) {
    entry.subresources = info.subresources.map((name) => {
      const k = subresourceKinds[name];
      const kind = name === "proxy" ? proxyKind(info.kind) : (k.kind ?? info.kind);
      return {
        subresource: name,
        responseKind: { group: k.version ? k.group : sr.group, version: k.version || sr.version, kind },
        verbs: k.verbs,
      };
    });
  }
  return entry;
}

function aggregatedGroup(name: string, gvs: GroupVersion[]) {
  return {
    metadata: { name, creationTimestamp: null },
    versions: gvs.map((gv) => ({
      version: gv.version,
      resources: gv.resources.map(aggregatedResource),
      freshness: "Current",
    })),
  };
}

function byGroup(gvs: GroupVersion[]): Map<string, GroupVersion[]> {
  const m = new Map<string, GroupVersion[]>();
  for (const gv of gvs) {
    const list = m.get(gv.group) ?? [];
    list.push(gv);
    m.set(gv.group, list);
  }
  return m;
}

export function aggregatedDiscovery(
  core: boolean,
  version: "v2" | "v2beta1",
  all: GroupVersion[] = builtinGroupVersions(),
): unknown {
  const groups = byGroup(all);
  const items = core
    ? [aggregatedGroup("", groups.get("") ?? [])]
    : [...groups.entries()].filter(([g]) => g !== "").map(([g, gvs]) => aggregatedGroup(g, gvs));
  return { kind: "APIGroupDiscoveryList", apiVersion: `apidiscovery.k8s.io/${version}`, metadata: {}, items };
}

export function apiVersions(serverAddress: string): unknown {
  return {
    kind: "APIVersions",
    versions: ["v1"],
    serverAddressByClientCIDRs: [{ clientCIDR: "0.0.0.0/0", serverAddress }],
  };
}

function apiGroup(name: string, gvs: GroupVersion[]) {
  const versions = gvs.map((gv) => ({ groupVersion: apiVersionOf(name, gv.version), version: gv.version }));
  return { name, versions, preferredVersion: versions[0] };
}

export function apiGroupList(all: GroupVersion[] = builtinGroupVersions()): unknown {
  const groups = byGroup(all);
  return {
    kind: "APIGroupList",
    apiVersion: "v1",
    groups: [...groups.entries()].filter(([g]) => g !== "").map(([g, gvs]) => apiGroup(g, gvs)),
  };
}

export function apiGroupFor(
  group: string,
  all: GroupVersion[] = builtinGroupVersions(),
): unknown | undefined {
  const gvs = byGroup(all).get(group);
  if (!gvs || group === "") return undefined;
  return { kind: "APIGroup", apiVersion: "v1", ...apiGroup(group, gvs) };
}

export function apiResourceList(
  group: string,
  version: string,
  all: GroupVersion[] = builtinGroupVersions(),
): unknown | undefined {
  const gv = all.find((g) => g.group === group && g.version === version);
  if (!gv) return undefined;
  const resources: unknown[] = [];
  for (const sr of gv.resources) {
    const { info } = sr;
    const legacy = !!sr.deprecatedUse;
    const r: Record<string, unknown> = {
      name: info.resource,
      singularName: info.singular,
      namespaced: info.namespaced,
      kind: info.kind,
      verbs: info.verbs,
    };
    if (info.shortNames.length && !legacy) r.shortNames = info.shortNames;
    if (info.categories.length && !legacy) r.categories = info.categories;
    resources.push(r);
    for (const name of info.subresources) {
      const k = subresourceKinds[name];
      const sub: Record<string, unknown> = {
        name: `${info.resource}/${name}`,
        singularName: "",
        namespaced: info.namespaced,
        kind: name === "proxy" ? proxyKind(info.kind) : (k.kind ?? info.kind),
        verbs: k.verbs,
      };
      if (k.version) {
        if (k.group !== sr.group) sub.group = k.group;
        if (k.version !== sr.version || k.group !== sr.group) sub.version = k.version;
      }
      resources.push(sub);
    }
  }
  return { kind: "APIResourceList", apiVersion: "v1", groupVersion: apiVersionOf(group, version), resources };
}

export function findServed(
  group: string,
  version: string,
  resource: string,
  all: GroupVersion[] = builtinGroupVersions(),
): ServedResource | undefined {
  return all
    .find((g) => g.group === group && g.version === version)
    ?.resources.find((r) => r.info.resource === resource);
}
