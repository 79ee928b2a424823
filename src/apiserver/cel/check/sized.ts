// A variable's type with the sizes of its actual value: what the cost estimator needs to price
// an evaluation before it runs, as cel-go's runtime cost tracking prices it while it runs.
import { BOOL, DOUBLE, DYN, INT, escapeName, isDyn, list, map, typeName, type CelT } from "./types.ts";

function merge(a: CelT | undefined, b: CelT): CelT {
  if (!a) return b;
  const size = Math.max(("maxSize" in a && a.maxSize) || 0, ("maxSize" in b && b.maxSize) || 0);
  if (a.k === "list" && b.k === "list") return list(merge(a.elem, b.elem), size);
  if (a.k === "map" && b.k === "map") return map(a.key, merge(a.value, b.value), size);
  if (a.k === "object" && b.k === "object") {
    const fields = { ...a.fields };
    for (const [k, t] of Object.entries(b.fields)) fields[k] = merge(fields[k], t);
    return { ...a, fields };
  }
  if (a.k === "prim" && b.k === "prim" && a.name === b.name) return { ...a, maxSize: size };
  return typeName(a) === typeName(b) ? a : DYN;
}

/** `t` as a value that is not there: every string, list and map in it empty. */
function emptied(t: CelT, depth = 0): CelT {
  if (depth > 32) return t;
  switch (t.k) {
    case "prim":
      return t.name === "string" || t.name === "bytes" ? { ...t, maxSize: 0 } : t;
    case "list":
    case "map":
      return { ...t, maxSize: 0 };
    case "object": {
      const fields: Record<string, CelT> = {};
      for (const [k, f] of Object.entries(t.fields)) fields[k] = emptied(f, depth + 1);
      return { ...t, fields };
    }
    default:
      return t;
  }
}

const cache = new WeakMap<object, Map<CelT, CelT>>();

/** `t` with every string, list and map bounded by the size `v` has. */
export function sizedType(t: CelT, v: unknown): CelT {
  if (v === null || v === undefined) return t;
  if (typeof v === "string")
    return t.k === "prim" && !isDyn(t)
      ? { ...t, maxSize: v.length }
      : { k: "prim", name: "string", maxSize: v.length };
  if (typeof v === "number") return isDyn(t) ? (Number.isInteger(v) ? INT : DOUBLE) : t;
  if (typeof v === "boolean") return isDyn(t) ? BOOL : t;
  if (typeof v !== "object") return t;
  let byType = cache.get(v);
  const hit = byType?.get(t);
  if (hit) return hit;
  let out: CelT;
  if (Array.isArray(v)) {
    const elem = t.k === "list" ? t.elem : DYN;
    let merged: CelT | undefined;
    for (const item of v) merged = merge(merged, sizedType(elem, item));
    out = list(merged ?? elem, v.length);
  } else {
    const entries = Object.entries(v as Record<string, unknown>);
    if (t.k === "object") {
      // A field the value lacks costs nothing to look at: has() stops there.
      const fields = (emptied(t) as typeof t).fields;
      for (const [k, x] of entries) {
        const name = escapeName(k);
        if (name !== undefined && fields[name]) fields[name] = sizedType(fields[name], x);
      }
      out = { ...t, fields };
    } else {
      const value = t.k === "map" ? t.value : DYN;
      let merged: CelT | undefined;
      for (const [, x] of entries) merged = merge(merged, sizedType(value, x));
      out = map(t.k === "map" ? t.key : DYN, merged ?? value, entries.length);
    }
  }
  if (!byType) cache.set(v, (byType = new Map()));
  byType.set(t, out);
  return out;
}
