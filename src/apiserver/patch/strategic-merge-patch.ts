// Strategic merge patch (application/strategic-merge-patch+json), the apply half of
// k8s.io/apimachinery/pkg/util/strategicpatch (StrategicMergeMapPatch with MergeParallelList and
// IgnoreUnmatchedNulls, as the apiserver calls it). Inputs are never mutated; only touched maps and lists are copied.
import { badRequest } from "../../apimachinery/status-error.ts";
import { type JsonObject, goFormat, goJsonTypeName, isObject } from "./json-value.ts";
import {
  ErrBadPatchFormatForPrimitiveList,
  ErrBadPatchFormatForRetainKeys,
  ErrBadPatchFormatForSetElementOrderList,
  ErrNoListOfLists,
  smpError,
} from "./patch-errors.ts";
import { type KindPatchMeta, patchMetaFor } from "./patch-meta.ts";

const directiveMarker = "$patch";
const retainKeysDirective = "$retainKeys";
const deleteFromPrimitiveListPrefix = "$deleteFromPrimitiveList";
const setElementOrderPrefix = "$setElementOrder";

/** A Go error from the strategicpatch package; turned into the HTTP error by smpError. */
class SmpError extends Error {}

const fail = (message: string): never => {
  throw new SmpError(message);
};

type ElemKind = "map" | "slice" | "string" | "number" | "bool" | "nil";

function elemKind(v: unknown): ElemKind {
  if (v === null || v === undefined) return "nil";
  if (Array.isArray(v)) return "slice";
  if (typeof v === "object") return "map";
  if (typeof v === "string") return "string";
  if (typeof v === "number") return "number";
  return "bool";
}

// reflect.TypeOf(...) as printed by mergepatch.ErrBadArgType.
function goTypeName(v: unknown): string {
  switch (elemKind(v)) {
    case "map":
      return "map[string]interface {}";
    case "slice":
      return "[]interface {}";
    case "number":
      return Number.isInteger(v) ? "int64" : "float64";
    case "nil":
      return "%!s(<nil>)";
    default:
      return elemKind(v);
  }
}

const errBadArgType = (expected: string, actual: unknown): never =>
  fail(`expected a ${expected}, but received a ${goTypeName(actual)}`);
const errNoMergeKey = (m: unknown, key: string): never =>
  fail(`map: ${goFormat(m)} does not contain declared merge key: ${key}`);
const errBadPatchType = (t: unknown, m: unknown): never =>
  fail(`unknown patch type: ${goFormat(t)} in map: ${goFormat(m)}`);

const isDirectiveKey = (k: string): boolean =>
  k === directiveMarker ||
  k === retainKeysDirective ||
  k.startsWith(deleteFromPrimitiveListPrefix) ||
  k.startsWith(setElementOrderPrefix);

/**
 * A patch value stored as is (no original to merge with): nulls are dropped (discardNullValuesFromPatch) and
 * maps carrying $patch are dropped whole (removeDirectives). Returns undefined when nothing should be kept.
 */
function clean(v: unknown): unknown {
  if (Array.isArray(v)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < v.length; i++) {
      const c = v[i] === null ? null : clean(v[i]);
      if (out === undefined && c !== v[i]) out = v.slice(0, i);
      if (out !== undefined && c !== undefined) out.push(c);
    }
    return out ?? v;
  }
  if (isObject(v)) {
    if (Object.hasOwn(v, directiveMarker)) return undefined;
    let out: JsonObject | undefined;
    for (const k of Object.keys(v)) {
      const item = v[k];
      const c = item === null || isDirectiveKey(k) ? undefined : clean(item);
      if (c !== item) {
        out ??= { ...v };
        if (c === undefined) delete out[k];
        else out[k] = c;
      }
    }
    return out ?? v;
  }
  return v;
}

function setCleaned(out: JsonObject, k: string, v: unknown): void {
  const c = clean(v);
  if (c === undefined) delete out[k];
  else out[k] = c;
}

function extractKey(s: string, prefix: string): string {
  const i = s.indexOf("/");
  if (i < 0 || s.slice(0, i) !== prefix) {
    fail(
      prefix === deleteFromPrimitiveListPrefix
        ? ErrBadPatchFormatForPrimitiveList
        : ErrBadPatchFormatForSetElementOrderList,
    );
  }
  return s.slice(i + 1);
}

function sliceElementType(...lists: unknown[][]): ElemKind {
  let prev: ElemKind | undefined;
  for (const list of lists) {
    for (const v of list) {
      const t = elemKind(v);
      if (prev === undefined) {
        prev = t;
        if (t === "slice") fail(ErrNoListOfLists);
      } else if (prev !== t) {
        fail(`list element types are not identical: ${goFormat(lists)}`);
      }
    }
  }
  return prev ?? fail("no elements in any of the given slices");
}

function mergeKeyValue(item: unknown, mergeKey: string): unknown {
  return isObject(item) ? item[mergeKey] : undefined;
}

function index(list: unknown[], item: unknown, mergeKey: string, kind: ElemKind): number {
  if (kind !== "map") return list.indexOf(item);
  const want = mergeKeyValue(item, mergeKey);
  for (let i = 0; i < list.length; i++) if (mergeKeyValue(list[i], mergeKey) === want) return i;
  return -1;
}

function validateMergeKeyInLists(mergeKey: string, ...lists: unknown[][]): void {
  for (const list of lists) {
    for (const item of list) {
      if (!isObject(item)) errBadArgType("map[string]interface {}", item);
      else if (!Object.hasOwn(item, mergeKey)) errNoMergeKey(item, mergeKey);
    }
  }
}

function extractToDeleteItems(list: unknown[]): [unknown[], unknown[]] {
  const keep: unknown[] = [];
  const toDelete: unknown[] = [];
  for (const v of list) {
    if (!isObject(v)) return errBadArgType("map[string]interface {}", v);
    if (v[directiveMarker] === "delete") toDelete.push(v);
    else keep.push(v);
  }
  return [keep, toDelete];
}

function normalizeSliceOrder(
  toSort: unknown[],
  order: unknown[],
  mergeKey: string,
  kind: ElemKind,
): unknown[] {
  let toDelete: unknown[] = [];
  if (kind === "map") {
    validateMergeKeyInLists(mergeKey, toSort, order);
    [toSort, toDelete] = extractToDeleteItems(toSort);
  }
  const decorated = toSort.map((v, pos) => ({ v, pos, at: index(order, v, mergeKey, kind) }));
  decorated.sort((a, b) => (a.at >= 0 && b.at >= 0 ? a.at - b.at : a.pos - b.pos));
  return [...decorated.map((d) => d.v), ...toDelete];
}

// mergeSortedSlice: server-only items keep their live order and are interleaved with the patch items.
function mergeSortedSlice(
  left: unknown[],
  right: unknown[],
  serverOrder: unknown[],
  mergeKey: string,
  kind: ElemKind,
): unknown[] {
  const out: unknown[] = [];
  let i = 0;
  let j = 0;
  while (i < left.length || j < right.length) {
    if (i >= left.length) out.push(right[j++]);
    else if (j >= right.length) out.push(left[i++]);
    else {
      const li = index(serverOrder, left[i], mergeKey, kind);
      const ri = index(serverOrder, right[j], mergeKey, kind);
      if (li >= 0 && ri >= 0 && li < ri) out.push(left[i++]);
      else out.push(right[j++]);
    }
  }
  return out;
}

function normalizeElementOrder(
  patch: unknown[],
  serverOnly: unknown[],
  patchOrder: unknown[],
  serverOrder: unknown[],
  mergeKey: string,
  kind: ElemKind,
): unknown[] {
  const p = normalizeSliceOrder(patch, patchOrder, mergeKey, kind);
  const s = normalizeSliceOrder(serverOnly, serverOrder, mergeKey, kind);
  return mergeSortedSlice(s, p, serverOrder, mergeKey, kind);
}

function findByKey(list: unknown[], mergeKey: string, value: unknown): number {
  for (let i = 0; i < list.length; i++) {
    const item = list[i];
    if (!isObject(item)) return fail(`value for key ${i} is not a map.`);
    if (Object.hasOwn(item, mergeKey) && item[mergeKey] === value) return i;
  }
  return -1;
}

function partition(merged: unknown[], by: unknown[], mergeKey: string): [unknown[], unknown[]] {
  const inPatch: unknown[] = [];
  const serverOnly: unknown[] = [];
  if (!mergeKey) {
    const present = new Set(by);
    for (const v of merged) (present.has(v) ? inPatch : serverOnly).push(v);
    return [inPatch, serverOnly];
  }
  for (const v of merged) {
    if (!isObject(v)) return errBadArgType("map[string]interface {}", v);
    if (!Object.hasOwn(v, mergeKey)) return errNoMergeKey(v, mergeKey);
    (findByKey(by, mergeKey, v[mergeKey]) >= 0 ? inPatch : serverOnly).push(v);
  }
  return [inPatch, serverOnly];
}

class Merger {
  private readonly meta: KindPatchMeta;

  constructor(meta: KindPatchMeta) {
    this.meta = meta;
  }

  mergeMap(original: JsonObject | undefined, patch: JsonObject, path: string): JsonObject {
    if (Object.hasOwn(patch, directiveMarker)) return this.mapDirective(patch[directiveMarker], patch);
    const out: JsonObject = original ? { ...original } : {};
    if (Object.hasOwn(patch, retainKeysDirective)) applyRetainKeys(out, patch);
    const ordered = this.mergeSetElementOrder(out, patch, path);

    for (const rawKey of Object.keys(patch)) {
      if (rawKey === retainKeysDirective || rawKey.startsWith(setElementOrderPrefix)) continue;
      let k = rawKey;
      let isDeleteList = false;
      if (rawKey.startsWith(deleteFromPrimitiveListPrefix)) {
        k = extractKey(rawKey, deleteFromPrimitiveListPrefix);
        isDeleteList = true;
      } else if (ordered?.has(k)) {
        continue;
      }
      const v = patch[rawKey];
      if (v === null) {
        delete out[k];
        continue;
      }
      const ov = out[k];
      const sameKind = Object.hasOwn(out, k) && elemKind(ov) === elemKind(v);
      if (!sameKind || (!isObject(v) && !Array.isArray(v))) {
        if (!isDeleteList || sameKind) setCleaned(out, k, v);
        continue;
      }
      const childPath = path ? `${path}.${k}` : k;
      if (Array.isArray(v)) out[k] = this.mergeSliceHandler(ov as unknown[], v, childPath, isDeleteList);
      else out[k] = this.mergeMap(ov as JsonObject, v as JsonObject, childPath);
    }
    return out;
  }

  private mapDirective(directive: unknown, patch: JsonObject): JsonObject {
    if (directive === "replace") {
      const rest: JsonObject = { ...patch };
      delete rest[directiveMarker];
      return clean(rest) as JsonObject;
    }
    if (directive === "delete") return {};
    return errBadPatchType(directive, patch);
  }

  /** $setElementOrder/<list>: merges that list now and orders it; returns the list keys it handled. */
  private mergeSetElementOrder(out: JsonObject, patch: JsonObject, path: string): Set<string> | undefined {
    let handled: Set<string> | undefined;
    for (const key of Object.keys(patch)) {
      if (!key.startsWith(setElementOrderPrefix)) continue;
      const setOrder = patch[key];
      if (!Array.isArray(setOrder)) return errBadArgType("[]interface {}", setOrder);
      const listKey = extractKey(key, setElementOrderPrefix);
      (handled ??= new Set()).add(listKey);
      const foundOriginal = Object.hasOwn(out, listKey);
      const foundPatch = Object.hasOwn(patch, listKey);
      const originalList = foundOriginal ? out[listKey] : [];
      const patchList = foundPatch ? patch[listKey] : [];
      if (!Array.isArray(originalList)) return errBadArgType("[]interface {}", originalList);
      if (!Array.isArray(patchList)) return errBadArgType("[]interface {}", patchList);
      const childPath = path ? `${path}.${listKey}` : listKey;
      const mergeKey = this.meta.lists.get(childPath)?.patchMergeKey ?? "";
      validatePatchWithSetOrderList(patchList, setOrder, mergeKey);

      let merged: unknown[];
      if (foundOriginal && !foundPatch) merged = originalList;
      else if (!foundOriginal && foundPatch) merged = clean(patchList) as unknown[];
      else if (foundOriginal && foundPatch)
        merged = this.mergeSliceHandler(originalList, patchList, childPath, false);
      else continue;

      const [inOrder, serverOnly] = partition(merged, setOrder, mergeKey);
      const kind = sliceElementType(originalList, patchList);
      out[listKey] = normalizeElementOrder(inOrder, serverOnly, setOrder, originalList, mergeKey, kind);
    }
    return handled;
  }

  private mergeSliceHandler(
    original: unknown[],
    patch: unknown[],
    path: string,
    isDeleteList: boolean,
  ): unknown[] {
    const lm = this.meta.lists.get(path);
    if (lm?.patchStrategy !== "merge") return clean(patch) as unknown[];
    return this.mergeSlice(original, patch, lm.patchMergeKey ?? "", isDeleteList, path);
  }

  private mergeSlice(
    original: unknown[],
    patch: unknown[],
    mergeKey: string,
    isDeleteList: boolean,
    path: string,
  ): unknown[] {
    if (original.length === 0 && patch.length === 0) return original;
    const kind = sliceElementType(original, patch);
    let merged: unknown[];
    if (kind !== "map") {
      if (isDeleteList) {
        const drop = new Set(patch);
        return original.filter((v) => !drop.has(v));
      }
      merged = [...new Set([...original, ...patch])];
    } else {
      if (!mergeKey) fail("cannot merge lists without merge key for type struct");
      [original, patch] = mergeSliceWithSpecialElements(original, patch, mergeKey);
      merged = this.mergeSliceWithoutSpecialElements(original, patch, mergeKey, path);
    }
    const [inPatch, serverOnly] = partition(merged, patch, mergeKey);
    return normalizeElementOrder(inPatch, serverOnly, patch, original, mergeKey, kind);
  }

  private mergeSliceWithoutSpecialElements(
    original: unknown[],
    patch: unknown[],
    mergeKey: string,
    path: string,
  ): unknown[] {
    let out = original;
    for (const v of patch as JsonObject[]) {
      if (!Object.hasOwn(v, mergeKey)) errNoMergeKey(v, mergeKey);
      const at = findByKey(out, mergeKey, v[mergeKey]);
      if (out === original) out = original.slice();
      if (at >= 0) out[at] = this.mergeMap(out[at] as JsonObject, v, path);
      else out.push(clean(v));
    }
    return out;
  }
}

function mergeSliceWithSpecialElements(
  original: unknown[],
  patch: unknown[],
  mergeKey: string,
): [unknown[], unknown[]] {
  const plain: unknown[] = [];
  let replace = false;
  for (const v of patch as JsonObject[]) {
    if (!Object.hasOwn(v, directiveMarker)) {
      plain.push(v);
      continue;
    }
    switch (v[directiveMarker]) {
      case "delete": {
        if (!Object.hasOwn(v, mergeKey)) return errNoMergeKey(v, mergeKey);
        const value = v[mergeKey];
        original = original.filter((item, i) => {
          if (!isObject(item)) return fail(`value for key ${i} is not a map.`);
          return !(Object.hasOwn(item, mergeKey) && item[mergeKey] === value);
        });
        break;
      }
      case "replace":
        replace = true;
        break;
      case "merge":
        return fail("merging lists cannot yet be specified in the patch");
      default:
        return errBadPatchType(v[directiveMarker], v);
    }
  }
  if (replace) return [clean(plain) as unknown[], []];
  return [original, plain];
}

function applyRetainKeys(out: JsonObject, patch: JsonObject): void {
  const retain = patch[retainKeysDirective];
  if (!Array.isArray(retain)) return void fail(ErrBadPatchFormatForRetainKeys);
  const keep = new Set(retain);
  for (const [k, v] of Object.entries(patch)) {
    if (k === retainKeysDirective || v === null) continue;
    if (k.startsWith(deleteFromPrimitiveListPrefix) || k.startsWith(setElementOrderPrefix)) continue;
    if (!keep.has(k)) fail(ErrBadPatchFormatForRetainKeys);
  }
  for (const k of Object.keys(out)) if (!keep.has(k)) delete out[k];
}

function mergeKeyValueEqual(left: unknown, right: unknown, mergeKey: string): boolean {
  if (!mergeKey) return left === right;
  if (!isObject(left)) return errBadArgType("map[string]interface {}", left);
  if (!isObject(right)) return errBadArgType("map[string]interface {}", right);
  if (!Object.hasOwn(left, mergeKey)) return errNoMergeKey(left, mergeKey);
  if (!Object.hasOwn(right, mergeKey)) return errNoMergeKey(right, mergeKey);
  return left[mergeKey] === right[mergeKey];
}

// The items of the patch list must appear in $setElementOrder in the same relative order.
function validatePatchWithSetOrderList(patchList: unknown[], setOrder: unknown[], mergeKey: string): void {
  if (setOrder.length === 0 || patchList.length === 0) return;
  const nonDelete = mergeKey ? extractToDeleteItems(patchList)[0] : patchList;
  let p = 0;
  let s = 0;
  while (p < nonDelete.length && s < setOrder.length) {
    if (isObject(nonDelete[p]) && Object.hasOwn(nonDelete[p] as JsonObject, directiveMarker)) {
      p++;
      continue;
    }
    if (mergeKeyValueEqual(nonDelete[p], setOrder[s], mergeKey)) p++;
    s++;
  }
  if (p < nonDelete.length && s >= setOrder.length) {
    fail(
      `the order in patch list:\n${goFormat(patchList)}\n doesn't match ${setElementOrderPrefix} list:\n${goFormat(setOrder)}`,
    );
  }
}

/**
 * Applies a strategic merge patch to an object of the given kind. Lists merge by the upstream
 * patchMergeKey of their Go type (see patch-meta.ts); errors map to HTTP codes as patch.go does.
 */
export function applyStrategicMergePatch(
  doc: unknown,
  patch: unknown,
  gvk: { group: string; kind: string },
): unknown {
  // A JSON null decodes into a nil map: there is nothing to apply.
  if (patch === null) return doc;
  if (!isObject(patch)) {
    throw badRequest(
      `json: cannot unmarshal ${goJsonTypeName(patch)} into Go value of type map[string]interface {}`,
    );
  }
  try {
    return new Merger(patchMetaFor(gvk)).mergeMap(isObject(doc) ? doc : undefined, patch, "");
  } catch (e) {
    if (e instanceof SmpError) throw smpError(e.message);
    throw e;
  }
}
