// The fieldsV1 a create owns: what typed.Compare adds going from nothing to the new object, minus the
// system fields, written straight into sorted fieldsV1 JSON. Every create takes this path, so it avoids
// building a FieldSet tree only to encode it again (which cost a fifth of the create throughput).
import { type JsonObject, isObject } from "./json-value.ts";
import type { KindPatchMeta, ListMeta } from "./patch-meta.ts";
import { itemKey, ownedWhenCreated } from "./structured-merge.ts";

const strippedMetadata = new Set([
  "name",
  "namespace",
  "creationTimestamp",
  "selfLink",
  "uid",
  "clusterName",
  "generation",
  "managedFields",
  "resourceVersion",
]);

// The kind's list and atomic-map markers as a tree of field names, so the walk never builds path strings.
interface MetaNode {
  children?: Map<string, MetaNode>;
  list?: ListMeta;
  atomic?: boolean;
}

const tries = new WeakMap<KindPatchMeta, MetaNode>();

function trieOf(m: KindPatchMeta): MetaNode {
  let root = tries.get(m);
  if (root) return root;
  root = {};
  const at = (path: string): MetaNode => {
    let n = root!;
    for (const seg of path.split(".")) {
      n.children ??= new Map();
      let c = n.children.get(seg);
      if (!c) n.children.set(seg, (c = {}));
      n = c;
    }
    return n;
  };
  for (const [path, lm] of m.lists) if (lm.listType !== "atomic") at(path).list = lm;
  for (const path of m.atomicMaps) at(path).atomic = true;
  tries.set(m, root);
  return root;
}

// FieldsV1 keys sort as structured-merge-diff's path elements: field names, keys, values, indexes.
const ranks: Readonly<Record<string, number>> = { f: 0, k: 1, v: 2, i: 3 };
function compareKeys(a: string, b: string): number {
  const r = (ranks[a[0]!] ?? 4) - (ranks[b[0]!] ?? 4);
  if (r !== 0) return r;
  return a < b ? -1 : a > b ? 1 : 0;
}

type Owned = Array<[string, JsonObject]>;

// Every owned leaf is the same empty object: a create owns dozens, and nothing writes into fieldsV1 values.
const LEAF: JsonObject = Object.freeze({}) as JsonObject;

/** Sorted, with "." first when the node is itself a member; undefined when nothing is owned. */
function node(member: boolean, children: Owned): JsonObject | undefined {
  if (children.length === 0) return member ? LEAF : undefined;
  if (children.length > 1) {
    let sorted = true;
    for (let i = 1; i < children.length && sorted; i++)
      sorted = compareKeys(children[i - 1]![0], children[i]![0]) < 0;
    if (!sorted) children.sort(([a], [b]) => compareKeys(a, b));
  }
  const out: JsonObject = member ? { ".": LEAF } : {};
  for (const [k, v] of children) out[k] = v;
  return out;
}

function listValue(v: unknown[], name: string, meta: MetaNode, lm: ListMeta): JsonObject | undefined {
  if (v.length === 0) return undefined;
  const mapItems = lm.listType === "map" && !lm.atomicItems;
  const items: Owned = [];
  let seen: Set<string> | undefined;
  for (const item of v) {
    const k = keyOf(item, lm);
    if (k === undefined) return LEAF; // an item without its keys makes the list atomic
    if (v.length > 1) {
      // A duplicated key is one item to Compare: the first one it indexed.
      seen ??= new Set();
      if (seen.has(k)) continue;
      seen.add(k);
    }
    items.push([k, node(true, mapItems ? mapFields(item as JsonObject, meta) : [])!]);
  }
  return node(ownedWhenCreated.has(name), items);
}

// itemKey without the intermediate object for the common one-key lists (containers, env, volumes).
function keyOf(item: unknown, lm: ListMeta): string | undefined {
  const keys = lm.listMapKeys;
  if (lm.listType !== "map" || keys?.length !== 1 || !isObject(item)) return itemKey(item, lm);
  const k = keys[0]!;
  const v = Object.hasOwn(item, k) ? item[k] : lm.keyDefaults?.[k];
  if (v === undefined) return "k:{}";
  if (typeof v !== "string") return `k:{${JSON.stringify(k)}:${JSON.stringify(v)}}`;
  let byValue = itemKeys.get(k);
  if (!byValue) itemKeys.set(k, (byValue = new Map()));
  let key = byValue.get(v);
  if (key === undefined) {
    key = `k:{${JSON.stringify(k)}:${JSON.stringify(v)}}`;
    if (byValue.size < 10_000) byValue.set(v, key);
  }
  return key;
}

// Item keys of one-key lists by key field and value (container and env names repeat across objects).
const itemKeys = new Map<string, Map<string, string>>();

// "f:" keys by field name: property names from parsed JSON are interned already, so a lookup is cheaper
// than building and interning the prefixed key again for every field of every create.
const fieldKeys = new Map<string, string>();
function fieldKey(name: string): string {
  let k = fieldKeys.get(name);
  if (k === undefined) {
    k = `f:${name}`;
    if (fieldKeys.size < 10_000) fieldKeys.set(name, k);
  }
  return k;
}

function mapFields(obj: JsonObject, meta: MetaNode | undefined, skip?: ReadonlySet<string>): Owned {
  const out: Owned = [];
  for (const k in obj) {
    if (skip?.has(k)) continue;
    const v = value(obj[k], k, meta?.children?.get(k));
    if (v !== undefined) out.push([fieldKey(k), v]);
  }
  return out;
}

function value(v: unknown, name: string, meta: MetaNode | undefined): JsonObject | undefined {
  if (v === undefined) return undefined;
  if (isObject(v) && !meta?.atomic) {
    let any = false;
    for (const _ in v) {
      any = true;
      break;
    }
    if (!any) return undefined;
    return node(ownedWhenCreated.has(name), mapFields(v, meta));
  }
  const lm = meta?.list;
  if (lm && Array.isArray(v)) return listValue(v, name, meta!, lm);
  return LEAF;
}

/**
 * The fieldsV1 of the Update entry a create records, or undefined when it owns nothing. `ignored` top-level
 * fields are the strategy's reset fields (status, for kinds with a status subresource).
 */
export function createdFieldsV1(
  obj: JsonObject,
  m: KindPatchMeta,
  ignored: readonly string[] = [],
): JsonObject | undefined {
  const trie = trieOf(m);
  const top: Owned = [];
  for (const k in obj) {
    if (k === "apiVersion" || k === "kind" || ignored.includes(k)) continue;
    const v = obj[k];
    const meta = trie.children?.get(k);
    if (k === "metadata" && isObject(v)) {
      const owned = node(false, mapFields(v, meta, strippedMetadata));
      if (owned) top.push(["f:metadata", owned]);
      continue;
    }
    const got = value(v, k, meta);
    if (got !== undefined) top.push([`f:${k}`, got]);
  }
  return node(false, top);
}
