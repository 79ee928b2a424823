// The schema-aware value operations server-side apply needs, after sigs.k8s.io/structured-merge-diff/typed:
// the set of fields an object sets, the difference between two objects, merging an applied configuration
// into a live object, and removing fields. Associative lists (merge keys in patch-meta.ts) are keyed by item,
// every other list is atomic. Values are never mutated; unchanged subtrees are shared.
import { type FieldSet, childOf, emptySet, hasAnyMember, insertPath, isEmpty } from "./field-set.ts";
import { type JsonObject, deepEqual, isObject } from "./json-value.ts";
import type { KindPatchMeta, ListMeta } from "./patch-meta.ts";

const join = (path: string, k: string): string => (path ? `${path}.${k}` : k);

function associative(m: KindPatchMeta, path: string): ListMeta | undefined {
  const lm = m.lists.get(path);
  return lm && lm.listType !== "atomic" ? lm : undefined;
}

/** The FieldsV1 key of a list item: `v:<json>` in sets, `k:{...}` (sorted key fields) in maps. */
export function itemKey(item: unknown, lm: ListMeta): string | undefined {
  if (lm.listType === "set") return item === undefined ? undefined : `v:${JSON.stringify(item)}`;
  if (!isObject(item)) return undefined;
  const fields: JsonObject = {};
  for (const k of lm.listMapKeys ?? []) {
    const v = Object.hasOwn(item, k) ? item[k] : lm.keyDefaults?.[k];
    if (v !== undefined) fields[k] = v;
  }
  return `k:${JSON.stringify(fields)}`;
}

function keyItems(list: unknown[], lm: ListMeta): Map<string, number> | undefined {
  const index = new Map<string, number>();
  for (let i = 0; i < list.length; i++) {
    const k = itemKey(list[i], lm);
    if (k === undefined) return undefined;
    if (!index.has(k)) index.set(k, i);
  }
  return index;
}

// ---------------------------------------------------------------------------------------------------------
// The fields an applied configuration sets (typed.ToFieldSet): leaves, atomic values, empty maps and every
// associative list item; maps with content are not members themselves.

export function toFieldSet(obj: JsonObject, m: KindPatchMeta): FieldSet {
  const root = emptySet();
  setFieldsOfMap(obj, "", root, m);
  return root;
}

function setFieldsOfMap(obj: JsonObject, path: string, into: FieldSet, m: KindPatchMeta): void {
  for (const k of Object.keys(obj)) setFieldsOf(obj[k], join(path, k), into, `f:${k}`, m);
}

function setFieldsOf(v: unknown, path: string, parent: FieldSet, key: string, m: KindPatchMeta): void {
  if (isObject(v) && !m.atomicMaps.has(path) && Object.keys(v).length > 0) {
    const node = childOf(parent, key);
    setFieldsOfMap(v, path, node, m);
    if (isEmpty(node)) parent.children.delete(key);
    return;
  }
  const lm = Array.isArray(v) ? associative(m, path) : undefined;
  if (Array.isArray(v) && lm && keyItems(v, lm)) {
    if (v.length === 0) return;
    const node = childOf(parent, key);
    for (const item of v) {
      const itemNode = childOf(node, itemKey(item, lm)!);
      itemNode.member = true;
      if (lm.listType === "map" && !lm.atomicItems) setFieldsOfMap(item as JsonObject, path, itemNode, m);
    }
    return;
  }
  childOf(parent, key).member = true;
}

// ---------------------------------------------------------------------------------------------------------
// typed.Compare: which fields were added, modified and removed going from lhs to rhs.

export interface Comparison {
  added: FieldSet;
  modified: FieldSet;
  removed: FieldSet;
}

// Newly created maps and lists own their own path only where Go leaves them absent in an empty object
// (maps and omitempty lists); non-pointer structs such as spec or template always exist, so they never do.
export const ownedWhenCreated: ReadonlySet<string> = new Set([
  "labels",
  "annotations",
  "finalizers",
  "ownerReferences",
  "nodeSelector",
  "data",
  "binaryData",
  "stringData",
  "limits",
  "requests",
  "matchLabels",
]);

const lastSegment = (path: string): string => path.slice(path.lastIndexOf(".") + 1);

class Comparer {
  readonly result: Comparison = { added: emptySet(), modified: emptySet(), removed: emptySet() };
  private readonly keys: string[] = [];
  private readonly m: KindPatchMeta;

  constructor(m: KindPatchMeta) {
    this.m = m;
  }

  map(l: JsonObject | undefined, r: JsonObject | undefined, path: string): void {
    if (l) {
      for (const k of Object.keys(l)) {
        if (path === "metadata" && k === "managedFields") continue;
        this.value(l[k], r && Object.hasOwn(r, k) ? r[k] : undefined, join(path, k), `f:${k}`);
      }
    }
    if (r) {
      for (const k of Object.keys(r)) {
        if (l && Object.hasOwn(l, k)) continue;
        if (path === "metadata" && k === "managedFields") continue;
        this.value(undefined, r[k], join(path, k), `f:${k}`);
      }
    }
  }

  private mark(set: FieldSet): void {
    insertPath(set, this.keys);
  }

  private value(l: unknown, r: unknown, path: string, key: string): void {
    if (l === r) return;
    this.keys.push(key);
    try {
      const lMap = isObject(l) && !this.m.atomicMaps.has(path);
      const rMap = isObject(r) && !this.m.atomicMaps.has(path);
      if ((lMap || l === undefined) && (rMap || r === undefined)) {
        const lEmpty = !lMap || Object.keys(l as JsonObject).length === 0;
        const rEmpty = !rMap || Object.keys(r as JsonObject).length === 0;
        if (lEmpty && rEmpty) return;
        if (l === undefined && ownedWhenCreated.has(lastSegment(path))) this.mark(this.result.added);
        if (r === undefined) this.mark(this.result.removed);
        this.map(l as JsonObject | undefined, r as JsonObject | undefined, path);
        return;
      }
      // Unchanged lists are common in full-object updates; comparing is much cheaper than keying every item.
      if (Array.isArray(l) && Array.isArray(r) && deepEqual(l, r)) return;
      const lm = associative(this.m, path);
      if (lm && (Array.isArray(l) || l === undefined) && (Array.isArray(r) || r === undefined)) {
        if (
          this.list(
            (l as unknown[]) ?? [],
            (r as unknown[]) ?? [],
            l === undefined,
            r === undefined,
            path,
            lm,
          )
        )
          return;
      }
      if (l === undefined) this.mark(this.result.added);
      else if (r === undefined) this.mark(this.result.removed);
      else if (!deepEqual(l, r)) this.mark(this.result.modified);
    } finally {
      this.keys.pop();
    }
  }

  /** Compares associative lists item by item; false when items cannot be keyed (then the list is atomic). */
  private list(
    l: unknown[],
    r: unknown[],
    lAbsent: boolean,
    rAbsent: boolean,
    path: string,
    lm: ListMeta,
  ): boolean {
    const li = keyItems(l, lm);
    const ri = keyItems(r, lm);
    if (!li || !ri) return false;
    if (l.length === 0 && r.length === 0) return true;
    if (lAbsent && ownedWhenCreated.has(lastSegment(path))) this.mark(this.result.added);
    if (rAbsent) this.mark(this.result.removed);
    const mapItems = lm.listType === "map" && !lm.atomicItems;
    for (const [k, i] of li) {
      const j = ri.get(k);
      this.keys.push(k);
      if (j === undefined) {
        this.mark(this.result.removed);
        if (mapItems) this.map(l[i] as JsonObject, undefined, path);
      } else if (mapItems) {
        this.map(l[i] as JsonObject, r[j] as JsonObject, path);
      } else if (!deepEqual(l[i], r[j])) {
        this.mark(this.result.modified);
      }
      this.keys.pop();
    }
    for (const [k, j] of ri) {
      if (li.has(k)) continue;
      this.keys.push(k);
      this.mark(this.result.added);
      if (mapItems) this.map(undefined, r[j] as JsonObject, path);
      this.keys.pop();
    }
    return true;
  }
}

export function compare(lhs: JsonObject, rhs: JsonObject, m: KindPatchMeta): Comparison {
  const c = new Comparer(m);
  c.map(lhs, rhs, "");
  return c.result;
}

// ---------------------------------------------------------------------------------------------------------
// typed.Merge: the applied configuration wins; maps merge, associative lists merge by key, the rest replaces.

// System metadata a null in an applied manifest (creationTimestamp: null from `kubectl create -o yaml`) must not erase.
const keepOnNull = new Set([
  "name",
  "namespace",
  "uid",
  "resourceVersion",
  "creationTimestamp",
  "generation",
  "selfLink",
]);

export function mergeValue(l: unknown, a: unknown, path: string, m: KindPatchMeta): unknown {
  if (isObject(a)) {
    if (!isObject(l) || m.atomicMaps.has(path)) return a;
    return mergeMap(l, a, path, m);
  }
  if (Array.isArray(a) && Array.isArray(l)) {
    const lm = associative(m, path);
    if (lm) return mergeList(l, a, path, lm, m) ?? a;
  }
  return a;
}

export function mergeMap(l: JsonObject, a: JsonObject, path: string, m: KindPatchMeta): JsonObject {
  const out: JsonObject = { ...l };
  for (const k of Object.keys(a)) {
    const v = a[k];
    if (v === null) {
      if (!(path === "metadata" && keepOnNull.has(k))) delete out[k];
      continue;
    }
    out[k] = Object.hasOwn(l, k) ? mergeValue(l[k], v, join(path, k), m) : v;
  }
  return out;
}

// The merged order follows structured-merge-diff: items keep the applied order, live-only items stay where
// they were relative to the shared ones.
function mergeList(
  l: unknown[],
  a: unknown[],
  path: string,
  lm: ListMeta,
  m: KindPatchMeta,
): unknown[] | undefined {
  const lKeys = l.map((x) => itemKey(x, lm));
  const aKeys = a.map((x) => itemKey(x, lm));
  if (lKeys.includes(undefined) || aKeys.includes(undefined)) return undefined;
  const lIndex = new Map<string, number>();
  lKeys.forEach((k, i) => lIndex.has(k!) || lIndex.set(k!, i));
  const aIndex = new Map<string, number>();
  aKeys.forEach((k, i) => aIndex.has(k!) || aIndex.set(k!, i));
  const shared = [...new Set(aKeys.filter((k) => lIndex.has(k!)))];
  let si = 0;
  let nextShared = shared[0];
  const mergeItem = (li: number | undefined, ai: number): unknown =>
    li === undefined || lm.listType === "set" || lm.atomicItems ? a[ai] : mergeValue(l[li], a[ai], path, m);

  const out: unknown[] = [];
  const done = new Set<string>();
  let li = 0;
  let ri = 0;
  while (li < l.length || ri < a.length) {
    if (li < l.length && ri < a.length) {
      const lk = lKeys[li]!;
      if (lk === aKeys[ri]) {
        if (!done.has(lk)) {
          done.add(lk);
          out.push(mergeItem(li, aIndex.get(lk)!));
        }
        li++;
        ri++;
        nextShared = shared[++si];
        continue;
      }
      if (aIndex.has(lk) && nextShared !== undefined && nextShared !== lk) {
        li++;
        continue;
      }
    }
    if (li < l.length) {
      const lk = lKeys[li]!;
      if (!aIndex.has(lk)) {
        out.push(l[li++]);
        continue;
      }
      if (done.has(lk)) {
        li++;
        continue;
      }
    }
    if (ri < a.length) {
      const rk = aKeys[ri]!;
      if (!done.has(rk)) {
        done.add(rk);
        out.push(mergeItem(lIndex.get(rk), ri));
      }
      ri++;
      if (nextShared === rk) nextShared = shared[++si];
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// Removing fields a manager stopped applying (Updater.prune): members of `remove` go, unless `keep` still
// holds them or something below them; list items keep their key fields while any part of them is kept.

const REMOVE = Symbol("remove");

export function removeFields(
  obj: JsonObject,
  remove: FieldSet,
  keep: FieldSet,
  m: KindPatchMeta,
): JsonObject {
  return pruneMap(obj, remove, keep, "", m, 0, undefined);
}

function pruneMap(
  obj: JsonObject,
  remove: FieldSet,
  keep: FieldSet | undefined,
  path: string,
  m: KindPatchMeta,
  depth: number,
  itemKeys: ReadonlySet<string> | undefined,
): JsonObject {
  let out: JsonObject | undefined;
  for (const [key, rm] of remove.children) {
    if (!key.startsWith("f:")) continue;
    const name = key.slice(2);
    if (!Object.hasOwn(obj, name) || itemKeys?.has(name)) continue;
    const kept = keep?.children.get(key);
    const v = obj[name];
    let nv: unknown;
    if (rm.member && !hasAnyMember(kept)) nv = REMOVE;
    else if (rm.children.size > 0) nv = pruneValue(v, rm, kept, join(path, name), m, depth + 1);
    else continue;
    if (nv === v) continue;
    out ??= { ...obj };
    if (nv === REMOVE) delete out[name];
    else out[name] = nv;
  }
  return out ?? obj;
}

function pruneValue(
  v: unknown,
  remove: FieldSet,
  keep: FieldSet | undefined,
  path: string,
  m: KindPatchMeta,
  depth: number,
): unknown {
  if (isObject(v)) {
    const out = pruneMap(v, remove, keep, path, m, depth, undefined);
    // A map emptied here is dropped, as Go's omitempty would on the way out (top-level structs stay).
    return out !== v && depth > 1 && Object.keys(out).length === 0 ? REMOVE : out;
  }
  const lm = Array.isArray(v) ? associative(m, path) : undefined;
  if (!Array.isArray(v) || !lm) return v;
  const itemKeys = new Set(lm.listMapKeys ?? []);
  const out: unknown[] = [];
  let changed = false;
  for (const item of v) {
    const k = itemKey(item, lm);
    const rm = k === undefined ? undefined : remove.children.get(k);
    if (!rm) {
      out.push(item);
      continue;
    }
    const kept = keep?.children.get(k!);
    if (rm.member && !hasAnyMember(kept)) {
      changed = true;
      continue;
    }
    if (rm.children.size > 0 && isObject(item) && lm.listType === "map") {
      const pruned = pruneMap(item, rm, kept, path, m, depth, itemKeys);
      if (pruned !== item) changed = true;
      out.push(pruned);
    } else out.push(item);
  }
  if (!changed) return v;
  return out.length === 0 ? REMOVE : out;
}
