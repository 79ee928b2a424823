// The ResourceQuotas and LimitRanges of each namespace, as admission sees them: listed once, then
// kept by the watch cache, so a create does not cost a storage list (upstream's admission reads
// informer listers the same way).
import type { KObject } from "../apimachinery/meta.ts";
import type { Logger } from "../util/logger.ts";
import type { Registry } from "./registry/registry.ts";
import type { WatchBroadcaster } from "./watch/broadcaster.ts";

export class NamespacedPolicyCache {
  private readonly registry: Registry;
  private readonly logger: Logger;
  private readonly prefix: string;
  private readonly byNamespace = new Map<string, Map<string, KObject>>();
  private synced = false;

  constructor(deps: { registry: Registry; logger: Logger; resource: string }) {
    this.registry = deps.registry;
    this.logger = deps.logger;
    this.prefix = `/registry/${deps.resource}/`;
  }

  private put(obj: KObject, deleted: boolean): void {
    const ns = obj.metadata?.namespace ?? "";
    const name = obj.metadata?.name ?? "";
    let m = this.byNamespace.get(ns);
    if (deleted) {
      m?.delete(name);
      return;
    }
    if (!m) this.byNamespace.set(ns, (m = new Map()));
    m.set(name, obj);
  }

  async follow(broadcaster: WatchBroadcaster, signal: AbortSignal): Promise<void> {
    const r = await this.registry.storage.list(this.prefix);
    for (const kv of r.items) this.put(JSON.parse(kv.value) as KObject, false);
    this.synced = true;
    await broadcaster.subscribe(
      r.revision,
      {
        prefix: this.prefix,
        onEvents: (events) => {
          for (const e of events) this.put(e.object, e.type === "DELETED");
        },
        onError: (err) => {
          // Without the watch the cache would go stale: fall back to reading storage.
          this.synced = false;
          if (!signal.aborted)
            this.logger.warn("policy cache watch ended", { prefix: this.prefix, error: err.message });
        },
      },
      signal,
    );
  }

  /** The cached objects of a namespace ("" for cluster-scoped ones), or undefined until synced. */
  objects(namespace: string): KObject[] | undefined {
    return this.synced ? [...(this.byNamespace.get(namespace)?.values() ?? [])] : undefined;
  }

  /** Whether the namespace has any; the objects themselves are read fresh from storage by callers that write them. */
  has(namespace: string): boolean {
    return !this.synced || (this.byNamespace.get(namespace)?.size ?? 0) > 0;
  }
}
