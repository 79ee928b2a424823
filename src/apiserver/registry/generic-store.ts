import { apiVersionOf, type ResourceInfo } from "../../api/resources.ts";
import { generateName, type KObject, metaOf, newUid } from "../../apimachinery/meta.ts";
import {
  alreadyExists,
  badRequest,
  conflict,
  expired,
  internal,
  invalid,
  notFound,
  OPTIMISTIC_LOCK_MESSAGE,
  StatusError,
} from "../../apimachinery/status-error.ts";
import type { FieldError } from "../../apimachinery/field-error.ts";
import { rfc3339 } from "../../util/clock.ts";
import { recordUpdateManagedFields } from "../patch/index.ts";
import { dropEmptyFields } from "../openapi/index.ts";
import { StorageError, type KeyValue, type Store } from "../../storage/types.ts";
import type { RequestContext, Strategy } from "./strategy.ts";
import type { WrittenObjects } from "../watch/written-objects.ts";

export interface DeleteOptions {
  gracePeriodSeconds?: number;
  propagationPolicy?: "Orphan" | "Background" | "Foreground";
  orphanDependents?: boolean;
  preconditions?: { uid?: string; resourceVersion?: string };
  dryRun?: string[];
}

export interface ListOptions {
  limit?: number;
  continueToken?: string;
  /** Exact revision to list at (resourceVersionMatch=Exact). */
  revision?: number;
  filter?: (obj: KObject) => boolean;
}

export interface ListResult {
  items: KObject[];
  resourceVersion: string;
  continueToken?: string;
  remainingItemCount?: number;
}

export interface DeleteResult {
  /** The object, still present (graceful or finalizers pending) or just removed. */
  object: KObject;
  /** True when the object is gone from storage. */
  deleted: boolean;
}

const MAX_UPDATE_RETRIES = 16;

/** Decodes a stored value, stamping its revision as resourceVersion (the store never holds it). */
export function decode(kv: KeyValue): KObject {
  const obj = JSON.parse(kv.value) as KObject;
  metaOf(obj).resourceVersion = String(kv.modRevision);
  return obj;
}

/**
 * The stored form: apiVersion, kind and metadata always lead, without resourceVersion, so that
 * readers can splice the version into the stored text instead of re-encoding (see withVersion).
 */
function encode(obj: KObject): string {
  const { apiVersion, kind, metadata, ...rest } = obj;
  const { resourceVersion: _rv, ...meta } = metadata!;
  return JSON.stringify({ apiVersion, kind, metadata: meta, ...rest });
}

const storedHead = /^\{"apiVersion":"[^"\\]*","kind":"[^"\\]*","metadata":\{/;

/**
 * A stored value as JSON text with its resourceVersion in metadata, without parsing it; undefined
 * when the value is not in the stored layout (then callers decode it).
 */
export function withVersion(kv: KeyValue): string | undefined {
  const m = storedHead.exec(kv.value);
  if (!m) return undefined;
  const at = m[0].length;
  const empty = kv.value.charCodeAt(at) === 125; // "}": metadata is empty
  return `${kv.value.slice(0, at)}"resourceVersion":"${kv.modRevision}"${empty ? "" : ","}${kv.value.slice(at)}`;
}

// The stored text (with its version) of objects a write just returned, so that a response in the storage
// version is that text rather than a second JSON.stringify of the object.
const storedTexts = new WeakMap<KObject, string>();

/** The JSON text of an object a create or update returned, when it is exactly what was stored. */
export function storedTextOf(obj: KObject): string | undefined {
  return storedTexts.get(obj);
}

function rememberText(obj: KObject, kv: KeyValue): void {
  const text = withVersion(kv);
  if (text !== undefined) storedTexts.set(obj, text);
}

function specOf(obj: KObject): string {
  const { metadata: _m, status: _s, apiVersion: _a, kind: _k, ...rest } = obj;
  return JSON.stringify(rest);
}

/** One resource in its storage version: upstream's generic registry Store (registry/generic/registry/store.go). */
export class GenericStore {
  readonly info: ResourceInfo;
  readonly strategy: Strategy;
  private readonly store: Store;
  private readonly written?: WrittenObjects;
  private readonly qr: { group: string; resource: string };
  private readonly apiVersion: string;

  constructor(info: ResourceInfo, strategy: Strategy, store: Store, written?: WrittenObjects) {
    this.info = info;
    this.strategy = strategy;
    this.store = store;
    this.written = written;
    this.qr = { group: info.group, resource: info.resource };
    this.apiVersion = apiVersionOf(info.group, info.storageVersion);
  }

  /**
   * Writes text with obj offered to the watch cache meanwhile. From the write on, obj is shared
   * with watchers: the registry only sets its resourceVersion (the watch cache sets the same).
   */
  private async writing<T>(text: string, obj: KObject, write: () => Promise<T>): Promise<T> {
    this.written?.remember(text, obj);
    try {
      return await write();
    } finally {
      this.written?.forget(text);
    }
  }

  prefix(namespace: string): string {
    const base = `/registry/${this.info.storagePrefix}/`;
    return this.info.namespaced && namespace ? `${base}${namespace}/` : base;
  }

  key(namespace: string, name: string): string {
    return this.info.namespaced
      ? `/registry/${this.info.storagePrefix}/${namespace}/${name}`
      : `/registry/${this.info.storagePrefix}/${name}`;
  }

  async get(namespace: string, name: string): Promise<KObject> {
    const kv = await this.store.get(this.key(namespace, name));
    if (!kv) throw notFound(this.qr, name);
    return decode(kv);
  }

  /** The stored JSON text with its resourceVersion, for responses that need no other change. */
  async getText(namespace: string, name: string): Promise<string | KObject> {
    const kv = await this.store.get(this.key(namespace, name));
    if (!kv) throw notFound(this.qr, name);
    return withVersion(kv) ?? decode(kv);
  }

  async tryGet(namespace: string, name: string): Promise<KObject | undefined> {
    const kv = await this.store.get(this.key(namespace, name));
    return kv ? decode(kv) : undefined;
  }

  async list(namespace: string, opts: ListOptions = {}): Promise<ListResult> {
    const prefix = this.prefix(namespace);
    let after: string | undefined;
    let revision = opts.revision;
    if (opts.continueToken) {
      const c = decodeContinue(opts.continueToken, prefix);
      after = c.start;
      revision = c.rv;
    }
    const limit = opts.limit && opts.limit > 0 ? opts.limit : 0;
    const items: KObject[] = [];
    let rev: number;
    let more = false;
    let remaining: number | undefined;
    let lastKey = after;
    try {
      // With a filter, keep reading pages until the limit is filled, as upstream does.
      for (;;) {
        const page = await this.store.list(prefix, {
          revision,
          after: lastKey,
          limit: limit ? Math.max(limit - items.length, opts.filter ? 100 : 0) : 0,
        });
        rev = page.revision;
        revision = page.revision;
        let i = 0;
        for (; i < page.items.length; i++) {
          const kv = page.items[i];
          lastKey = kv.key;
          const obj = decode(kv);
          if (!opts.filter || opts.filter(obj)) items.push(obj);
          if (limit && items.length >= limit) break;
        }
        const unread = page.items.length - 1 - i;
        if (limit && items.length >= limit) {
          more = page.more || unread > 0;
          if (!opts.filter && page.remaining !== undefined) remaining = page.remaining + Math.max(unread, 0);
          break;
        }
        if (!page.more) break;
      }
    } catch (e) {
      if (e instanceof StorageError && e.code === "Compacted") {
        if (opts.continueToken) throw expiredContinue();
        throw expired(`too old resource version: ${revision} (${e.compactedRevision ?? 0})`);
      }
      throw e;
    }
    const result: ListResult = { items, resourceVersion: String(rev) };
    if (more && lastKey) {
      result.continueToken = encodeContinue(rev, lastKey, prefix);
      if (remaining !== undefined) result.remainingItemCount = remaining;
    }
    return result;
  }

  async create(namespace: string, input: KObject, ctx: RequestContext): Promise<KObject> {
    let obj = input;
    let meta = metaOf(obj);
    if (meta.resourceVersion) {
      // Mirrors the etcd3 storage layer, which rejects a preset version as an internal error.
      throw internal("resourceVersion should not be set on objects to be created");
    }
    if (!meta.name && meta.generateName) meta.name = generateName(meta.generateName);
    if (this.info.namespaced) meta.namespace = namespace;
    else delete meta.namespace;
    meta.uid = newUid();
    meta.creationTimestamp = rfc3339(ctx.now);
    delete meta.deletionTimestamp;
    delete meta.deletionGracePeriodSeconds;
    delete meta.selfLink;
    if (this.info.hasSpec) meta.generation = 1;
    else delete meta.generation;
    obj.apiVersion = this.apiVersion;
    obj.kind = this.info.kind;
    this.strategy.prepareForCreate?.(obj, ctx);
    ctx.admitObject?.(obj, undefined);
    obj = this.recordManager(undefined, obj, ctx);
    meta = metaOf(obj);
    this.check(obj, this.strategy.validateCreate?.(obj, ctx) ?? []);
    await ctx.validateAdmission?.(obj, undefined);
    if (ctx.dryRun) return obj;
    try {
      const text = encode(obj);
      const kv = await this.writing(text, obj, () =>
        this.store.create(this.key(namespace, meta.name!), text),
      );
      meta.resourceVersion = String(kv.modRevision);
      rememberText(obj, { ...kv, value: text });
      return obj;
    } catch (e) {
      if (e instanceof StorageError && e.code === "KeyExists") throw alreadyExists(this.qr, meta.name!);
      throw e;
    }
  }

  /**
   * Read-modify-write with optimistic concurrency: `mutate` gets the current object and returns the
   * new one (or throws). Retries on conflict unless the caller pinned a resourceVersion.
   */
  async guaranteedUpdate(
    namespace: string,
    name: string,
    ctx: RequestContext,
    mutate: (current: KObject | undefined) => KObject | Promise<KObject>,
    opts: {
      subresource?: string;
      createIfMissing?: boolean;
      pinned?: boolean;
      /** The subresource a managedFields entry names when it is not `subresource` (scale). */
      managedSubresource?: string;
    } = {},
  ): Promise<{ object: KObject; created: boolean }> {
    const key = this.key(namespace, name);
    for (let attempt = 0; ; attempt++) {
      const kv = await this.store.get(key);
      const current = kv ? decode(kv) : undefined;
      if (!current && !opts.createIfMissing && !this.strategy.allowCreateOnUpdate)
        throw notFound(this.qr, name);
      // The mutator gets its own parse of the stored text: cheaper than structuredClone, never shared.
      const next = await mutate(current ? decode(kv!) : undefined);
      const nextMeta = metaOf(next);
      if (nextMeta.name !== undefined && nextMeta.name !== name) {
        throw badRequest(
          `the name of the object (${nextMeta.name}) does not match the name on the URL (${name})`,
        );
      }
      if (this.info.namespaced && nextMeta.namespace && nextMeta.namespace !== namespace) {
        throw badRequest(
          "the namespace of the provided object does not match the namespace sent on the request",
        );
      }
      if (!current) {
        nextMeta.name = name;
        return { object: await this.create(namespace, next, ctx), created: true };
      }
      const pinnedRv = nextMeta.resourceVersion;
      // Patches keep the current version, so only a caller-pinned version makes a lost race fatal.
      const pinned = opts.pinned ?? !!pinnedRv;
      if (pinnedRv && pinnedRv !== current.metadata!.resourceVersion) {
        throw conflict(this.qr, name, OPTIMISTIC_LOCK_MESSAGE);
      }
      const updated = this.prepareUpdate(next, current, ctx, opts.subresource, opts.managedSubresource);
      await ctx.validateAdmission?.(updated, current);
      if (this.shouldDeleteDuringUpdate(updated)) {
        if (ctx.dryRun) return { object: updated, created: false };
        try {
          await this.store.delete(key, kv!.modRevision);
          return { object: updated, created: false };
        } catch (e) {
          if (
            e instanceof StorageError &&
            (e.code === "Conflict" || e.code === "NotFound") &&
            attempt < MAX_UPDATE_RETRIES &&
            !pinned
          )
            continue;
          throw this.storageToStatus(e, name);
        }
      }
      const text = encode(updated);
      if (ctx.dryRun || text === kv!.value) {
        // Unchanged objects are not written, so watchers see no event and the version stays.
        updated.metadata!.resourceVersion = current.metadata!.resourceVersion;
        if (!ctx.dryRun) rememberText(updated, kv!);
        return { object: updated, created: false };
      }
      try {
        const written = await this.writing(text, updated, () =>
          this.store.update(key, text, kv!.modRevision),
        );
        updated.metadata!.resourceVersion = String(written.modRevision);
        rememberText(updated, { ...written, value: text });
        return { object: updated, created: false };
      } catch (e) {
        if (e instanceof StorageError && (e.code === "Conflict" || e.code === "NotFound")) {
          if (pinned) throw conflict(this.qr, name, OPTIMISTIC_LOCK_MESSAGE);
          if (attempt < MAX_UPDATE_RETRIES) continue;
        }
        throw this.storageToStatus(e, name);
      }
    }
  }

  /** What Go's encoding would store: no empty omitempty lists or maps, whatever the request wrote. */
  private omitEmpty(obj: KObject): KObject {
    dropEmptyFields(this.info.group, this.info.storageVersion, this.info.kind, obj);
    return obj;
  }

  /** An Update entry names the version its manager wrote with, as upstream's does. */
  private managerVersion(ctx: RequestContext): string {
    return ctx.version ? apiVersionOf(this.info.group, ctx.version) : this.apiVersion;
  }

  /**
   * A create's managedFields entry, recorded before admission mutates the object (as upstream's
   * create handler does), so fields admission adds (tokens' volumes, tolerations) are nobody's.
   * The store's own create then leaves managedFields alone.
   */
  recordCreate(obj: KObject, ctx: RequestContext): KObject {
    if (ctx.fieldManager === undefined || ctx.applied) return obj;
    const recorded = recordUpdateManagedFields(undefined, obj, {
      manager: ctx.fieldManager,
      apiVersion: this.managerVersion(ctx),
      now: rfc3339(ctx.now),
      ignored: this.info.subresources.includes("status") ? ["status"] : undefined,
    }) as KObject;
    ctx.applied = true;
    return recorded;
  }

  /**
   * The managedFields bookkeeping of a write that is not an apply (an Update entry for its manager),
   * then the encoding's dropping of empty fields, which must come after: `managedFields: []` resets.
   */
  private recordManager(
    prev: KObject | undefined,
    next: KObject,
    ctx: RequestContext,
    subresource?: string,
  ): KObject {
    if (ctx.fieldManager === undefined || ctx.applied) return this.omitEmpty(next);
    return this.omitEmpty(
      recordUpdateManagedFields(prev, next, {
        manager: ctx.fieldManager,
        apiVersion: this.managerVersion(ctx),
        now: rfc3339(ctx.now),
        subresource,
        // Upstream's reset fields: the main resource's writes never own status where /status exists.
        ignored:
          subresource === undefined && this.info.subresources.includes("status") ? ["status"] : undefined,
      }) as KObject,
    );
  }

  private prepareUpdate(
    next: KObject,
    current: KObject,
    ctx: RequestContext,
    subresource?: string,
    managedSubresource?: string,
  ): KObject {
    const meta = metaOf(next);
    const old = current.metadata!;
    if (meta.uid && meta.uid !== old.uid) {
      throw new StatusError(
        409,
        "Conflict",
        `Precondition failed: UID in precondition: ${meta.uid}, UID in object meta: ${old.uid}`,
        {
          name: old.name,
          group: this.info.group || undefined,
          kind: this.info.resource,
        },
      );
    }
    next.apiVersion = this.apiVersion;
    next.kind = this.info.kind;
    // Unconditional updates write over the current version (upstream's store fills it in).
    meta.resourceVersion ||= old.resourceVersion;
    meta.name = old.name;
    if (this.info.namespaced) meta.namespace = old.namespace;
    meta.uid = old.uid;
    meta.creationTimestamp = old.creationTimestamp;
    meta.deletionTimestamp = old.deletionTimestamp;
    meta.deletionGracePeriodSeconds = old.deletionGracePeriodSeconds;
    if (meta.deletionTimestamp === undefined) delete meta.deletionTimestamp;
    if (meta.deletionGracePeriodSeconds === undefined) delete meta.deletionGracePeriodSeconds;
    delete meta.selfLink;
    const errs: FieldError[] = [];
    if (subresource === "status") {
      // Status writes keep the old metadata and spec (upstream ResetObjectMetaForStatus).
      const status = next.status;
      const managed = meta.managedFields;
      const merged = JSON.parse(JSON.stringify(current)) as KObject;
      merged.status = status;
      if (managed !== undefined) merged.metadata!.managedFields = managed;
      // Deployment status writes may change annotations (pkg/registry/apps/deployment/strategy.go).
      if (this.info.group === "apps" && this.info.resource === "deployments") {
        if (meta.annotations === undefined) delete merged.metadata!.annotations;
        else merged.metadata!.annotations = meta.annotations;
      }
      this.strategy.prepareForStatusUpdate?.(merged, current, ctx);
      errs.push(...(this.strategy.validateStatusUpdate?.(merged, current, ctx) ?? []));
      this.check(merged, errs);
      return this.recordManager(current, merged, ctx, "status");
    }
    meta.generation = old.generation;
    if (meta.generation === undefined) delete meta.generation;
    // Bindings are the server's own write of spec.nodeName and a condition: no user rules apply.
    if (subresource === "binding") return next;
    if (old.deletionTimestamp) {
      const had = new Set(old.finalizers ?? []);
      if ((meta.finalizers ?? []).some((f) => !had.has(f))) {
        errs.push({
          type: "FieldValueForbidden",
          field: "metadata.finalizers",
          detail: "no new finalizers can be added if the object is being deleted",
        });
      }
    }
    this.strategy.prepareForUpdate?.(next, current, ctx);
    ctx.admitObject?.(next, current);
    if (this.info.hasSpec && old.generation !== undefined && specOf(next) !== specOf(current)) {
      meta.generation = old.generation + 1;
    }
    errs.push(...(this.strategy.validateUpdate?.(next, current, ctx) ?? []));
    this.check(next, errs);
    return this.recordManager(current, next, ctx, managedSubresource);
  }

  private shouldDeleteDuringUpdate(obj: KObject): boolean {
    const m = obj.metadata!;
    if (this.isNamespaces() && ((obj.spec as any)?.finalizers?.length ?? 0) > 0) return false;
    return (
      !!m.deletionTimestamp && (m.finalizers?.length ?? 0) === 0 && (m.deletionGracePeriodSeconds ?? 0) === 0
    );
  }

  private isNamespaces(): boolean {
    return this.info.group === "" && this.info.resource === "namespaces";
  }

  async delete(
    namespace: string,
    name: string,
    options: DeleteOptions,
    ctx: RequestContext,
  ): Promise<DeleteResult> {
    const key = this.key(namespace, name);
    for (let attempt = 0; ; attempt++) {
      const kv = await this.store.get(key);
      if (!kv) throw notFound(this.qr, name);
      const obj = decode(kv);
      const meta = obj.metadata!;
      const pre = options.preconditions;
      if (pre?.uid && pre.uid !== meta.uid) {
        throw new StatusError(
          409,
          "Conflict",
          `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${meta.uid}`,
          {
            name,
            group: this.info.group || undefined,
            kind: this.info.resource,
          },
        );
      }
      if (pre?.resourceVersion && pre.resourceVersion !== meta.resourceVersion) {
        throw new StatusError(
          409,
          "Conflict",
          `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${meta.resourceVersion}`,
          { name, group: this.info.group || undefined, kind: this.info.resource },
        );
      }
      const pending = this.pendingDeletion(obj, options, ctx);
      if (pending) {
        if (ctx.dryRun) return { object: pending, deleted: false };
        if (encode(pending) === kv.value) return { object: obj, deleted: false };
        try {
          const written = await this.store.update(key, encode(pending), kv.modRevision);
          pending.metadata!.resourceVersion = String(written.modRevision);
          return { object: pending, deleted: false };
        } catch (e) {
          if (e instanceof StorageError && e.code === "Conflict" && attempt < MAX_UPDATE_RETRIES) continue;
          throw this.storageToStatus(e, name);
        }
      }
      if (ctx.dryRun) return { object: obj, deleted: true };
      try {
        await this.store.delete(key, kv.modRevision);
        return { object: obj, deleted: true };
      } catch (e) {
        if (e instanceof StorageError && e.code === "Conflict" && attempt < MAX_UPDATE_RETRIES) continue;
        throw this.storageToStatus(e, name);
      }
    }
  }

  /**
   * The object to write instead of deleting it (graceful deletion or finalizers), or undefined to
   * delete now. Mirrors BeforeDelete and deletionFinalizersForGarbageCollection in upstream store.go.
   */
  private pendingDeletion(obj: KObject, options: DeleteOptions, ctx: RequestContext): KObject | undefined {
    const next = structuredClone(obj);
    const meta = next.metadata!;
    let policy = options.propagationPolicy;
    if (!policy && options.orphanDependents !== undefined)
      policy = options.orphanDependents ? "Orphan" : "Background";
    if (!policy) policy = this.strategy.defaultPropagation;
    let finalizers = meta.finalizers ?? [];
    if (policy === "Orphan") {
      finalizers = finalizers.filter((f) => f !== "foregroundDeletion");
      if (!finalizers.includes("orphan")) finalizers = [...finalizers, "orphan"];
    } else if (policy === "Foreground") {
      finalizers = finalizers.filter((f) => f !== "orphan");
      if (!finalizers.includes("foregroundDeletion")) finalizers = [...finalizers, "foregroundDeletion"];
    } else if (policy === "Background") {
      finalizers = finalizers.filter((f) => f !== "orphan" && f !== "foregroundDeletion");
    }
    if (this.isNamespaces()) {
      // Spec finalizers hold a namespace in Terminating until its content is gone
      // (pkg/registry/core/namespace/storage/storage.go).
      if (finalizers.length) meta.finalizers = finalizers;
      else delete meta.finalizers;
      if (!finalizers.length && !((next.spec as any)?.finalizers?.length ?? 0)) return undefined;
      if (!meta.deletionTimestamp) {
        meta.deletionTimestamp = rfc3339(ctx.now);
        meta.deletionGracePeriodSeconds = 0;
      }
      next.status = { ...(next.status as object), phase: "Terminating" };
      return next;
    }
    const grace = this.strategy.gracePeriod?.(obj, options.gracePeriodSeconds);
    if (meta.deletionTimestamp) {
      // Already terminating: only a shorter grace period changes anything.
      if (grace !== undefined && grace < (meta.deletionGracePeriodSeconds ?? 0)) {
        meta.deletionGracePeriodSeconds = grace;
        meta.deletionTimestamp = rfc3339(new Date(ctx.now.getTime() + grace * 1000));
      }
      if (finalizers.length) meta.finalizers = finalizers;
      else delete meta.finalizers;
      if (!finalizers.length && (meta.deletionGracePeriodSeconds ?? 0) === 0) return undefined;
      return next;
    }
    if (finalizers.length) meta.finalizers = finalizers;
    else delete meta.finalizers;
    if (grace !== undefined && grace > 0) {
      meta.deletionTimestamp = rfc3339(new Date(ctx.now.getTime() + grace * 1000));
      meta.deletionGracePeriodSeconds = grace;
      if (meta.generation !== undefined) meta.generation++;
      return next;
    }
    if (finalizers.length) {
      meta.deletionTimestamp = rfc3339(ctx.now);
      meta.deletionGracePeriodSeconds = 0;
      if (meta.generation !== undefined) meta.generation++;
      return next;
    }
    return undefined;
  }

  private check(obj: KObject, errs: FieldError[]): void {
    if (errs.length) throw invalid(this.info.group, this.info.kind, obj.metadata?.name ?? "", errs);
  }

  private storageToStatus(e: unknown, name: string): unknown {
    if (e instanceof StorageError) {
      if (e.code === "NotFound") return notFound(this.qr, name);
      if (e.code === "Conflict") return conflict(this.qr, name, OPTIMISTIC_LOCK_MESSAGE);
      if (e.code === "KeyExists") return alreadyExists(this.qr, name);
    }
    return e;
  }
}

// Continue tokens carry the list revision and the last key, as upstream's storage continue keys do.
function encodeContinue(rv: number, lastKey: string, prefix: string): string {
  return Buffer.from(
    JSON.stringify({ v: "meta.k8s.io/v1", rv, start: lastKey.slice(prefix.length) }),
  ).toString("base64url");
}

function decodeContinue(token: string, prefix: string): { rv: number; start: string } {
  try {
    const c = JSON.parse(Buffer.from(token, "base64url").toString()) as {
      v?: string;
      rv?: number;
      start?: string;
    };
    if (
      c.v !== "meta.k8s.io/v1" ||
      typeof c.rv !== "number" ||
      typeof c.start !== "string" ||
      c.start.includes("..")
    )
      throw new Error("bad");
    return { rv: c.rv, start: prefix + c.start };
  } catch {
    throw badRequest(
      "continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)",
    );
  }
}

function expiredContinue(): StatusError {
  return expired(
    "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.",
  );
}
