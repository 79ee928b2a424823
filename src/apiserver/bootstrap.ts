import type { KObject } from "../apimachinery/meta.ts";
import { StatusError } from "../apimachinery/status-error.ts";
import type { Clock } from "../util/clock.ts";
import type { Registry } from "./registry/registry.ts";
import type { RequestContext } from "./registry/strategy.ts";
import { applyDefaults } from "../api/defaults/index.ts";

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
