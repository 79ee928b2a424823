/** Pods per owner per zone across the cluster, so default spreading need not sum every node per pod. */
export class OwnerZoneIndex {
  private readonly counts = new Map<string, Map<string, number>>();

  add(owner: string, zone: string, by: number): void {
    let zones = this.counts.get(owner);
    if (!zones) this.counts.set(owner, (zones = new Map()));
    const v = (zones.get(zone) ?? 0) + by;
    if (v > 0) zones.set(zone, v);
    else {
      zones.delete(zone);
      if (!zones.size) this.counts.delete(owner);
    }
  }

  get(owner: string): ReadonlyMap<string, number> | undefined {
    return this.counts.get(owner);
  }
}
