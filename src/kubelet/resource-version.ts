/**
 * Whether resourceVersion a is older than b. Upstream treats resourceVersions as opaque; skiff's are
 * store revisions, and the kubelet compares them only to skip a write its cache has not caught up with.
 */
export function isOlderVersion(a: string | undefined, b: string | undefined): boolean {
  if (!a || !b) return false;
  const x = Number(a);
  const y = Number(b);
  return Number.isFinite(x) && Number.isFinite(y) && x < y;
}
