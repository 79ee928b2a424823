// Equality of plain CEL values as lists' indexOf needs it: scalars by value, lists and maps by
// their elements.
export function celEquals(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a === "bigint" && typeof b === "number") return Number(a) === b;
  if (typeof a === "number" && typeof b === "bigint") return a === Number(b);
  if (a instanceof Map && b instanceof Map) {
    if (a.size !== b.size) return false;
    for (const [k, v] of a) if (!b.has(k) || !celEquals(v, b.get(k))) return false;
    return true;
  }
  const iterable = (v: unknown): v is Iterable<unknown> =>
    typeof v === "object" && v !== null && Symbol.iterator in v && !(v instanceof Map);
  if (iterable(a) && iterable(b)) {
    const xs = [...a];
    const ys = [...b];
    return xs.length === ys.length && xs.every((x, i) => celEquals(x, ys[i]));
  }
  return false;
}
