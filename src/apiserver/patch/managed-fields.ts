// metadata.managedFields in the upstream wire format, after k8s.io/apimachinery/pkg/util/managedfields/internal.
import { type FieldSet, fromFieldsV1, isEmpty, toFieldsV1 } from "./field-set.ts";
import { type JsonObject, isObject } from "./json-value.ts";

export interface ManagerEntry {
  manager: string;
  operation: "Apply" | "Update";
  apiVersion: string;
  time?: string;
  subresource?: string;
  set: FieldSet;
  /** The entry as decoded, re-emitted as is while `set` is still the decoded set. */
  decoded?: { entry: JsonObject; set: FieldSet };
}

/**
 * BuildManagerIdentifier: entries are told apart by manager, operation and subresource, and Update entries
 * also by apiVersion (an applier keeps one entry whatever version it applies with).
 */
export function managerId(
  e: Pick<ManagerEntry, "manager" | "operation" | "apiVersion" | "subresource">,
): string {
  return JSON.stringify([
    e.manager,
    e.operation,
    e.operation === "Update" ? e.apiVersion : "",
    e.subresource ?? "",
  ]);
}

export function decodeManagedFields(v: unknown): Map<string, ManagerEntry> {
  const out = new Map<string, ManagerEntry>();
  if (!Array.isArray(v)) return out;
  for (const raw of v) {
    if (!isObject(raw)) continue;
    const operation = raw.operation;
    if (operation !== "Apply" && operation !== "Update") continue;
    if (raw.fieldsType !== undefined && raw.fieldsType !== "FieldsV1") continue;
    const e: ManagerEntry = {
      manager: typeof raw.manager === "string" ? raw.manager : "",
      operation,
      apiVersion: typeof raw.apiVersion === "string" ? raw.apiVersion : "",
      set: fromFieldsV1(raw.fieldsV1),
    };
    if (typeof raw.time === "string") e.time = raw.time;
    if (typeof raw.subresource === "string" && raw.subresource) e.subresource = raw.subresource;
    e.decoded = { entry: raw, set: e.set };
    out.set(managerId(e), e);
  }
  return out;
}

// sortEncodedManagedFields: Apply before Update, then oldest first, then by manager, version, subresource.
function compareEntries(p: ManagerEntry, q: ManagerEntry): number {
  if (p.operation !== q.operation) return p.operation < q.operation ? -1 : 1;
  const pt = p.time ? Math.floor(Date.parse(p.time) / 1000) : 0;
  const qt = q.time ? Math.floor(Date.parse(q.time) / 1000) : 0;
  if (pt !== qt) return pt - qt;
  for (const k of ["manager", "apiVersion", "subresource"] as const) {
    const a = p[k] ?? "";
    const b = q[k] ?? "";
    if (a !== b) return a < b ? -1 : 1;
  }
  return 0;
}

export function encodeManagedFields(entries: Iterable<ManagerEntry>): JsonObject[] {
  const kept = [...entries].filter((e) => !isEmpty(e.set)).sort(compareEntries);
  return kept.map((e) => {
    if (e.decoded?.set === e.set) return e.decoded.entry;
    const out: JsonObject = { manager: e.manager, operation: e.operation, apiVersion: e.apiVersion };
    if (e.time) out.time = e.time;
    out.fieldsType = "FieldsV1";
    out.fieldsV1 = toFieldsV1(e.set);
    if (e.subresource) out.subresource = e.subresource;
    return out;
  });
}

// stripMetaManager: fields the server sets itself are never owned by anyone.
const strippedMetadata = [
  "name",
  "namespace",
  "creationTimestamp",
  "selfLink",
  "uid",
  "clusterName",
  "generation",
  "managedFields",
  "resourceVersion",
];

/** Removes type and system metadata fields from a set, in place. */
export function stripSystemFields(s: FieldSet): FieldSet {
  for (const k of ["f:apiVersion", "f:kind"]) {
    const c = s.children.get(k);
    if (c) {
      c.member = false;
      if (isEmpty(c)) s.children.delete(k);
    }
  }
  const meta = s.children.get("f:metadata");
  if (meta) {
    meta.member = false;
    for (const name of strippedMetadata) {
      const c = meta.children.get(`f:${name}`);
      if (!c) continue;
      c.member = false;
      if (isEmpty(c)) meta.children.delete(`f:${name}`);
    }
    if (isEmpty(meta)) s.children.delete("f:metadata");
  }
  return s;
}
