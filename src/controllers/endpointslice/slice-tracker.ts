import type { SharedInformer } from "../../client/interface.ts";

const DELETED = "deleted";

/**
 * What this controller last wrote per Service, so a sync never acts on an informer cache that
 * has not seen those writes yet: a second create of the same endpoints would follow
 * (pkg/controller/endpointslice/endpointslice_tracker.go).
 */
export class SliceTracker {
  private readonly expected = new Map<string, Map<string, string>>();

  wrote(serviceKey: string, sliceName: string, resourceVersion: string | undefined): void {
    this.entry(serviceKey).set(sliceName, resourceVersion ?? "0");
  }

  deleted(serviceKey: string, sliceName: string): void {
    this.entry(serviceKey).set(sliceName, DELETED);
  }

  /** True while the cache is behind this controller's own writes for the Service. */
  stale(serviceKey: string, namespace: string, slices: SharedInformer): boolean {
    const m = this.expected.get(serviceKey);
    if (!m) return false;
    for (const [name, rv] of m) {
      const cached = slices.get(`${namespace}/${name}`);
      const caughtUp =
        rv === DELETED ? !cached : !!cached && Number(cached.metadata?.resourceVersion ?? 0) >= Number(rv);
      if (caughtUp) m.delete(name);
    }
    if (m.size === 0) this.expected.delete(serviceKey);
    return m.size > 0;
  }

  forget(serviceKey: string): void {
    this.expected.delete(serviceKey);
  }

  private entry(serviceKey: string): Map<string, string> {
    let m = this.expected.get(serviceKey);
    if (!m) this.expected.set(serviceKey, (m = new Map()));
    return m;
  }
}
