// The resource quota controller (pkg/controller/resourcequota): each quota's status.hard is its
// spec, and status.used what its namespace's objects use of every resource it limits, recounted
// when a quota changes, when counted objects go (replenishment), and every resync period.
import type { KObject } from "../../apimachinery/meta.ts";
import {
  amountsToList,
  formatQuantity,
  zeroQuantity,
  type ResourceAmounts,
} from "../../apimachinery/quantity.ts";
import { StatusError } from "../../apimachinery/status-error.ts";
import { sumUsage } from "../../api/quota/usage.ts";
import { objectKey } from "../../client/informer.ts";
import type { ApiClient, SharedInformer } from "../../client/interface.ts";
import { runWorkers, WorkQueue } from "../../client/workqueue.ts";
import type { Clock } from "../../util/clock.ts";
import type { Logger } from "../../util/logger.ts";
import { refFor } from "../refs.ts";
import { namespaceIndex, namespaceIndexer } from "../util/index.ts";

type Obj = Record<string, any>;

const quotasRef = refFor("", "resourcequotas");
const resyncMs = 5 * 60_000;

/** The group and resource whose objects a quota's resource name counts. */
export function countedResource(name: string): { group: string; resource: string } | undefined {
  if (
    /^(pods|count\/pods|cpu|memory|ephemeral-storage|(requests|limits)\..+)$/.test(name) &&
    name !== "requests.storage"
  )
    return { group: "", resource: "pods" };
  if (/^services(\.|$)|^count\/services$/.test(name)) return { group: "", resource: "services" };
  if (
    /^(persistentvolumeclaims|requests\.storage|count\/persistentvolumeclaims)$/.test(name) ||
    name.includes(".storageclass.storage.k8s.io/")
  )
    return { group: "", resource: "persistentvolumeclaims" };
  const plain = /^(?:count\/)?(configmaps|secrets|replicationcontrollers|resourcequotas)$/.exec(name);
  if (plain) return { group: "", resource: plain[1]! };
  const counted = /^count\/([a-z0-9-]+)(?:\.(.+))?$/.exec(name);
  if (counted) return { group: counted[2] ?? "", resource: counted[1]! };
  return undefined;
}

export interface ResourceQuotaControllerDeps {
  client: ApiClient;
  quotas: SharedInformer;
  /** Deletes and finishes of these give their quota back at once. */
  pods: SharedInformer;
  services: SharedInformer;
  claims: SharedInformer;
  clock: Clock;
  logger: Logger;
}

export class ResourceQuotaController {
  private readonly deps: ResourceQuotaControllerDeps;
  private readonly queue = new WorkQueue();

  constructor(deps: ResourceQuotaControllerDeps) {
    this.deps = deps;
    for (const i of [deps.quotas, deps.pods, deps.services, deps.claims])
      i.addIndexer(namespaceIndex, namespaceIndexer);
    const quota = (q: KObject) => this.queue.add(objectKey(q));
    deps.quotas.on({ add: quota, update: quota });
    const replenish = (o: KObject) => {
      for (const q of deps.quotas.byIndex(namespaceIndex, o.metadata?.namespace ?? ""))
        this.queue.add(objectKey(q));
    };
    deps.pods.on({
      update: (p, old) => {
        const done = (x: Obj) => x.status?.phase === "Succeeded" || x.status?.phase === "Failed";
        if (done(p as Obj) && !done(old as Obj)) replenish(p);
      },
      delete: replenish,
    });
    deps.services.on({ delete: replenish, update: replenish });
    deps.claims.on({ delete: replenish });
  }

  async run(signal: AbortSignal): Promise<void> {
    await Promise.all(
      [this.deps.quotas, this.deps.pods, this.deps.services, this.deps.claims].map((i) => i.waitForSync()),
    );
    const resync = () => {
      if (signal.aborted) return;
      for (const q of this.deps.quotas.list()) this.queue.add(objectKey(q));
      timer = this.deps.clock.setTimeout(resync, resyncMs);
    };
    let timer = this.deps.clock.setTimeout(resync, resyncMs);
    signal.addEventListener("abort", () => timer.cancel());
    await runWorkers(
      this.queue,
      2,
      (k) => this.sync(k),
      signal,
      (key, err) =>
        this.deps.logger.warn("resource quota sync failed", { quota: key, error: (err as Error).message }),
    );
  }

  private async objects(namespace: string, group: string, resource: string): Promise<Obj[]> {
    if (group === "") {
      const inf = {
        pods: this.deps.pods,
        services: this.deps.services,
        persistentvolumeclaims: this.deps.claims,
      }[resource];
      if (inf) return inf.byIndex(namespaceIndex, namespace) as Obj[];
    }
    return (await this.deps.client.list(refFor(group, resource), namespace)).items as Obj[];
  }

  async sync(key: string): Promise<void> {
    const cached = this.deps.quotas.get(key) as Obj | undefined;
    if (!cached) return;
    const quota = structuredClone(cached);
    const ns = quota.metadata.namespace;
    const hard: Record<string, string> = quota.spec?.hard ?? {};
    const used: ResourceAmounts = new Map();
    const byKind = new Map<string, string[]>();
    for (const name of Object.keys(hard)) {
      const what = countedResource(name);
      if (!what) continue;
      const k = `${what.group}/${what.resource}`;
      byKind.set(k, [...(byKind.get(k) ?? []), name]);
    }
    for (const [k, names] of byKind) {
      const [group, resource] = k.split("/") as [string, string];
      let objs: Obj[];
      try {
        objs = await this.objects(ns, group, resource);
      } catch (e) {
        if (e instanceof StatusError && e.code === 404) continue;
        throw e;
      }
      const total = sumUsage(objs, group, resource, quota);
      for (const n of names) used.set(n, total.get(n) ?? zeroQuantity());
    }
    const status: Obj = { hard: { ...hard }, used: amountsToList(used) };
    for (const n of Object.keys(hard)) status.used[n] ??= formatQuantity(zeroQuantity());
    if (JSON.stringify(status) === JSON.stringify({ hard: quota.status?.hard, used: quota.status?.used }))
      return;
    try {
      await this.deps.client.update(quotasRef, ns, quota.metadata.name, { ...quota, status }, "status");
    } catch (e) {
      if (e instanceof StatusError && e.code === 409) this.queue.add(key);
      else if (!(e instanceof StatusError) || e.code !== 404) throw e;
    }
  }
}
