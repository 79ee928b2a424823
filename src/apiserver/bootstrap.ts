import type { KObject } from "../apimachinery/meta.ts";
import { StatusError } from "../apimachinery/status-error.ts";
import type { Clock } from "../util/clock.ts";
import type { Registry } from "./registry/registry.ts";
import type { RequestContext } from "./registry/strategy.ts";
import { applyDefaults } from "../api/defaults/index.ts";

const systemPriorityClasses: Array<[string, number, string]> = [
  [
    "system-node-critical",
    2000001000,
    "Used for system critical pods that must not be moved from their current node.",
  ],
  [
    "system-cluster-critical",
    2000000000,
    "Used for system critical pods that must run in the cluster, but can be moved to another node if necessary.",
  ],
];

export const SYSTEM_NAMESPACES = ["default", "kube-system", "kube-public", "kube-node-lease"];

/** The objects every cluster has from its first start (upstream's bootstrap controller). */
export async function ensureSystemNamespaces(registry: Registry, clock: Clock): Promise<void> {
  const ctx: RequestContext = {
    user: { name: "system:apiserver", groups: ["system:masters"] },
    now: clock.now(),
    warnings: [],
    dryRun: false,
  };
  const existing = await registry.namespaces.list("");
  const have = new Set(existing.items.map((n) => n.metadata?.name));
  for (const name of SYSTEM_NAMESPACES) {
    if (have.has(name)) continue;
    const ns: KObject = {
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name, labels: { "kubernetes.io/metadata.name": name } },
    };
    applyDefaults("", "Namespace", ns);
    try {
      await registry.namespaces.create("", ns, ctx);
    } catch (e) {
      // Another server on the same etcd may have made it first.
      if (!(e instanceof StatusError && e.code === 409)) throw e;
    }
  }
  // The scheduling bootstrap hook's classes (pkg/apis/scheduling SystemPriorityClasses).
  const classes = registry.get("scheduling.k8s.io", "priorityclasses")!;
  for (const [name, value, description] of systemPriorityClasses) {
    if (await classes.tryGet("", name)) continue;
    const pc: KObject = {
      apiVersion: "scheduling.k8s.io/v1",
      kind: "PriorityClass",
      metadata: { name },
      value,
      description,
      preemptionPolicy: "PreemptLowerPriority",
    } as KObject;
    try {
      await classes.create("", pc, ctx);
    } catch (e) {
      if (!(e instanceof StatusError && e.code === 409)) throw e;
    }
  }
  // The service-account controller makes these too; made here, pods can be created from the start.
  const accounts = registry.get("", "serviceaccounts")!;
  for (const namespace of SYSTEM_NAMESPACES) {
    if (await accounts.tryGet(namespace, "default")) continue;
    const sa: KObject = {
      apiVersion: "v1",
      kind: "ServiceAccount",
      metadata: { name: "default", namespace },
    };
    try {
      await accounts.create(namespace, sa, ctx);
    } catch (e) {
      if (!(e instanceof StatusError && e.code === 409)) throw e;
    }
  }
}
