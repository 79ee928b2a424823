// Server-side apply (application/apply-patch+yaml) and the managedFields bookkeeping of ordinary writes,
// after structured-merge-diff's merge.Updater (Apply / Update) and the apiserver's managedfields chain.
import { StatusError, badRequest } from "../../apimachinery/status-error.ts";
import { parseApiVersion } from "../../api/resources.ts";
import {
  type FieldSet,
  difference,
  emptySet,
  forEachMember,
  intersection,
  isEmpty,
  pathString,
  union,
} from "./field-set.ts";
import { type JsonObject, isObject } from "./json-value.ts";
import {
  type ManagerEntry,
  decodeManagedFields,
  encodeManagedFields,
  managerId,
  stripSystemFields,
} from "./managed-fields.ts";
import { type KindPatchMeta, patchMetaFor } from "./patch-meta.ts";
import { compare, mergeMap, removeFields, toFieldSet } from "./structured-merge.ts";
import { createdFieldsV1 } from "./created-fields.ts";

export interface ApplyOptions {
  /** The fieldManager query parameter. */
  manager: string;
  /** The force query parameter: take conflicting fields instead of failing. */
  force: boolean;
  /** The group/version of the request (and so of the applied object and the managedFields entry). */
  apiVersion: string;
  /** RFC 3339 time for the entry, from the injected clock. */
  now: string;
}

export interface UpdateOptions {
  manager: string;
  apiVersion: string;
  now: string;
  subresource?: string;
  /** Top-level fields the write's strategy resets, so nobody owns them through it (status, on the main resource). */
  ignored?: readonly string[];
}

function metaFor(apiVersion: string, ...objs: Array<JsonObject | undefined>): KindPatchMeta {
  const kind = objs.map((o) => o?.kind).find((k): k is string => typeof k === "string") ?? "";
  return patchMetaFor({ group: parseApiVersion(apiVersion).group, kind });
}

function withManagedFields(obj: JsonObject, managedFields: unknown): JsonObject {
  const metadata: JsonObject = isObject(obj.metadata) ? { ...obj.metadata } : {};
  if (!Array.isArray(managedFields) || managedFields.length === 0) delete metadata.managedFields;
  else metadata.managedFields = managedFields;
  return { ...obj, metadata };
}

function unionOthers(managers: Map<string, ManagerEntry>, except: string): FieldSet {
  let out = emptySet();
  for (const [id, e] of managers) if (id !== except) out = union(out, e.set);
  return out;
}

// printManager in k8s.io/apimachinery/pkg/util/managedfields/internal/conflict.go
function describe(e: ManagerEntry): string {
  let s = JSON.stringify(e.manager);
  if (e.subresource) s += ` with subresource ${JSON.stringify(e.subresource)}`;
  if (e.operation === "Update") s += ` using ${e.apiVersion}`;
  return s;
}

// NewConflictError / getConflictMessage in k8s.io/apimachinery/pkg/util/managedfields/internal/conflict.go
function conflictError(conflicts: Array<{ owner: ManagerEntry; id: string; paths: string[] }>): StatusError {
  conflicts.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const all = conflicts.flatMap((c) => c.paths.map((path) => ({ owner: c.owner, path })));
  const causes = all.map((c) => ({
    reason: "FieldManagerConflict",
    message: `conflict with ${describe(c.owner)}`,
    field: c.path,
  }));
  let message: string;
  if (all.length === 1) {
    message = `Apply failed with 1 conflict: conflict with ${describe(all[0].owner)}: ${all[0].path}`;
  } else {
    const lines: string[] = [];
    for (const c of conflicts) {
      lines.push(`conflicts with ${describe(c.owner)}:`);
      for (const p of c.paths) lines.push(`- ${p}`);
    }
    message = `Apply failed with ${all.length} conflicts: ${lines.join("\n")}`;
  }
  return new StatusError(409, "Conflict", message, { causes });
}

/**
 * Applies a configuration for `manager`: the result is the live object with the applied fields set, the fields
 * this manager applied last time and no longer mentions removed (unless another manager owns them), and
 * metadata.managedFields updated. A field another manager owns with a different value is a 409 Conflict
 * unless `force`, which moves it to this manager.
 */
export function applyServerSideApply(live: object | undefined, applied: object, opts: ApplyOptions): object {
  const cfg = applied as JsonObject;
  const base = (live ?? {}) as JsonObject;
  const cfgMeta = isObject(cfg.metadata) ? cfg.metadata : {};
  // structuredMergeManager.Apply in k8s.io/apimachinery/pkg/util/managedfields/internal
  if (cfgMeta.managedFields !== undefined && cfgMeta.managedFields !== null) {
    throw badRequest("metadata.managedFields must be nil");
  }
  const version = typeof cfg.apiVersion === "string" ? cfg.apiVersion : "";
  if (version !== opts.apiVersion) {
    throw badRequest(
      `Incorrect version specified in apply patch. Specified patch version: ${version}, expected: ${opts.apiVersion}`,
    );
  }
  const m = metaFor(opts.apiVersion, cfg, base);
  const managers = decodeManagedFields(isObject(base.metadata) ? base.metadata.managedFields : undefined);
  const id = managerId({ manager: opts.manager, operation: "Apply", apiVersion: opts.apiVersion });
  const previous = managers.get(id);
  const appliedSet = stripSystemFields(toFieldSet(cfg, m));

  let merged = mergeMap(base, cfg, "", m);
  managers.set(id, {
    manager: opts.manager,
    operation: "Apply",
    apiVersion: opts.apiVersion,
    time: opts.now,
    set: appliedSet,
  });
  if (previous && !isEmpty(previous.set)) {
    const stale = difference(previous.set, appliedSet);
    if (!isEmpty(stale)) merged = removeFields(merged, stale, unionOthers(managers, ""), m);
  }

  const diff = compare(base, merged, m);
  const changed = union(diff.modified, diff.added);
  const conflicts: Array<{ owner: ManagerEntry; id: string; set: FieldSet; paths: string[] }> = [];
  for (const [otherId, e] of managers) {
    if (otherId === id) continue;
    const c = intersection(e.set, changed);
    if (isEmpty(c)) continue;
    const paths: string[] = [];
    forEachMember(c, (keys) => paths.push(pathString(keys)));
    conflicts.push({ owner: e, id: otherId, set: c, paths });
  }
  if (conflicts.length > 0 && !opts.force) throw conflictError(conflicts);
  const taken = new Map(conflicts.map((c) => [c.id, c.set]));
  for (const [otherId, e] of managers) {
    if (otherId === id) continue;
    e.set = difference(difference(e.set, taken.get(otherId)), diff.removed);
    if (isEmpty(e.set)) managers.delete(otherId);
  }
  return withManagedFields(merged, encodeManagedFields(managers.values()));
}

// isResetManagedFields in k8s.io/apimachinery/pkg/util/managedfields/internal/fieldmanager.go
function isReset(mf: unknown): boolean {
  if (!Array.isArray(mf)) return false;
  return mf.length === 0 || (mf.length === 1 && isObject(mf[0]) && Object.keys(mf[0]).length === 0);
}

/**
 * Records the fields a non-apply write (create, update, patch; operation "Update") changed as owned by
 * `manager`, taking them from any other manager, so later applies see who owns what. The cost is one walk
 * over the parts of the two objects that differ by reference plus decoding the existing managedFields.
 */
export function recordUpdateManagedFields(
  old: object | undefined,
  updated: object,
  opts: UpdateOptions,
): object {
  const prev = (old ?? {}) as JsonObject;
  const next = updated as JsonObject;
  const oldMF = isObject(prev.metadata) ? prev.metadata.managedFields : undefined;
  const newMF = isObject(next.metadata) ? next.metadata.managedFields : undefined;

  // decodeLiveOrNew: a subresource write or a request without managedFields keeps the live ones;
  // an explicit [] or [{}] resets them.
  let source: unknown = oldMF;
  let managers: Map<string, ManagerEntry>;
  if (!opts.subresource && isReset(newMF)) {
    source = undefined;
    managers = new Map();
  } else {
    managers = opts.subresource ? new Map() : decodeManagedFields(newMF);
    if (managers.size > 0) source = newMF;
    else managers = decodeManagedFields(oldMF);
  }

  const m = metaFor(opts.apiVersion, next, prev);
  if (old === undefined && managers.size === 0) {
    const fieldsV1 = createdFieldsV1(next, m, opts.ignored);
    if (!fieldsV1) return withManagedFields(next, source);
    const entry: JsonObject = {
      manager: opts.manager,
      operation: "Update",
      apiVersion: opts.apiVersion,
      time: opts.now,
      fieldsType: "FieldsV1",
      fieldsV1,
    };
    if (opts.subresource) entry.subresource = opts.subresource;
    return withManagedFields(next, [entry]);
  }
  const diff = compare(prev, next, m);
  const changed = stripSystemFields(union(diff.modified, diff.added));
  const removed = diff.removed;
  for (const k of opts.ignored ?? []) {
    changed.children.delete(`f:${k}`);
    removed.children.delete(`f:${k}`);
  }
  if (isEmpty(changed) && isEmpty(removed)) {
    return source === newMF ? updated : withManagedFields(next, source);
  }

  for (const [id, e] of managers) {
    e.set = difference(difference(e.set, changed), removed);
    if (isEmpty(e.set)) managers.delete(id);
  }
  if (!isEmpty(changed)) {
    const entry: ManagerEntry = {
      manager: opts.manager,
      operation: "Update",
      apiVersion: opts.apiVersion,
      time: opts.now,
      set: changed,
    };
    if (opts.subresource) entry.subresource = opts.subresource;
    const id = managerId(entry);
    const mine = managers.get(id);
    if (mine) entry.set = union(mine.set, changed);
    managers.set(id, entry);
  }
  return withManagedFields(next, encodeManagedFields(managers.values()));
}
