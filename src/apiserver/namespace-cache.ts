import type { KObject } from "../apimachinery/meta.ts";
import type { GenericStore } from "./registry/generic-store.ts";
import type { WatchBroadcaster } from "./watch/broadcaster.ts";

/**
 * Namespaces as admission sees them, read through to storage and kept fresh by the watch cache,
 * so that a create does not cost a storage read of its namespace.
 */
export class NamespaceCache {
  private readonly entries = new Map<string, KObject | null>();
  private readonly store: GenericStore;

  constructor(store: GenericStore) {
    this.store = store;
  }

  async follow(broadcaster: WatchBroadcaster, signal: AbortSignal): Promise<void> {
    await broadcaster.subscribe(
      broadcaster.revision,
      {
        prefix: "/registry/namespaces/",
        onEvents: (events) => {
          for (const e of events) {
            const name = e.object.metadata!.name!;
            if (e.type === "DELETED") this.entries.delete(name);
            else this.entries.set(name, e.object);
          }
        },
        onError: () => this.entries.clear(),
      },
      signal,
    );
  }

  async get(name: string): Promise<KObject | undefined> {
    const hit = this.entries.get(name);
    if (hit) return hit;
    // Misses are not remembered: a namespace created elsewhere must be seen at once.
    const obj = await this.store.tryGet("", name);
    const newer = this.entries.get(name);
    // A watch event may have landed while storage was read; keep whichever is newer.
    if (newer && Number(newer.metadata!.resourceVersion) >= Number(obj?.metadata?.resourceVersion ?? 0))
      return newer;
    if (obj) this.entries.set(name, obj);
    return obj;
  }
}
