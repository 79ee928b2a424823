// How far a DaemonSet rolling update may go at once (pkg/controller/daemon/util UnavailableCount,
// SurgeCount): intstr values, percentages of the desired count rounded up.

function scaled(v: unknown, total: number): number {
  if (typeof v === "number") return v;
  if (typeof v === "string" && /^\d+%$/.test(v)) return Math.ceil((Number(v.slice(0, -1)) * total) / 100);
  if (typeof v === "string" && /^\d+$/.test(v)) return Number(v);
  return 0;
}

/** maxUnavailable of a RollingUpdate DaemonSet (0 for OnDelete). */
export function unavailableCount(ds: any, desired: number): number {
  const ru = ds.spec?.updateStrategy;
  if (ru?.type === "OnDelete") return 0;
  return scaled(ru?.rollingUpdate?.maxUnavailable ?? 1, desired);
}

/** maxSurge of a RollingUpdate DaemonSet (0 for OnDelete). */
export function surgeCount(ds: any, desired: number): number {
  const ru = ds.spec?.updateStrategy;
  if (ru?.type === "OnDelete") return 0;
  return scaled(ru?.rollingUpdate?.maxSurge ?? 0, desired);
}

/** util.AllowsSurge */
export function allowsSurge(ds: any): boolean {
  return surgeCount(ds, 1) > 0;
}
