// The Node authorizer (plugin/pkg/auth/authorizer/node), first in the chain as with
// `--authorization-mode=Node,RBAC`: a node's identity (system:node:NAME in system:nodes) reads only
// the secrets, config maps and claims of the pods bound to it, asks tokens only for their service
// accounts, touches only its own Lease, and otherwise holds upstream's node rules. Writes to Node
// objects and pods are narrowed further by NodeRestriction admission.
import type { UserInfo } from "../registry/strategy.ts";
import type { NodeGraph, RefKind } from "./node-graph.ts";
import type { PolicyRule } from "./rbac-cache.ts";
import { type Attributes, ruleAllows } from "./rules.ts";

const read = ["get", "list", "watch"];
const rule = (apiGroups: string[], resources: string[], verbs: string[]): PolicyRule => ({
  verbs,
  apiGroups,
  resources,
});

/** Upstream's NodeRules: also the rules of the system:node ClusterRole. */
export const nodeRules: PolicyRule[] = [
  rule(["authentication.k8s.io"], ["tokenreviews"], ["create"]),
  rule(["authorization.k8s.io"], ["localsubjectaccessreviews", "subjectaccessreviews"], ["create"]),
  rule([""], ["services"], read),
  rule([""], ["nodes"], ["create", "get", "list", "watch"]),
  rule([""], ["nodes/status"], ["patch", "update"]),
  rule([""], ["nodes"], ["patch", "update"]),
  rule([""], ["events"], ["create", "patch", "update"]),
  rule(["events.k8s.io"], ["events"], ["create", "patch", "update"]),
  rule([""], ["pods"], read),
  rule([""], ["pods"], ["create", "delete"]),
  rule([""], ["pods/status"], ["patch", "update"]),
  rule([""], ["pods/eviction"], ["create"]),
  rule([""], ["configmaps", "secrets"], read),
  rule([""], ["persistentvolumeclaims", "persistentvolumes"], ["get"]),
  rule([""], ["endpoints"], ["get"]),
  rule(["certificates.k8s.io"], ["certificatesigningrequests"], ["create", "get", "list", "watch"]),
  rule(["coordination.k8s.io"], ["leases"], ["create", "delete", "get", "patch", "update"]),
  rule(["storage.k8s.io"], ["volumeattachments"], ["get"]),
  rule([""], ["serviceaccounts/token"], ["create"]),
  rule([""], ["persistentvolumeclaims/status"], ["get", "patch", "update"]),
  rule(["storage.k8s.io"], ["csidrivers"], read),
  rule(["storage.k8s.io"], ["csinodes"], ["create", "delete", "get", "patch", "update"]),
  rule(["node.k8s.io"], ["runtimeclasses"], read),
];

export const NODE_LEASE_NAMESPACE = "kube-node-lease";

/** The node a user is, when it is one (nodeidentifier: system:node:NAME in system:nodes). */
export function nodeIdentity(user: UserInfo): string | undefined {
  if (!user.name.startsWith("system:node:") || !user.groups.includes("system:nodes")) return undefined;
  return user.name.slice("system:node:".length);
}

export interface NodeDecision {
  allowed: boolean;
  reason: string;
}

const GRAPH_KINDS: Record<string, RefKind> = {
  secrets: "secret",
  configmaps: "configmap",
  persistentvolumeclaims: "persistentvolumeclaim",
};

export class NodeAuthorizer {
  private readonly graph: NodeGraph;

  constructor(graph: NodeGraph) {
    this.graph = graph;
  }

  /** Undefined for users that are not nodes: the Node authorizer has no opinion on them. */
  authorize(a: Attributes): NodeDecision | undefined {
    const node = nodeIdentity(a.user);
    if (node === undefined) return undefined;
    if (!node) return { allowed: false, reason: "unknown node" };
    if (a.isResource && a.apiGroup === "") {
      const kind = GRAPH_KINDS[a.resource];
      if (kind) return this.readRelated(node, kind, a);
      if (a.resource === "persistentvolumes")
        // The graph relates no volume to a node; nodes read volumes through RBAC's
        // system:skiff:local-path-node role (they watch their local-path volumes).
        return { allowed: false, reason: this.noRelationship(node) };
      if (a.resource === "serviceaccounts" && a.subresource === "token") return this.createToken(node, a);
      if (a.resource === "nodes") return this.nodeObject(node, a);
      if (a.resource === "pods") return this.pod(node, a);
    }
    if (a.isResource && a.apiGroup === "coordination.k8s.io" && a.resource === "leases")
      return this.lease(node, a);
    return { allowed: nodeRules.some((r) => ruleAllows(a, r)), reason: "" };
  }

  private noRelationship(node: string): string {
    return `no relationship found between node '${node}' and this object`;
  }

  private readRelated(node: string, kind: RefKind, a: Attributes): NodeDecision {
    if (kind === "persistentvolumeclaim") {
      if (a.verb !== "get")
        return { allowed: false, reason: "can only get individual resources of this type" };
      if (a.subresource) return { allowed: false, reason: "cannot get subresource" };
    } else {
      if (!read.includes(a.verb)) return { allowed: false, reason: "can only read resources of this type" };
      if (a.subresource) return { allowed: false, reason: "cannot read subresource" };
      if (!a.namespace) return { allowed: false, reason: "can only read namespaced object of this type" };
    }
    // A list or watch names its object with a metadata.name field selector.
    if (!a.name) return { allowed: false, reason: "No Object name found" };
    if (!this.graph.related(node, kind, a.namespace, a.name))
      return { allowed: false, reason: this.noRelationship(node) };
    return { allowed: true, reason: "" };
  }

  // AuthorizeNodeWithSelectors (on by default since 1.32): a node reads only its own Node object,
  // compared by name so that it may look before registering.
  private nodeObject(node: string, a: Attributes): NodeDecision {
    if (!a.subresource) {
      // NodeRestriction keeps the writes to its own Node.
      if (["create", "update", "patch"].includes(a.verb)) return { allowed: true, reason: "" };
      if (read.includes(a.verb)) {
        if (a.name === node) return { allowed: true, reason: "" };
        return { allowed: false, reason: `node '${node}' cannot read '${a.name}', only its own Node object` };
      }
    }
    return { allowed: nodeRules.some((r) => ruleAllows(a, r)), reason: "" };
  }

  /** A node gets the pods bound to it, and lists or watches them by its spec.nodeName. */
  private pod(node: string, a: Attributes): NodeDecision {
    if (!a.subresource) {
      if (a.verb === "get") {
        if (this.graph.podNode(a.namespace, a.name)?.node === node) return { allowed: true, reason: "" };
        return { allowed: false, reason: this.noRelationship(node) };
      }
      if (a.verb === "list" || a.verb === "watch") {
        if (a.fieldNodeName === node) return { allowed: true, reason: "" };
        return { allowed: false, reason: "can only list/watch pods with spec.nodeName field selector" };
      }
    }
    // Creates (mirror pods), deletes, status and evictions: NodeRestriction limits them to its pods.
    return { allowed: nodeRules.some((r) => ruleAllows(a, r)), reason: "" };
  }

  private createToken(node: string, a: Attributes): NodeDecision {
    if (a.verb !== "create" || !a.name)
      return { allowed: false, reason: "can only create tokens for individual service accounts" };
    if (!this.graph.related(node, "serviceaccount", a.namespace, a.name))
      return { allowed: false, reason: this.noRelationship(node) };
    return { allowed: true, reason: "" };
  }

  private lease(node: string, a: Attributes): NodeDecision {
    if (!["get", "create", "update", "patch", "delete"].includes(a.verb))
      return { allowed: false, reason: "can only get, create, update, patch, or delete a node lease" };
    if (a.namespace !== NODE_LEASE_NAMESPACE)
      return {
        allowed: false,
        reason: `can only access leases in the "${NODE_LEASE_NAMESPACE}" system namespace`,
      };
    // A create names its lease in the body: NodeRestriction checks it there.
    if (a.verb !== "create" && a.name !== node)
      return {
        allowed: false,
        reason: "can only access node lease with the same name as the requesting node",
      };
    return { allowed: true, reason: "" };
  }
}
