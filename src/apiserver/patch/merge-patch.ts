// RFC 7386 JSON merge patch with the semantics of evanphx/json-patch.v4 MergePatch, which kube-apiserver uses.
// Only the maps on the patched paths are copied; the inputs are never mutated.
import { badRequest, invalid } from "../../apimachinery/status-error.ts";
import { invalid as invalidField } from "../../apimachinery/field-error.ts";
import { type JsonObject, isObject } from "./json-value.ts";

/** Drops null object members and null array items, recursively, copying only what changes. */
export function pruneNulls(v: unknown): unknown {
  if (Array.isArray(v)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < v.length; i++) {
      const item = v[i];
      const pruned = item === null ? undefined : pruneNulls(item);
      if (out === undefined && (item === null || pruned !== item)) out = v.slice(0, i);
      if (out !== undefined && item !== null) out.push(pruned);
    }
    return out ?? v;
  }
  if (isObject(v)) {
    let out: JsonObject | undefined;
    for (const k of Object.keys(v)) {
      const item = v[k];
      const pruned = item === null ? undefined : pruneNulls(item);
      if (item === null || pruned !== item) {
        out ??= { ...v };
        if (item === null) delete out[k];
        else out[k] = pruned;
      }
    }
    return out ?? v;
  }
  return v;
}

function mergeDocs(doc: JsonObject, patch: JsonObject): JsonObject {
  const out: JsonObject = { ...doc };
  for (const k of Object.keys(patch)) {
    const v = patch[k];
    if (v === null) {
      delete out[k];
    } else if (!Object.hasOwn(out, k) || out[k] === null) {
      out[k] = pruneNulls(v);
    } else {
      out[k] = merge(out[k], v);
    }
  }
  return out;
}

function merge(cur: unknown, patch: unknown): unknown {
  if (!isObject(cur)) return pruneNulls(patch);
  // evanphx/json-patch.v4 merge(): a non-object patch value replaces an object as is, nulls included.
  if (!isObject(patch)) return patch;
  return mergeDocs(cur, patch);
}

/** Applies an RFC 7386 merge patch (application/merge-patch+json) to an object. */
export function applyMergePatch(doc: unknown, patch: unknown): unknown {
  if (isObject(patch)) return mergeDocs(isObject(doc) ? doc : {}, patch);
  if (Array.isArray(patch)) {
    // The library turns the document into the array; decoding that into the object then fails (patch.go).
    const patched = JSON.stringify(pruneNulls(patch));
    throw invalid("", "", "", [
      invalidField(
        "patch",
        patched,
        "json: cannot unmarshal array into Go value of type map[string]interface {}",
      ),
    ]);
  }
  // jsonpatch.ErrBadJSONPatch
  throw badRequest("Invalid JSON Patch");
}
