import type { KObject } from "../../apimachinery/meta.ts";
import { StatusError } from "../../apimachinery/status-error.ts";
import { Informer } from "../../client/informer.ts";
import { resourcePath } from "../../client/rest-client.ts";
import type { ApiClient } from "../../client/interface.ts";
import type { ResourceRef } from "../../client/rest-client.ts";
import { runWorkers, WorkQueue } from "../../client/workqueue.ts";
import type { Logger } from "../../util/logger.ts";
import { customResourceRef, namespacedContent, refFor, refOf } from "../refs.ts";

export interface NamespaceControllerDeps {
  client: ApiClient;
  logger: Logger;
}

/**
 * Deletes everything in a terminating namespace, then clears the "kubernetes" finalizer so the
 * namespace itself goes (pkg/controller/namespace/deletion).
 */
export class NamespaceController {
  private readonly deps: NamespaceControllerDeps;

  /** Namespaced custom resources, from their definitions (upstream reads discovery). */
  private async customResources(): Promise<ResourceRef[]> {
    const list = await this.deps.client.list(refFor("apiextensions.k8s.io", "customresourcedefinitions"), "");
    return list.items.flatMap((crd) => {
      const ref = customResourceRef(crd);
      return ref?.namespaced
        ? [{ group: ref.group, version: ref.version, resource: ref.resource, namespaced: true }]
        : [];
    });
  }

  private readonly queue = new WorkQueue();
  readonly informer: Informer;

  constructor(deps: NamespaceControllerDeps) {
    this.deps = deps;
    this.informer = new Informer({ client: deps.client, ref: refFor("", "namespaces"), logger: deps.logger });
    const enqueue = (o: KObject) => {
      if (o.metadata?.deletionTimestamp) this.queue.add(o.metadata.name!);
    };
    this.informer.on({ add: enqueue, update: enqueue });
  }

  async run(signal: AbortSignal): Promise<void> {
    const informing = this.informer.run(signal);
    await this.informer.waitForSync();
    await Promise.all([
      informing,
      runWorkers(
        this.queue,
        2,
        (k) => this.sync(k),
        signal,
        (key, err) =>
          this.deps.logger.warn("namespace sync failed", { namespace: key, error: (err as Error).message }),
      ),
    ]);
  }

  async sync(name: string): Promise<void> {
    const ns = this.informer.get(name);
    if (!ns?.metadata?.deletionTimestamp) return;
    const { client } = this.deps;
    let remaining = 0;
    for (const ref of [...namespacedContent().map(refOf), ...(await this.customResources())]) {
      const list = await client.list(ref, name, { limit: 500 });
      if (!list.items.length) continue;
      remaining += list.items.length;
      if (list.items.every((i) => i.metadata?.deletionTimestamp)) continue;
      try {
        await client.request("DELETE", resourcePath(ref, name), {
          body: { propagationPolicy: "Background" },
        });
      } catch (e) {
        if (!(e instanceof StatusError && (e.code === 404 || e.code === 405))) throw e;
        for (const item of list.items) {
          await client
            .delete(ref, name, item.metadata!.name!, { propagationPolicy: "Background" })
            .catch(() => {});
        }
      }
    }
    if (remaining > 0) {
      // Content with graceful deletion or finalizers takes a while; look again soon.
      this.queue.addAfter(name, 1000);
      return;
    }
    const spec = (ns.spec ?? {}) as { finalizers?: string[] };
    if (!(spec.finalizers ?? []).includes("kubernetes")) return;
    const finalized = {
      ...ns,
      spec: { ...spec, finalizers: (spec.finalizers ?? []).filter((f) => f !== "kubernetes") },
    };
    try {
      await client.update(refFor("", "namespaces"), "", name, finalized, "finalize");
    } catch (e) {
      if (e instanceof StatusError && e.code === 404) return;
      throw e;
    }
  }
}
