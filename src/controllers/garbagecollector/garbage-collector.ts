import type { KObject, OwnerReference } from "../../apimachinery/meta.ts";
import { StatusError } from "../../apimachinery/status-error.ts";
import { Informer, objectKey } from "../../client/informer.ts";
import type { ResourceRef } from "../../client/rest-client.ts";
import type { ApiClient } from "../../client/interface.ts";
import { runWorkers, WorkQueue } from "../../client/workqueue.ts";
import type { Logger } from "../../util/logger.ts";
import { customResourceRef, namespacedContent, refFor, refForKind, refOf } from "../refs.ts";
import { parseApiVersion } from "../../api/resources.ts";
import { resources } from "../../api/resources.ts";

export interface GarbageCollectorDeps {
  client: ApiClient;
  logger: Logger;
}

interface Node {
  informer: Informer;
  key: string;
}

const ORPHAN = "orphan";
const FOREGROUND = "foregroundDeletion";

/**
 * The garbage collector (pkg/controller/garbagecollector): follows ownerReferences across every
 * resource, deletes dependents whose owners are gone, orphans dependents for the "orphan"
 * finalizer and deletes them first for "foregroundDeletion".
 */
export class GarbageCollector {
  private readonly deps: GarbageCollectorDeps;
  private readonly informers: Informer[] = [];
  private readonly queue = new WorkQueue();
  private readonly byUid = new Map<string, Node>();
  /** owner uid → dependent nodes */
  private readonly dependents = new Map<string, Set<string>>();
  private readonly informerIndex = new Map<string, Informer>();

  /** The CustomResourceDefinitions: custom owners' kinds, and the custom resources to follow. */
  private readonly crds: Informer;

  constructor(deps: GarbageCollectorDeps) {
    this.deps = deps;
    this.crds = new Informer({
      client: deps.client,
      ref: refFor("apiextensions.k8s.io", "customresourcedefinitions"),
      logger: deps.logger,
    });
    const infos = [
      ...namespacedContent().filter((r) => r.resource !== "events"),
      ...resources.filter((r) => !r.namespaced && r.verbs.includes("list") && r.resource !== "namespaces"),
    ];
    for (const info of infos) this.informers.push(this.follow(refOf(info)));
  }

  private follow(ref: ResourceRef): Informer {
    const informer = new Informer({
      client: this.deps.client,
      ref,
      logger: this.deps.logger,
      metadataOnly: true,
    });
    const id = `${ref.group}/${ref.resource}`;
    this.informerIndex.set(id, informer);
    informer.on({
      add: (o) => this.observe(id, o, undefined),
      update: (o, old) => this.observe(id, o, old),
      delete: (o) => this.forget(id, o),
    });
    return informer;
  }

  /** Custom resources join the graph as their definitions appear (upstream re-reads discovery). */
  private followCustomResources(signal: AbortSignal): Promise<void> {
    const crds = this.crds;
    const onCrd = (crd: KObject) => {
      const ref = customResourceRef(crd);
      if (!ref || this.informerIndex.has(`${ref.group}/${ref.resource}`)) return;
      const { group, version, resource, namespaced } = ref;
      void this.follow({ group, version, resource, namespaced })
        .run(signal)
        .catch(() => undefined);
    };
    crds.on({ add: onCrd, update: onCrd });
    return crds.run(signal);
  }

  private itemKey(id: string, o: KObject): string {
    return `${id}|${objectKey(o)}`;
  }

  private observe(id: string, o: KObject, old: KObject | undefined): void {
    const uid = o.metadata!.uid!;
    const key = this.itemKey(id, o);
    this.byUid.set(uid, { informer: this.informerIndex.get(id)!, key: objectKey(o) });
    const refs = o.metadata?.ownerReferences ?? [];
    for (const r of old?.metadata?.ownerReferences ?? []) {
      if (!refs.some((n) => n.uid === r.uid)) this.dependents.get(r.uid)?.delete(key);
    }
    for (const r of refs) {
      let set = this.dependents.get(r.uid);
      if (!set) this.dependents.set(r.uid, (set = new Set()));
      set.add(key);
    }
    const fin = o.metadata?.finalizers ?? [];
    if (refs.length || (o.metadata?.deletionTimestamp && (fin.includes(ORPHAN) || fin.includes(FOREGROUND))))
      this.queue.add(key);
  }

  private forget(id: string, o: KObject): void {
    const uid = o.metadata!.uid!;
    const key = this.itemKey(id, o);
    this.byUid.delete(uid);
    for (const r of o.metadata?.ownerReferences ?? []) {
      this.dependents.get(r.uid)?.delete(key);
      // An owner waiting in foreground deletion may now be free to go.
      if (this.byUid.has(r.uid)) this.queue.add(this.nodeKey(r.uid)!);
    }
    // Dependents of a deleted owner must be looked at now.
    for (const d of this.dependents.get(uid) ?? []) this.queue.add(d);
  }

  private nodeKey(uid: string): string | undefined {
    const n = this.byUid.get(uid);
    if (!n) return undefined;
    for (const [id, inf] of this.informerIndex) if (inf === n.informer) return `${id}|${n.key}`;
    return undefined;
  }

  async run(signal: AbortSignal): Promise<void> {
    const running = this.informers.map((i) => i.run(signal));
    await Promise.all(this.informers.map((i) => i.waitForSync()));
    await Promise.all([
      ...running,
      this.followCustomResources(signal),
      runWorkers(
        this.queue,
        4,
        (k) => this.sync(k),
        signal,
        (key, err) =>
          this.deps.logger.warn("garbage collection failed", { item: key, error: (err as Error).message }),
      ),
    ]);
  }

  async sync(item: string): Promise<void> {
    const [id, key] = item.split("|");
    const informer = this.informerIndex.get(id);
    const obj = informer?.get(key);
    if (!informer || !obj) return;
    const meta = obj.metadata!;
    const fin = meta.finalizers ?? [];
    if (meta.deletionTimestamp && fin.includes(ORPHAN)) return this.orphanDependents(informer, obj);
    if (meta.deletionTimestamp && fin.includes(FOREGROUND)) return this.deleteDependentsFirst(informer, obj);
    if (meta.ownerReferences?.length) return this.checkOwners(informer, obj);
  }

  private dependentObjects(uid: string): Array<{ informer: Informer; obj: KObject }> {
    const out: Array<{ informer: Informer; obj: KObject }> = [];
    for (const d of this.dependents.get(uid) ?? []) {
      const [id, key] = d.split("|");
      const inf = this.informerIndex.get(id);
      const o = inf?.get(key);
      if (inf && o) out.push({ informer: inf, obj: o });
    }
    return out;
  }

  private async orphanDependents(informer: Informer, owner: KObject): Promise<void> {
    const uid = owner.metadata!.uid!;
    for (const { informer: inf, obj } of this.dependentObjects(uid)) {
      const refs = (obj.metadata!.ownerReferences ?? []).filter((r) => r.uid !== uid);
      await this.ignoreGone(
        this.deps.client.patch(inf.ref, obj.metadata!.namespace ?? "", obj.metadata!.name!, {
          metadata: { ownerReferences: refs.length ? refs : null, uid: obj.metadata!.uid },
        }),
      );
    }
    await this.removeFinalizer(informer.ref, owner, ORPHAN);
  }

  private async deleteDependentsFirst(informer: Informer, owner: KObject): Promise<void> {
    const deps = this.dependentObjects(owner.metadata!.uid!);
    for (const { informer: inf, obj } of deps) {
      if (obj.metadata!.deletionTimestamp) continue;
      await this.ignoreGone(
        this.deps.client.delete(inf.ref, obj.metadata!.namespace ?? "", obj.metadata!.name!, {
          propagationPolicy: "Foreground",
          preconditions: { uid: obj.metadata!.uid },
        }),
      );
    }
    if (deps.length) return; // the last dependent's deletion brings this owner back to the queue
    await this.removeFinalizer(informer.ref, owner, FOREGROUND);
  }

  private async checkOwners(informer: Informer, obj: KObject): Promise<void> {
    const meta = obj.metadata!;
    const refs = meta.ownerReferences ?? [];
    const dangling: OwnerReference[] = [];
    let waitingForeground = false;
    for (const r of refs) {
      const state = await this.ownerState(r, meta.namespace ?? "");
      if (state === "absent") dangling.push(r);
      else if (state === "foreground" && r.blockOwnerDeletion) waitingForeground = true;
    }
    if (dangling.length === refs.length) {
      if (meta.deletionTimestamp) return;
      await this.ignoreGone(
        this.deps.client.delete(informer.ref, meta.namespace ?? "", meta.name!, {
          propagationPolicy: "Background",
          preconditions: { uid: meta.uid },
        }),
      );
      return;
    }
    if (dangling.length) {
      const keep = refs.filter((r) => !dangling.includes(r));
      await this.ignoreGone(
        this.deps.client.patch(informer.ref, meta.namespace ?? "", meta.name!, {
          metadata: { ownerReferences: keep, uid: meta.uid },
        }),
      );
    }
    if (waitingForeground && !meta.deletionTimestamp) {
      await this.ignoreGone(
        this.deps.client.delete(informer.ref, meta.namespace ?? "", meta.name!, {
          propagationPolicy: "Foreground",
          preconditions: { uid: meta.uid },
        }),
      );
    }
  }

  /** Whether an owner exists, confirmed against the API server when the caches do not know it. */
  private async ownerState(
    r: OwnerReference,
    namespace: string,
  ): Promise<"present" | "absent" | "foreground"> {
    const node = this.byUid.get(r.uid);
    const fromCache = node?.informer.get(node.key);
    const check = (o: KObject | undefined) => {
      if (!o || o.metadata?.uid !== r.uid) return "absent" as const;
      if (o.metadata?.deletionTimestamp && (o.metadata.finalizers ?? []).includes(FOREGROUND))
        return "foreground" as const;
      return "present" as const;
    };
    if (fromCache) return check(fromCache);
    const ref = refForKind(r.apiVersion, r.kind) ?? this.customResourceRef(r.apiVersion, r.kind);
    if (!ref) return "present"; // an owner kind this server does not serve is left alone
    try {
      return check(await this.deps.client.get(ref, ref.namespaced ? namespace : "", r.name));
    } catch (e) {
      if (e instanceof StatusError && e.code === 404) return "absent";
      throw e;
    }
  }

  /** A custom resource's kind, resolved through its CustomResourceDefinition (from the cache). */
  private customResourceRef(apiVersion: string, kind: string): ResourceRef | undefined {
    const { group, version } = parseApiVersion(apiVersion);
    for (const crd of this.crds.list()) {
      const ref = customResourceRef(crd);
      if (ref?.group === group && ref.kind === kind && ref.versions.includes(version))
        return { group, version, resource: ref.resource, namespaced: ref.namespaced };
    }
    return undefined;
  }

  private async removeFinalizer(ref: ResourceRef, obj: KObject, finalizer: string): Promise<void> {
    const finalizers = (obj.metadata!.finalizers ?? []).filter((f) => f !== finalizer);
    await this.ignoreGone(
      this.deps.client.patch(ref, obj.metadata!.namespace ?? "", obj.metadata!.name!, {
        metadata: {
          finalizers: finalizers.length ? finalizers : null,
          resourceVersion: obj.metadata!.resourceVersion,
        },
      }),
    );
  }

  private async ignoreGone(p: Promise<unknown>): Promise<void> {
    try {
      await p;
    } catch (e) {
      if (
        e instanceof StatusError &&
        (e.code === 404 || (e.code === 409 && e.reason === "Conflict" && e.message.includes("Precondition")))
      )
        return;
      throw e;
    }
  }
}
