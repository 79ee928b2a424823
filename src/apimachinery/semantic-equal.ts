const absent = (v: unknown) => v === undefined || v === null;

/**
 * Whether two JSON values mean the same (apiequality.Semantic.DeepEqual for decoded JSON): key order
 * ignored, and fields that are null or missing treated alike, as a merge patch stores no nulls. The
 * same answer as comparing the kubelet's stableStringify of both, without building the strings.
 */
export function semanticEqual(a: unknown, b: unknown): boolean {
  if (a === b || (absent(a) && absent(b))) return true;
  if (absent(a) || absent(b) || typeof a !== "object" || typeof b !== "object") return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    if (a.length !== bb.length) return false;
    for (let i = 0; i < a.length; i++) {
      // Array elements are serialized even when null, so they compare as values.
      if (absent(a[i]) || absent(bb[i])) {
        if (absent(a[i]) !== absent(bb[i])) return false;
      } else if (!semanticEqual(a[i], bb[i])) return false;
    }
    return true;
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  let n = 0;
  for (const k in ao) {
    if (absent(ao[k])) continue;
    n++;
    if (!semanticEqual(ao[k], bo[k])) return false;
  }
  for (const k in bo) if (!absent(bo[k])) n--;
  return n === 0;
}
