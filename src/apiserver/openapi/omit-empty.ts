// Go's encoding/json leaves out an `omitempty` slice or map that is empty, so upstream never stores or
// returns `ownerReferences: []` or `labels: {}` whatever a client or a patch wrote. Every list and map
// field of the built-in types is omitempty except those the schema requires (List items, EndpointSlice
// endpoints and ports, …), so the schema tells which empties to drop.
import type { FieldNode } from "./unknown-fields.ts";

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

function isEmptyObject(v: Record<string, unknown>): boolean {
  for (const _ in v) return false;
  return true;
}

/** Removes, in place, the empty omitempty lists and maps of `obj` under `node`. */
export function dropEmptyOmitted(node: FieldNode, obj: unknown): void {
  switch (node.t) {
    case "object": {
      if (!isObject(obj)) return;
      for (const k in obj) {
        const child = node.props.get(k);
        if (!child || child.t === "any") continue;
        const v = obj[k];
        if (child.t === "array" && Array.isArray(v)) {
          if (v.length === 0) {
            if (!node.required?.has(k)) delete obj[k];
          } else if (child.items.t !== "any") {
            for (const item of v) dropEmptyOmitted(child.items, item);
          }
        } else if (child.t === "map" && isObject(v)) {
          if (isEmptyObject(v)) {
            if (!node.required?.has(k)) delete obj[k];
          } else if (child.values.t !== "any") {
            for (const kk in v) dropEmptyOmitted(child.values, v[kk]);
          }
        } else if (child.t === "object") {
          dropEmptyOmitted(child, v);
        }
      }
      return;
    }
    case "array":
      if (Array.isArray(obj)) for (const item of obj) dropEmptyOmitted(node.items, item);
      return;
    case "map":
      if (isObject(obj)) for (const k in obj) dropEmptyOmitted(node.values, obj[k]);
      return;
    default:
      return;
  }
}
