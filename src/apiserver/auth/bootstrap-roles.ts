// Upstream's bootstrap policy (plugin/pkg/auth/authorizer/rbac/bootstrappolicy): the user-facing
// roles with their aggregation labels, the discovery roles every user holds, and their bindings.
import { controllerManagerRules, controllerRoleRules, schedulerRules } from "./controller-roles.ts";
import { nodeRules } from "./node-authorizer.ts";
import type { PolicyRule } from "./rbac-cache.ts";

/** The group of a node's service proxy, cluster DNS and Ingress controller (user system:kube-proxy). */
export const NODE_NETWORK_GROUP = "system:skiff:node-network";

const read = ["get", "list", "watch"];
const write = ["create", "delete", "deletecollection", "patch", "update"];
const rule = (apiGroups: string[], resources: string[], verbs: string[]): PolicyRule => ({
  verbs,
  apiGroups,
  resources,
});
const urls = (nonResourceURLs: string[], verbs: string[]): PolicyRule => ({ verbs, nonResourceURLs });

export interface BootstrapRole {
  name: string;
  labels?: Record<string, string>;
  rules: PolicyRule[];
  /** The labels of the ClusterRoles whose rules this one gathers (aggregationRule). */
  aggregates?: string;
  /** Reconciling sets the rules to these instead of adding the missing ones. */
  replaceRules?: boolean;
}

const aggregate = (to: string) => `rbac.authorization.k8s.io/aggregate-to-${to}`;

export const bootstrapClusterRoles: BootstrapRole[] = [
  {
    name: "cluster-admin",
    rules: [rule(["*"], ["*"], ["*"]), urls(["*"], ["*"])],
  },
  { name: "admin", aggregates: aggregate("admin"), rules: [] },
  { name: "edit", labels: { [aggregate("admin")]: "true" }, aggregates: aggregate("edit"), rules: [] },
  { name: "view", labels: { [aggregate("edit")]: "true" }, aggregates: aggregate("view"), rules: [] },
  {
    name: "system:aggregate-to-admin",
    labels: { [aggregate("admin")]: "true" },
    rules: [
      rule(["authorization.k8s.io"], ["localsubjectaccessreviews"], ["create"]),
      rule(["rbac.authorization.k8s.io"], ["rolebindings", "roles"], [...write, ...read].sort()),
    ],
  },
  {
    name: "system:aggregate-to-edit",
    labels: { [aggregate("admin")]: "true", [aggregate("edit")]: "true" },
    rules: [
      rule(
        [""],
        ["pods/attach", "pods/exec", "pods/portforward", "pods/proxy", "secrets", "services/proxy"],
        read,
      ),
      rule([""], ["serviceaccounts"], ["impersonate"]),
      rule([""], ["pods", "pods/attach", "pods/exec", "pods/portforward", "pods/proxy"], write),
      rule([""], ["pods/eviction"], ["create"]),
      rule(
        [""],
        [
          "configmaps",
          "events",
          "persistentvolumeclaims",
          "replicationcontrollers",
          "replicationcontrollers/scale",
          "secrets",
          "serviceaccounts",
          "services",
          "services/proxy",
        ],
        write,
      ),
      rule([""], ["serviceaccounts/token"], ["create"]),
      rule(
        ["apps"],
        [
          "daemonsets",
          "deployments",
          "deployments/rollback",
          "deployments/scale",
          "replicasets",
          "replicasets/scale",
          "statefulsets",
          "statefulsets/scale",
        ],
        write,
      ),
      rule(["autoscaling"], ["horizontalpodautoscalers"], write),
      rule(["batch"], ["cronjobs", "jobs"], write),
      rule(
        ["extensions"],
        [
          "daemonsets",
          "deployments",
          "deployments/rollback",
          "deployments/scale",
          "ingresses",
          "networkpolicies",
          "replicasets",
          "replicasets/scale",
          "replicationcontrollers/scale",
        ],
        write,
      ),
      rule(["policy"], ["poddisruptionbudgets"], write),
      rule(["networking.k8s.io"], ["ingresses", "networkpolicies"], write),
      rule(["coordination.k8s.io"], ["leases"], [...write, ...read].sort()),
    ],
  },
  {
    name: "system:aggregate-to-view",
    labels: { [aggregate("admin")]: "true", [aggregate("edit")]: "true", [aggregate("view")]: "true" },
    rules: [
      rule(
        [""],
        [
          "configmaps",
          "endpoints",
          "persistentvolumeclaims",
          "persistentvolumeclaims/status",
          "pods",
          "replicationcontrollers",
          "replicationcontrollers/scale",
          "serviceaccounts",
          "services",
          "services/status",
        ],
        read,
      ),
      rule(
        [""],
        [
          "bindings",
          "events",
          "limitranges",
          "namespaces/status",
          "pods/log",
          "pods/status",
          "replicationcontrollers/status",
          "resourcequotas",
          "resourcequotas/status",
        ],
        read,
      ),
      rule([""], ["namespaces"], read),
      rule(["discovery.k8s.io"], ["endpointslices"], read),
      rule(
        ["apps"],
        [
          "controllerrevisions",
          "daemonsets",
          "daemonsets/status",
          "deployments",
          "deployments/scale",
          "deployments/status",
          "replicasets",
          "replicasets/scale",
          "replicasets/status",
          "statefulsets",
          "statefulsets/scale",
          "statefulsets/status",
        ],
        read,
      ),
      rule(["autoscaling"], ["horizontalpodautoscalers", "horizontalpodautoscalers/status"], read),
      rule(["batch"], ["cronjobs", "cronjobs/status", "jobs", "jobs/status"], read),
      rule(
        ["extensions"],
        [
          "daemonsets",
          "daemonsets/status",
          "deployments",
          "deployments/scale",
          "deployments/status",
          "ingresses",
          "ingresses/status",
          "networkpolicies",
          "replicasets",
          "replicasets/scale",
          "replicasets/status",
          "replicationcontrollers/scale",
        ],
        read,
      ),
      rule(["policy"], ["poddisruptionbudgets", "poddisruptionbudgets/status"], read),
      rule(["networking.k8s.io"], ["ingresses", "ingresses/status", "networkpolicies"], read),
    ],
  },
  {
    name: "system:discovery",
    rules: [
      urls(
        [
          "/api",
          "/api/*",
          "/apis",
          "/apis/*",
          "/healthz",
          "/livez",
          "/openapi",
          "/openapi/*",
          "/readyz",
          "/version",
          "/version/",
        ],
        ["get"],
      ),
    ],
  },
  {
    name: "system:basic-user",
    rules: [
      rule(["authorization.k8s.io"], ["selfsubjectaccessreviews", "selfsubjectrulesreviews"], ["create"]),
      rule(["authentication.k8s.io"], ["selfsubjectreviews"], ["create"]),
    ],
  },
  {
    name: "system:public-info-viewer",
    rules: [urls(["/healthz", "/livez", "/readyz", "/version", "/version/"], ["get"])],
  },
  // The Node authorizer grants nodes these rules itself; the role is kept for those who bind it.
  // Skiff's earlier releases gave nodes broader ones: they are replaced, not merged.
  { name: "system:node", rules: nodeRules, replaceRules: true },
  {
    name: "system:node-proxier",
    rules: [
      rule([""], ["endpoints", "services"], ["list", "watch"]),
      rule([""], ["nodes"], read),
      rule([""], ["events"], ["create", "patch", "update"]),
      rule(["events.k8s.io"], ["events"], ["create", "patch", "update"]),
      rule(["discovery.k8s.io"], ["endpointslices"], ["list", "watch"]),
    ],
  },
  { name: "system:kube-scheduler", rules: schedulerRules },
  { name: "system:kube-controller-manager", rules: controllerManagerRules },
  ...Object.entries(controllerRoleRules).map(([sa, rules]) => ({ name: `system:controller:${sa}`, rules })),
  // What a skiff node's own cluster DNS and Ingress controller read beyond the service proxy's
  // (k3s runs CoreDNS and Traefik with roles of their own for the same).
  {
    name: "system:skiff:node-network",
    rules: [
      rule(["networking.k8s.io"], ["ingressclasses", "ingresses"], ["list", "watch"]),
      rule([""], ["secrets"], ["list", "watch"]),
    ],
  },
  // A node removes the folders of its local-path volumes before they go (k3s's provisioner runs a
  // helper pod on the node for the same), so it watches volumes and drops their cleanup finalizer.
  {
    name: "system:skiff:local-path-node",
    rules: [rule([""], ["persistentvolumes"], ["get", "list", "watch", "update", "patch"])],
  },
];

export interface BootstrapSubject {
  kind: "User" | "Group" | "ServiceAccount";
  name: string;
  namespace?: string;
}

export interface BootstrapBinding {
  name: string;
  role: string;
  subjects: BootstrapSubject[];
  /** Subjects earlier releases bound that reconciling takes away. */
  dropSubjects?: Array<{ kind: "User" | "Group"; name: string }>;
}

export const bootstrapClusterRoleBindings: BootstrapBinding[] = [
  { name: "cluster-admin", role: "cluster-admin", subjects: [{ kind: "Group", name: "system:masters" }] },
  {
    name: "system:discovery",
    role: "system:discovery",
    subjects: [{ kind: "Group", name: "system:authenticated" }],
  },
  {
    name: "system:basic-user",
    role: "system:basic-user",
    subjects: [{ kind: "Group", name: "system:authenticated" }],
  },
  {
    name: "system:public-info-viewer",
    role: "system:public-info-viewer",
    subjects: [
      { kind: "Group", name: "system:authenticated" },
      { kind: "Group", name: "system:unauthenticated" },
    ],
  },
  // Upstream binds nobody: nodes are authorized by the Node authorizer (and NodeRestriction).
  {
    name: "system:node",
    role: "system:node",
    subjects: [],
    dropSubjects: [{ kind: "Group", name: "system:nodes" }],
  },
  {
    name: "system:node-proxier",
    role: "system:node-proxier",
    subjects: [{ kind: "User", name: "system:kube-proxy" }],
  },
  {
    name: "system:skiff:node-network",
    role: "system:skiff:node-network",
    subjects: [{ kind: "Group", name: NODE_NETWORK_GROUP }],
  },
  {
    name: "system:skiff:local-path-node",
    role: "system:skiff:local-path-node",
    subjects: [{ kind: "Group", name: "system:nodes" }],
  },
  {
    name: "system:kube-scheduler",
    role: "system:kube-scheduler",
    subjects: [{ kind: "User", name: "system:kube-scheduler" }],
  },
  {
    name: "system:kube-controller-manager",
    role: "system:kube-controller-manager",
    subjects: [{ kind: "User", name: "system:kube-controller-manager" }],
  },
  ...Object.keys(controllerRoleRules).map((sa) => ({
    name: `system:controller:${sa}`,
    role: `system:controller:${sa}`,
    subjects: [{ kind: "ServiceAccount" as const, name: sa, namespace: "kube-system" }],
  })),
  // Skiff's simulated kubelets act for many nodes at once, so the Node authorizer cannot narrow
  // them to one; they hold the node role itself.
  {
    name: "system:skiff:simulated-nodes",
    role: "system:node",
    subjects: [{ kind: "User", name: "system:skiff:simulated-nodes" }],
  },
];
