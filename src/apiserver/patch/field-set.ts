// A set of field paths as structured-merge-diff's fieldpath.Set, kept as a tree whose edges are the
// FieldsV1 keys ("f:name", "k:{...}", "v:<json>"). A node is a member when the path itself is in the set.
import { type JsonObject, isObject } from "./json-value.ts";

export interface FieldSet {
  member: boolean;
  children: Map<string, FieldSet>;
}

export const emptySet = (): FieldSet => ({ member: false, children: new Map() });

export function childOf(s: FieldSet, key: string): FieldSet {
  let c = s.children.get(key);
  if (!c) s.children.set(key, (c = emptySet()));
  return c;
}

export function insertPath(s: FieldSet, keys: readonly string[]): void {
  let n = s;
  for (const k of keys) n = childOf(n, k);
  n.member = true;
}

export function isEmpty(s: FieldSet | undefined): boolean {
  if (!s) return true;
  if (s.member) return false;
  // Every key of a fieldsV1 object other than "." holds at least one member.
  if (s instanceof DecodedSet && s.pristine) {
    for (const k in s.raw) if (k !== ".") return false;
    return true;
  }
  for (const c of s.children.values()) if (!isEmpty(c)) return false;
  return true;
}

/** True when the node or anything below it is a member. */
export const hasAnyMember = (s: FieldSet | undefined): boolean => !isEmpty(s);

export function union(a: FieldSet, b: FieldSet): FieldSet {
  const out: FieldSet = { member: a.member || b.member, children: new Map() };
  for (const [k, c] of a.children) {
    const o = b.children.get(k);
    out.children.set(k, o ? union(c, o) : c);
  }
  for (const [k, c] of b.children) if (!a.children.has(k)) out.children.set(k, c);
  return out;
}

/** Members of a that are not members of b; returns a itself when nothing is removed. */
export function difference(a: FieldSet, b: FieldSet | undefined): FieldSet {
  if (!b || (!b.member && b.children.size === 0)) return a;
  const member = a.member && !b.member;
  let children: Map<string, FieldSet> | undefined;
  for (const [k, c] of a.children) {
    const o = b.children.get(k);
    if (!o) continue;
    const d = difference(c, o);
    if (d === c) continue;
    children ??= new Map(a.children);
    if (isEmpty(d)) children.delete(k);
    else children.set(k, d);
  }
  if (!children && member === a.member) return a;
  return { member, children: children ?? a.children };
}

export function intersection(a: FieldSet, b: FieldSet): FieldSet {
  const out: FieldSet = { member: a.member && b.member, children: new Map() };
  for (const [k, c] of a.children) {
    const o = b.children.get(k);
    if (!o) continue;
    const i = intersection(c, o);
    if (!isEmpty(i)) out.children.set(k, i);
  }
  return out;
}

// Path elements sort as in structured-merge-diff: field names, then keys, then values, then indexes.
const ranks: Readonly<Record<string, number>> = { f: 0, k: 1, v: 2, i: 3 };
const rank = (k: string): number => ranks[k[0]] ?? 4;

function compareKeys(a: string, b: string): number {
  const r = rank(a) - rank(b);
  if (r !== 0) return r;
  return a < b ? -1 : a > b ? 1 : 0;
}

function sortedChildren(s: FieldSet): Array<[string, FieldSet]> {
  const entries = [...s.children];
  if (entries.length > 1) entries.sort(([a], [b]) => compareKeys(a, b));
  return entries;
}

// A set decoded from fieldsV1 that builds its children only when someone looks at them, so a write touching
// a few fields does not decode every manager's whole set, and untouched subtrees re-encode as they came.
class DecodedSet implements FieldSet {
  member: boolean;
  readonly raw: JsonObject;
  #children: Map<string, FieldSet> | undefined;

  constructor(raw: JsonObject, member: boolean) {
    this.raw = raw;
    this.member = member;
  }

  get children(): Map<string, FieldSet> {
    if (!this.#children) {
      this.#children = new Map();
      for (const [k, c] of Object.entries(this.raw)) {
        if (k === "." || !isObject(c)) continue;
        this.#children.set(k, new DecodedSet(c, Object.hasOwn(c, ".") || isEmptyObject(c)));
      }
    }
    return this.#children;
  }

  /** True while the children were never built (and so never changed). */
  get pristine(): boolean {
    return this.#children === undefined;
  }
}

function isEmptyObject(o: JsonObject): boolean {
  for (const _ in o) return false;
  return true;
}

/** Decodes a managedFields entry's fieldsV1 object. */
export function fromFieldsV1(v: unknown): FieldSet {
  return new DecodedSet(isObject(v) ? v : {}, false);
}

/** Encodes the set as a fieldsV1 object: "." marks a member that also has members below it. */
export function toFieldsV1(s: FieldSet): JsonObject {
  return encode(s) ?? {};
}

function encode(s: FieldSet): JsonObject | undefined {
  if (s instanceof DecodedSet && s.pristine) {
    const hasDot = Object.hasOwn(s.raw, ".");
    const hasChildren = Object.keys(s.raw).length > (hasDot ? 1 : 0);
    if (!hasChildren) return s.member ? {} : undefined;
    if (s.member === hasDot) return s.raw;
    if (s.member) return { ".": {}, ...s.raw };
    const { ".": _dot, ...rest } = s.raw;
    return rest;
  }
  const out: JsonObject = {};
  let any = false;
  for (const [k, c] of sortedChildren(s)) {
    const e = encode(c);
    if (e === undefined) continue;
    out[k] = e;
    any = true;
  }
  if (!any) return s.member ? out : undefined;
  return s.member ? { ".": {}, ...out } : out;
}

/** Visits every member path in sorted order. */
export function forEachMember(
  s: FieldSet,
  fn: (keys: readonly string[]) => void,
  prefix: string[] = [],
): void {
  if (s.member && prefix.length > 0) fn(prefix);
  for (const [k, c] of sortedChildren(s)) {
    prefix.push(k);
    forEachMember(c, fn, prefix);
    prefix.pop();
  }
}

/** fieldpath.Path.String(): `.spec.containers[name="x"].image`, `.metadata.finalizers[="a"]`. */
export function pathString(keys: readonly string[]): string {
  let out = "";
  for (const k of keys) {
    const rest = k.slice(2);
    if (k.startsWith("f:")) out += `.${rest}`;
    else if (k.startsWith("v:")) out += `[=${rest}]`;
    else if (k.startsWith("i:")) out += `[${rest}]`;
    else if (k.startsWith("k:")) {
      let fields: JsonObject = {};
      try {
        const parsed: unknown = JSON.parse(rest);
        if (isObject(parsed)) fields = parsed;
      } catch {
        // an undecodable key prints as no fields
      }
      out += `[${Object.entries(fields)
        .map(([n, v]) => `${n}=${JSON.stringify(v)}`)
        .join(",")}]`;
    } else out += `.${k}`;
  }
  return out;
}
