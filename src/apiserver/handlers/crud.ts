import { parse as parseYaml } from "yaml";
import type { KObject } from "../../apimachinery/meta.ts";
import {
  badRequest,
  forbidden,
  notFound,
  StatusError,
  unsupportedMediaType,
} from "../../apimachinery/status-error.ts";
import {
  applyJsonPatch,
  applyMergePatch,
  applyServerSideApply,
  applyStrategicMergePatch,
} from "../patch/index.ts";
import { apiVersionOf } from "../../api/resources.ts";
import { applyDefaults } from "../../api/defaults/index.ts";
import { toStorageVersion } from "../../api/conversion/index.ts";
import type { DeleteOptions, GenericStore } from "../registry/generic-store.ts";
import { storedTextOf } from "../registry/generic-store.ts";
import type { Registry } from "../registry/registry.ts";
import { rfc3339 } from "../../util/clock.ts";
import {
  bodyTarget,
  checkFieldValidation,
  parseBody,
  requestContentType,
  toStorageObject,
} from "./decode.ts";
import {
  renderList,
  renderObject,
  successStatus,
  versioned,
  wantsStoredForm,
  writeJson,
  writeText,
} from "./encode.ts";
import type { RequestScope, ResponseSink } from "./scope.ts";
import { selectionFilter } from "./selection.ts";
import { queryFlag } from "../../util/go-bool.ts";

const protectedNamespaces = new Set(["default", "kube-system", "kube-public"]);

export interface CrudDeps {
  registry: Registry;
  /** Called before a create is stored, after validation (admission plugins). */
  admitCreate(scope: RequestScope, obj: KObject): Promise<void>;
  /** Called for main-resource and status updates before validation (mutating admission). */
  admitUpdate?(scope: RequestScope, obj: KObject, old: KObject): Promise<void>;
  /** Called for a scale subresource write with the new and old Scale objects. */
  admitScale?(scope: RequestScope, scale: KObject, old: KObject): Promise<void>;
  /** Called before a delete with a way to read the object (admission webhooks for DELETE). */
  admitDelete?(scope: RequestScope, load: () => Promise<KObject | undefined>): Promise<void>;
  /** An admitted object was not stored, or was deleted: give back what admission reserved for it. */
  released?(scope: RequestScope, obj: KObject): void;
}

function respond(res: ResponseSink, scope: RequestScope, code: number, obj: KObject): void {
  const out = scope.output;
  const stored = wantsStoredForm(scope) ? storedTextOf(obj) : undefined;
  if (stored !== undefined) return writeText(res, code, stored, scope);
  writeJson(res, code, renderObject(scope, obj), scope, out.kind === "object" && out.yaml);
}

export async function handleGet(deps: CrudDeps, scope: RequestScope, res: ResponseSink): Promise<void> {
  const store = deps.registry.for(scope.info);
  if (wantsStoredForm(scope)) {
    // Plain JSON in the storage version: the stored text is the answer, no decode or re-encode.
    const found = await store.getText(scope.req.namespace, scope.req.name);
    if (typeof found === "string") return writeText(res, 200, found, scope);
    return respond(res, scope, 200, found);
  }
  const obj = await store.get(scope.req.namespace, scope.req.name);
  respond(res, scope, 200, obj);
}

export async function handleList(deps: CrudDeps, scope: RequestScope, res: ResponseSink): Promise<void> {
  const store = deps.registry.for(scope.info);
  const q = scope.query;
  const limit = Number(q.get("limit") ?? "0") || 0;
  const rv = q.get("resourceVersion") ?? "";
  const match = q.get("resourceVersionMatch") ?? "";
  let revision: number | undefined;
  if (match === "Exact") {
    if (!rv || rv === "0")
      throw badRequest(
        'resourceVersionMatch: Forbidden: resourceVersionMatch "exact" is forbidden for resourceVersion "0"',
      );
    revision = Number(rv);
  } else if (match && match !== "NotOlderThan") {
    throw badRequest(
      `resourceVersionMatch: Unsupported value: "${match}": supported values: "Exact", "NotOlderThan", ""`,
    );
  }
  if (rv && !/^\d+$/.test(rv))
    throw badRequest(`resourceVersion: Invalid value: "${rv}": must be a non-negative integer`);
  const result = await store.list(scope.req.namespace, {
    limit,
    continueToken: q.get("continue") ?? undefined,
    revision,
    filter: selectionFilter(scope),
  });
  const out = scope.output;
  const body = renderList(scope, result.items, {
    resourceVersion: result.resourceVersion,
    continue: result.continueToken,
    remainingItemCount: result.remainingItemCount,
  });
  writeJson(res, 200, body, scope, out.kind === "object" && out.yaml);
}

export async function handleCreate(deps: CrudDeps, scope: RequestScope, res: ResponseSink): Promise<void> {
  const raw = parseBody(requestContentType(scope), scope.body, bodyTarget(scope));
  const obj = toStorageObject(scope, raw);
  const ns = scope.req.namespace;
  const meta = (obj.metadata ??= {});
  if (scope.info.namespaced && meta.namespace && meta.namespace !== ns) {
    throw badRequest("the namespace of the provided object does not match the namespace sent on the request");
  }
  if (!meta.name && !meta.generateName) {
    // Validation reports this with upstream's wording; run it before admission looks at the name.
    await deps.registry.for(scope.info).create(ns, obj, { ...scope.ctx, dryRun: true });
  }
  const recorded = deps.registry.for(scope.info).recordCreate(obj, scope.ctx);
  await deps.admitCreate(scope, recorded);
  let created: KObject;
  try {
    created = await deps.registry.for(scope.info).create(ns, recorded, scope.ctx);
  } catch (e) {
    deps.released?.(scope, recorded);
    throw e;
  }
  if (scope.ctx.dryRun) deps.released?.(scope, recorded);
  respond(res, scope, 201, created);
}

export async function handleUpdate(deps: CrudDeps, scope: RequestScope, res: ResponseSink): Promise<void> {
  const raw = parseBody(requestContentType(scope), scope.body, bodyTarget(scope));
  const sub = scope.req.subresource;
  const incoming = toStorageObject(scope, raw);
  const store = deps.registry.for(scope.info);
  const { object, created } = await store.guaranteedUpdate(
    scope.req.namespace,
    scope.req.name,
    scope.ctx,
    async (current) => {
      if (!current) await deps.admitCreate(scope, incoming);
      if (current && (!sub || sub === "status")) {
        const next = structuredClone(incoming);
        await deps.admitUpdate?.(scope, next, current);
        return next;
      }
      if (sub === "finalize" && current) {
        // namespaces/finalize changes only spec.finalizers.
        return {
          ...current,
          spec: { ...(current.spec as object), finalizers: (incoming.spec as any)?.finalizers ?? [] },
        };
      }
      return structuredClone(incoming);
    },
    { subresource: sub === "status" ? "status" : undefined, pinned: !!incoming.metadata?.resourceVersion },
  );
  respond(res, scope, created ? 201 : 200, object);
}

type PatchType = "json" | "merge" | "strategic" | "apply";

// The patch types upstream lists in its 415 for a patch of any other type.
const PATCH_TYPES = [
  "application/json-patch+json",
  "application/merge-patch+json",
  "application/strategic-merge-patch+json",
  "application/apply-patch+yaml",
];

function patchTypeOf(contentType: string): PatchType {
  switch (contentType) {
    case "application/json-patch+json":
      return "json";
    case "application/merge-patch+json":
      return "merge";
    case "application/strategic-merge-patch+json":
      return "strategic";
    case "application/apply-patch+yaml":
      return "apply";
    default:
      throw unsupportedMediaType(PATCH_TYPES);
  }
}

export async function handlePatch(deps: CrudDeps, scope: RequestScope, res: ResponseSink): Promise<void> {
  const contentType = requestContentType(scope);
  const type = patchTypeOf(contentType);
  const patch = type === "apply" ? parseApplyBody(scope.body) : parseBody(contentType, scope.body);
  const store = deps.registry.for(scope.info);
  const sub = scope.req.subresource;
  const force = queryFlag(scope.query, "force");
  const manager = scope.query.get("fieldManager") ?? "";
  if (type === "apply") {
    if (!manager) throw badRequest("PATCH, application/apply-patch+yaml requires fieldManager parameter");
    if (typeof patch !== "object" || patch === null || Array.isArray(patch)) {
      throw badRequest("error decoding YAML: the object provided is unrecognized");
    }
    checkFieldValidation(scope, patch as KObject, scope.info.kind);
    scope.ctx.applied = true;
  } else if (scope.query.has("force")) {
    throw badRequest("force: Invalid value: true: may not be specified for non-apply patch");
  }
  const requestVersion = apiVersionOf(scope.served.group, scope.served.version);
  const pinned = type !== "json" && typeof (patch as any)?.metadata?.resourceVersion === "string";
  const { object, created } = await store.guaranteedUpdate(
    scope.req.namespace,
    scope.req.name,
    scope.ctx,
    async (current) => {
      if (!current && type !== "apply")
        throw notFound({ group: scope.info.group, resource: scope.info.resource }, scope.req.name);
      const base = current ? versioned(scope, current) : undefined;
      let patched: unknown;
      switch (type) {
        case "json":
          patched = applyJsonPatch(base, patch);
          break;
        case "merge":
          patched = applyMergePatch(base, patch);
          break;
        case "strategic":
          patched = applyStrategicMergePatch(base, patch, { group: scope.info.group, kind: scope.info.kind });
          break;
        case "apply":
          patched = applyServerSideApply(base, patch as object, {
            manager,
            force,
            apiVersion: requestVersion,
            now: rfc3339(scope.ctx.now),
          });
          break;
      }
      const obj = patched as KObject;
      if (typeof obj !== "object" || obj === null || Array.isArray(obj))
        throw badRequest("the patched object is not a JSON object");
      if (obj.apiVersion !== requestVersion || obj.kind !== scope.info.kind) {
        throw badRequest(
          `the patch changed apiVersion or kind (to ${String(obj.apiVersion)}, ${String(obj.kind)})`,
        );
      }
      const stored = toStorageVersion(scope.info, scope.served.group, scope.served.version, obj);
      applyDefaults(scope.info.group, scope.info.kind, stored);
      if (!current) await deps.admitCreate(scope, stored);
      else if (!sub || sub === "status") await deps.admitUpdate?.(scope, stored, current);
      return stored;
    },
    { subresource: sub === "status" ? "status" : undefined, createIfMissing: type === "apply", pinned },
  );
  respond(res, scope, created ? 201 : 200, object);
}

function parseApplyBody(body: Buffer | undefined): unknown {
  try {
    return parseYaml((body ?? Buffer.alloc(0)).toString("utf8"), { strict: true, uniqueKeys: true });
  } catch (e) {
    throw badRequest(`error decoding YAML: ${(e as Error).message.split("\n")[0]}`);
  }
}

export function parseDeleteOptions(scope: RequestScope): DeleteOptions {
  let opts: DeleteOptions = {};
  if (scope.body && scope.body.length) {
    const raw = parseBody(requestContentType(scope), scope.body);
    if (typeof raw !== "object" || raw === null || Array.isArray(raw))
      throw badRequest("the body of a delete must be DeleteOptions");
    opts = raw as DeleteOptions;
  }
  const q = scope.query;
  if (q.has("gracePeriodSeconds")) opts.gracePeriodSeconds = Number(q.get("gracePeriodSeconds"));
  if (q.has("propagationPolicy"))
    opts.propagationPolicy = q.get("propagationPolicy") as DeleteOptions["propagationPolicy"];
  if (q.has("orphanDependents")) opts.orphanDependents = queryFlag(q, "orphanDependents");
  const p = opts.propagationPolicy;
  if (p !== undefined && p !== "Orphan" && p !== "Background" && p !== "Foreground") {
    throw new StatusError(
      422,
      "Invalid",
      `DeleteOptions.meta.k8s.io "" is invalid: propagationPolicy: Unsupported value: "${String(p)}": supported values: "Foreground", "Background", "Orphan", "nil"`,
    );
  }
  if (
    opts.gracePeriodSeconds !== undefined &&
    (!Number.isInteger(opts.gracePeriodSeconds) || opts.gracePeriodSeconds < 0)
  ) {
    if (opts.gracePeriodSeconds !== undefined && opts.gracePeriodSeconds < 0) opts.gracePeriodSeconds = 1;
    else throw badRequest("gracePeriodSeconds must be an integer");
  }
  if (p && opts.orphanDependents !== undefined) {
    throw new StatusError(
      422,
      "Invalid",
      `DeleteOptions.meta.k8s.io "" is invalid: propagationPolicy: Invalid value: "${p}": orphanDependents and deletionPropagation cannot be both set`,
    );
  }
  return opts;
}

async function deleteOne(store: GenericStore, scope: RequestScope, name: string, opts: DeleteOptions) {
  if (scope.info.resource === "namespaces" && scope.info.group === "" && protectedNamespaces.has(name)) {
    throw forbidden(`namespaces "${name}" is forbidden: this namespace may not be deleted`);
  }
  return store.delete(scope.req.namespace, name, opts, scope.ctx);
}

export async function handleDelete(deps: CrudDeps, scope: RequestScope, res: ResponseSink): Promise<void> {
  const store = deps.registry.for(scope.info);
  const opts = parseDeleteOptions(scope);
  await deps.admitDelete?.(scope, () => store.tryGet(scope.req.namespace, scope.req.name));
  const { object, deleted } = await deleteOne(store, scope, scope.req.name, opts);
  if (deleted && !scope.ctx.dryRun) deps.released?.(scope, object);
  if (!deleted) {
    respond(res, scope, 200, object);
    return;
  }
  if (store.strategy.returnDeletedObject) {
    respond(res, scope, 200, object);
    return;
  }
  writeJson(
    res,
    200,
    successStatus({
      name: object.metadata?.name,
      group: scope.info.group || undefined,
      kind: scope.info.resource,
      uid: object.metadata?.uid,
    }),
    scope,
  );
}

export async function handleDeleteCollection(
  deps: CrudDeps,
  scope: RequestScope,
  res: ResponseSink,
): Promise<void> {
  const store = deps.registry.for(scope.info);
  const opts = parseDeleteOptions(scope);
  const listed = await store.list(scope.req.namespace, { filter: selectionFilter(scope) });
  const done: KObject[] = [];
  for (const item of listed.items) {
    await deps.admitDelete?.(scope, () => Promise.resolve(item));
    try {
      const r = await store.delete(item.metadata!.namespace ?? "", item.metadata!.name!, opts, scope.ctx);
      if (r.deleted && !scope.ctx.dryRun) deps.released?.(scope, r.object);
      done.push(r.object);
    } catch (e) {
      // Objects deleted by someone else meanwhile are simply gone.
      if (!(e instanceof StatusError && e.code === 404)) throw e;
    }
  }
  writeJson(
    res,
    200,
    renderList({ ...scope, output: { kind: "object", yaml: false } }, done, {
      resourceVersion: listed.resourceVersion,
    }),
    scope,
  );
}
