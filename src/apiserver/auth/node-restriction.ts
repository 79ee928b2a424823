// NodeRestriction admission (plugin/pkg/admission/noderestriction): what the Node authorizer lets
// a node write is narrowed to its own things. A node modifies only its own Node (not its taints,
// nor labels outside the kubelet's set), creates only mirror pods bound to itself, updates the
// status of, deletes and evicts only pods bound to itself, touches only its own Lease, and asks
// tokens only bound to pods bound to itself.
import type { KObject } from "../../apimachinery/meta.ts";
import { forbidden, notFound, StatusError } from "../../apimachinery/status-error.ts";
import { semanticEqual } from "../../apimachinery/semantic-equal.ts";
import type { ResourceRequest } from "../http/request-info.ts";
import type { GenericStore } from "../registry/generic-store.ts";
import { NODE_LEASE_NAMESPACE } from "./node-authorizer.ts";
import type { NodeGraph } from "./node-graph.ts";

const MIRROR_ANNOTATION = "kubernetes.io/config.mirror";

// kubeletapis: the kubernetes.io labels a kubelet may set on its own Node.
export const KUBELET_LABELS = new Set([
  "kubernetes.io/hostname",
  "topology.kubernetes.io/zone",
  "topology.kubernetes.io/region",
  "failure-domain.beta.kubernetes.io/zone",
  "failure-domain.beta.kubernetes.io/region",
  "beta.kubernetes.io/instance-type",
  "node.kubernetes.io/instance-type",
  "beta.kubernetes.io/os",
  "beta.kubernetes.io/arch",
  "kubernetes.io/os",
  "kubernetes.io/arch",
]);
const KUBELET_LABEL_NAMESPACES = ["kubelet.kubernetes.io", "node.kubernetes.io"];

const inDomain = (ns: string, domain: string) => ns === domain || ns.endsWith(`.${domain}`);

export function isKubeletLabel(key: string): boolean {
  if (KUBELET_LABELS.has(key)) return true;
  const ns = key.includes("/") ? key.slice(0, key.indexOf("/")) : "";
  return KUBELET_LABEL_NAMESPACES.some((d) => inDomain(ns, d));
}

/** The labels in `keys` a node may not set on itself (getForbiddenLabels), sorted. */
export function forbiddenNodeLabels(keys: Iterable<string>): string[] {
  const out: string[] = [];
  for (const key of keys) {
    const ns = key.includes("/") ? key.slice(0, key.indexOf("/")) : "";
    if (inDomain(ns, "node-restriction.kubernetes.io")) out.push(key);
    else if ((inDomain(ns, "kubernetes.io") || inDomain(ns, "k8s.io")) && !isKubeletLabel(key)) out.push(key);
  }
  return out.sort();
}

function modifiedLabels(next: Record<string, string> = {}, old: Record<string, string> = {}): string[] {
  const keys = new Set<string>();
  for (const [k, v] of Object.entries(next)) if (old[k] !== v) keys.add(k);
  for (const k of Object.keys(old)) if (!(k in next)) keys.add(k);
  return [...keys];
}

type Obj = Record<string, any>;

export class NodeRestriction {
  private readonly graph: NodeGraph;
  private readonly pods: GenericStore;

  constructor(graph: NodeGraph, pods: GenericStore) {
    this.graph = graph;
    this.pods = pods;
  }

  /** admission.NewForbidden: `pods "x" is forbidden: <why>`. */
  private refuse(info: ResourceRequest, name: string, why: string): StatusError {
    const qr = info.group ? `${info.resource}.${info.group}` : info.resource;
    const err = forbidden(`${qr} "${name}" is forbidden: ${why}`);
    return new StatusError(err.code, err.reason, err.message, {
      name: name || undefined,
      group: info.group || undefined,
      kind: info.resource,
    });
  }

  /** The node of a pod: the graph's when it knows it, else storage's (NotFound when there is none). */
  private async podNode(namespace: string, name: string): Promise<{ node: string; uid: string }> {
    const known = this.graph.podNode(namespace, name);
    if (known?.node) return known;
    const pod = await this.pods.tryGet(namespace, name);
    if (!pod) throw notFound({ group: "", resource: "pods" }, name);
    return { node: String((pod.spec as Obj | undefined)?.nodeName ?? ""), uid: pod.metadata?.uid ?? "" };
  }

  /** Checks a node's write before it reaches the registry; `body` is the decoded request, if any. */
  async admit(node: string, info: ResourceRequest, body: Obj | undefined): Promise<void> {
    const verb = info.verb;
    if (!["create", "update", "patch", "delete"].includes(verb)) return;
    const name = info.name || String(body?.metadata?.name ?? "");
    if (info.group === "" && info.resource === "nodes") {
      if (name !== node)
        throw this.refuse(info, name, `node "${node}" is not allowed to modify node "${name}"`);
      if (verb === "create") {
        if (body?.spec?.configSource)
          throw this.refuse(
            info,
            name,
            `node "${node}" is not allowed to create pods with a non-nil configSource`,
          );
        const bad = forbiddenNodeLabels(Object.keys((body?.metadata?.labels as Obj | undefined) ?? {}));
        if (bad.length)
          throw this.refuse(
            info,
            name,
            `node "${node}" is not allowed to set the following labels: ${bad.join(", ")}`,
          );
      }
      return;
    }
    if (info.group === "" && info.resource === "pods") return this.admitPod(node, info, name, body);
    if (info.group === "coordination.k8s.io" && info.resource === "leases") {
      if (info.namespace !== NODE_LEASE_NAMESPACE)
        throw this.refuse(
          info,
          name,
          `can only access leases in the "${NODE_LEASE_NAMESPACE}" system namespace`,
        );
      if (name !== node)
        throw this.refuse(info, name, "can only access node lease with the same name as the requesting node");
      return;
    }
    if (info.group === "" && info.resource === "serviceaccounts" && info.subresource === "token")
      return this.admitToken(node, info, body);
  }

  /** An update of the node's own Node, with the object before and after (taints and labels). */
  admitNodeUpdate(node: string, next: KObject, current: KObject): void {
    const info = { group: "", resource: "nodes" } as ResourceRequest;
    const name = next.metadata?.name ?? "";
    if (
      (next.spec as Obj | undefined)?.configSource &&
      !semanticEqual((next.spec as Obj).configSource, (current.spec as Obj | undefined)?.configSource)
    )
      throw this.refuse(info, name, `node "${node}" is not allowed to update configSource`);
    if (
      !semanticEqual(
        (next.spec as Obj | undefined)?.taints ?? [],
        (current.spec as Obj | undefined)?.taints ?? [],
      )
    )
      throw this.refuse(info, name, `node "${node}" is not allowed to modify taints`);
    const bad = forbiddenNodeLabels(modifiedLabels(next.metadata?.labels, current.metadata?.labels));
    if (bad.length) throw this.refuse(info, name, `is not allowed to modify labels: ${bad.join(", ")}`);
  }

  private async admitPod(
    node: string,
    info: ResourceRequest,
    name: string,
    body: Obj | undefined,
  ): Promise<void> {
    const ns = info.namespace;
    if (info.subresource === "status") {
      if ((await this.podNode(ns, name)).node !== node)
        throw this.refuse(
          info,
          name,
          `node "${node}" can only update pod status for pods with spec.nodeName set to itself`,
        );
      return;
    }
    if (info.subresource === "eviction") {
      if ((await this.podNode(ns, name)).node !== node)
        throw this.refuse(info, name, `node "${node}" can only evict pods with spec.nodeName set to itself`);
      return;
    }
    if (info.subresource) return;
    if (info.verb === "delete") {
      if ((await this.podNode(ns, name)).node !== node)
        throw this.refuse(info, name, `node "${node}" can only delete pods with spec.nodeName set to itself`);
      return;
    }
    if (info.verb !== "create")
      throw this.refuse(
        info,
        name,
        `unexpected operation "UPDATE", node "${node}" can only create and delete mirror pods`,
      );
    this.admitPodCreate(node, info, name, body ?? {});
  }

  private admitPodCreate(node: string, info: ResourceRequest, name: string, pod: Obj): void {
    const spec = (pod.spec ?? {}) as Obj;
    if (!pod.metadata?.annotations?.[MIRROR_ANNOTATION])
      throw this.refuse(
        info,
        name,
        `pod does not have "${MIRROR_ANNOTATION}" annotation, node "${node}" can only create mirror pods`,
      );
    if (spec.nodeName !== node)
      throw this.refuse(info, name, `node "${node}" can only create pods with spec.nodeName set to itself`);
    for (const o of (pod.metadata?.ownerReferences as Obj[] | undefined) ?? [])
      if (o?.apiVersion !== "v1" || o?.kind !== "Node" || o?.name !== node)
        throw this.refuse(
          info,
          name,
          `node "${node}" can only create pods with an owner reference set to itself`,
        );
    if (spec.serviceAccountName || spec.serviceAccount)
      throw this.refuse(info, name, `node "${node}" can not create pods that reference a service account`);
    const containers = [...((spec.initContainers as Obj[]) ?? []), ...((spec.containers as Obj[]) ?? [])];
    const refersTo = (key: "secretKeyRef" | "configMapKeyRef", from: "secretRef" | "configMapRef") =>
      containers.some(
        (c) =>
          ((c?.env as Obj[]) ?? []).some((e) => e?.valueFrom?.[key]) ||
          ((c?.envFrom as Obj[]) ?? []).some((e) => e?.[from]),
      );
    const volumes = (spec.volumes as Obj[]) ?? [];
    if (
      (spec.imagePullSecrets as Obj[] | undefined)?.length ||
      refersTo("secretKeyRef", "secretRef") ||
      volumes.some((v) => v?.secret || v?.projected?.sources?.some((s: Obj) => s?.secret))
    )
      throw this.refuse(info, name, `node "${node}" can not create pods that reference secrets`);
    if (
      refersTo("configMapKeyRef", "configMapRef") ||
      volumes.some((v) => v?.configMap || v?.projected?.sources?.some((s: Obj) => s?.configMap))
    )
      throw this.refuse(info, name, `node "${node}" can not create pods that reference configmaps`);
    if (volumes.some((v) => v?.persistentVolumeClaim || v?.ephemeral))
      throw this.refuse(
        info,
        name,
        `node "${node}" can not create pods that reference persistentvolumeclaims`,
      );
  }

  private async admitToken(node: string, info: ResourceRequest, body: Obj | undefined): Promise<void> {
    const ref = body?.spec?.boundObjectRef as Obj | undefined;
    const name = info.name;
    if (!ref || ref.apiVersion !== "v1" || ref.kind !== "Pod" || !ref.name)
      throw this.refuse(info, name, "node requested token not bound to a pod");
    if (!ref.uid) throw this.refuse(info, name, "node requested token with a pod binding without a uid");
    const pod = await this.podNode(info.namespace, String(ref.name));
    if (ref.uid !== pod.uid)
      throw this.refuse(
        info,
        name,
        `the UID in the bound object reference (${String(ref.uid)}) does not match the UID in record. The object might have been deleted and then recreated`,
      );
    if (pod.node !== node)
      throw this.refuse(info, name, "node requested token bound to a pod scheduled on a different node");
  }
}
