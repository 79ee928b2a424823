// The API server's side of CustomResourceDefinitions (apiextensions-apiserver in one process): it
// follows the stored definitions, serves each accepted one's resource at once (a store in the
// registry and a group-version in discovery), reports NamesAccepted and Established in the
// definition's status, and, when a definition is deleted, deletes its objects before letting it go.
import type { GroupVersion, ResourceInfo, ServedResource, Verb } from "../../api/resources.ts";
import type { KObject } from "../../apimachinery/meta.ts";
import type { Clock } from "../../util/clock.ts";
import type { Logger } from "../../util/logger.ts";
import type { Registry } from "../registry/registry.ts";
import type { RequestContext } from "../registry/strategy.ts";
import type { WatchBroadcaster } from "../watch/broadcaster.ts";
import { CLEANUP_FINALIZER, type Crd, type CrdVersion } from "./crd-types.ts";
import { customResourceStrategy } from "./custom-resource-strategy.ts";
import { setCustomPatchMeta } from "../patch/patch-meta.ts";
import { customOpenApi } from "./openapi.ts";
import type { OpenApiV3 } from "../openapi/documents.ts";

const PREFIX = "/registry/apiextensions.k8s.io/customresourcedefinitions/";
const ALL: Verb[] = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];

export interface ServedCustomResource {
  crd: Crd;
  info: ResourceInfo;
  storage: CrdVersion;
  versions: CrdVersion[];
}

export class CustomResources {
  private readonly served = new Map<string, ServedCustomResource>();
  private readonly registry: Registry;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private generation = 0;
  private memo?: { generation: number; gvs: GroupVersion[] };

  constructor(deps: { registry: Registry; clock: Clock; logger: Logger }) {
    this.registry = deps.registry;
    this.clock = deps.clock;
    this.logger = deps.logger;
  }

  /** The custom resources' group-versions, in the order discovery lists them. */
  groupVersions(): GroupVersion[] {
    if (this.memo?.generation === this.generation) return this.memo.gvs;
    const out = new Map<string, GroupVersion>();
    for (const s of [...this.served.values()].sort((a, b) => a.info.resource.localeCompare(b.info.resource)))
      for (const v of s.versions) {
        const k = `${s.info.group}/${v.name}`;
        let gv = out.get(k);
        if (!gv) out.set(k, (gv = { group: s.info.group, version: v.name, resources: [] }));
        const sr: ServedResource = { info: s.info, group: s.info.group, version: v.name };
        gv.resources.push(sr);
      }
    this.memo = { generation: this.generation, gvs: [...out.values()] };
    return this.memo.gvs;
  }

  private openApiMemo?: { generation: number; api: OpenApiV3 | undefined };

  /** The custom resources' OpenAPI documents; undefined while there are none. */
  openApi(): OpenApiV3 | undefined {
    if (this.openApiMemo?.generation !== this.generation) {
      const gvs = this.groupVersions();
      this.openApiMemo = {
        generation: this.generation,
        api: gvs.length ? customOpenApi([...this.served.values()], gvs) : undefined,
      };
    }
    return this.openApiMemo.api;
  }

  /** The definition serving group/resource, if any. */
  lookup(group: string, resource: string): ServedCustomResource | undefined {
    return this.served.get(`${group}/${resource}`);
  }

  async follow(broadcaster: WatchBroadcaster, signal: AbortSignal): Promise<void> {
    const r = await this.registry.storage.list(PREFIX);
    for (const kv of r.items) {
      const crd = parse(kv.value);
      if (crd) this.apply(crd);
    }
    await broadcaster.subscribe(
      r.revision,
      {
        prefix: PREFIX,
        onEvents: (events) => {
          for (const e of events)
            if (e.type === "DELETED") this.remove(e.key.slice(PREFIX.length));
            else this.apply(e.object as unknown as Crd);
        },
        onError: (err) => {
          if (!signal.aborted) this.logger.warn("CRD watch ended", { error: err.message });
        },
      },
      signal,
    );
  }

  private remove(name: string): void {
    for (const [k, s] of this.served)
      if (s.crd.metadata.name === name) {
        this.served.delete(k);
        this.registry.removeCustom(s.info.group, s.info.resource);
        setCustomPatchMeta(s.info.group, s.info.kind, undefined);
        this.generation++;
      }
  }

  /** A name another definition, or a built-in resource, already uses in this group. */
  private conflict(crd: Crd): string | undefined {
    const { group, names } = crd.spec;
    for (const s of this.served.values()) {
      if (s.crd.metadata.name === crd.metadata.name || s.info.group !== group) continue;
      if (s.info.kind === names.kind) return `"${names.kind}" is already in use`;
      for (const n of [names.singular, ...(names.shortNames ?? [])])
        if (n && (s.info.singular === n || s.info.shortNames.includes(n))) return `"${n}" is already in use`;
    }
    if (this.registry.get(group, names.plural ?? "") && !this.lookup(group, names.plural ?? ""))
      return `"${names.plural}" is already in use`;
    return undefined;
  }

  private apply(crd: Crd): void {
    const name = crd.metadata?.name ?? "";
    const conflict = this.conflict(crd);
    const versions = crd.spec.versions.filter((v) => v.served);
    const storage = crd.spec.versions.find((v) => v.storage);
    if (!conflict && storage && versions.length && !crd.metadata.deletionTimestamp) {
      const names = crd.spec.names;
      const subresources: ResourceInfo["subresources"] = [];
      if (storage.subresources?.status) subresources.push("status");
      if (storage.subresources?.scale) subresources.push("scale");
      const info: ResourceInfo = {
        group: crd.spec.group,
        storageVersion: storage.name,
        versions: versions.map((v) => v.name),
        resource: names.plural!,
        singular: names.singular || names.kind!.toLowerCase(),
        kind: names.kind!,
        namespaced: crd.spec.scope === "Namespaced",
        shortNames: names.shortNames ?? [],
        categories: names.categories ?? [],
        subresources,
        verbs: ALL,
        storagePrefix: `${crd.spec.group}/${names.plural}`,
        hasSpec: true,
      };
      if (storage.additionalPrinterColumns?.length) info.printerColumns = storage.additionalPrinterColumns;
      if (storage.schema?.openAPIV3Schema) info.schema = storage.schema.openAPIV3Schema;
      const versionSchemas = Object.fromEntries(
        versions.filter((v) => v.schema?.openAPIV3Schema).map((v) => [v.name, v.schema!.openAPIV3Schema!]),
      );
      if (Object.keys(versionSchemas).length) info.versionSchemas = versionSchemas;
      if (storage.selectableFields?.length)
        info.selectableFields = storage.selectableFields.map((f) => f.jsonPath);
      const scale = storage.subresources?.scale;
      if (scale)
        info.scalePaths = {
          specReplicas: scale.specReplicasPath,
          statusReplicas: scale.statusReplicasPath,
          labelSelector: scale.labelSelectorPath,
        };
      this.served.set(`${info.group}/${info.resource}`, { crd, info, storage, versions });
      setCustomPatchMeta(info.group, info.kind, storage.schema?.openAPIV3Schema as never);
      this.registry.setCustom(info, customResourceStrategy(storage, versions, info.namespaced));
      this.generation++;
    }
    void this.reportStatus(crd, conflict).catch((e: unknown) =>
      this.logger.warn("CRD status not written", { crd: name, error: (e as Error).message }),
    );
    if (crd.metadata.deletionTimestamp && crd.metadata.finalizers?.includes(CLEANUP_FINALIZER))
      void this.cleanUp(crd).catch((e: unknown) =>
        this.logger.warn("CRD cleanup failed; retried on its next change", {
          crd: name,
          error: (e as Error).message,
        }),
      );
  }

  private ctx(): RequestContext {
    return {
      user: { name: "system:apiserver", groups: ["system:masters"] },
      now: this.clock.now(),
      warnings: [],
      dryRun: false,
      fieldManager: "kube-apiserver",
    };
  }

  /** NamesAccepted and Established as apiextensions' controllers set them, written only on change. */
  private async reportStatus(crd: Crd, conflict: string | undefined): Promise<void> {
    const now = this.clock
      .now()
      .toISOString()
      .replace(/\.\d+Z$/, "Z");
    const cond = (type: string, ok: boolean, reason: string, message: string) => ({
      type,
      status: ok ? "True" : "False",
      lastTransitionTime: now,
      reason,
      message,
    });
    const terminating = !!crd.metadata.deletionTimestamp;
    const wanted = [
      conflict
        ? cond("NamesAccepted", false, "MultipleNamesNotAllowed", conflict)
        : cond("NamesAccepted", true, "NoConflicts", "no conflicts found"),
      conflict
        ? cond("Established", false, "NotAccepted", "not all names are accepted")
        : cond("Established", true, "InitialNamesAccepted", "the initial names have been accepted"),
      ...(terminating
        ? [cond("Terminating", true, "InstanceDeletionInProgress", "CustomResource deletion is in progress")]
        : []),
    ];
    const storage = crd.spec.versions.find((v) => v.storage)?.name;
    const stored = [
      ...new Set([...(crd.status?.storedVersions ?? []), ...(storage && !conflict ? [storage] : [])]),
    ];
    const old = crd.status?.conditions ?? [];
    const same =
      wanted.length === old.length &&
      wanted.every((w) =>
        old.some((o) => o.type === w.type && o.status === w.status && o.reason === w.reason),
      ) &&
      JSON.stringify(stored) === JSON.stringify(crd.status?.storedVersions ?? []) &&
      (conflict || JSON.stringify(crd.status?.acceptedNames) === JSON.stringify(acceptedNames(crd)));
    if (same) return;
    const store = this.registry.get("apiextensions.k8s.io", "customresourcedefinitions")!;
    await store.guaranteedUpdate(
      "",
      crd.metadata.name!,
      this.ctx(),
      (live) => {
        if (!live) throw new Error("gone");
        const l = live as unknown as Crd;
        const prev = l.status?.conditions ?? [];
        const conditions = wanted.map((w) => {
          const p = prev.find((o) => o.type === w.type);
          return p && p.status === w.status ? { ...w, lastTransitionTime: p.lastTransitionTime } : w;
        });
        l.status = {
          conditions,
          acceptedNames: conflict ? (l.status?.acceptedNames ?? { plural: "", kind: "" }) : acceptedNames(l),
          storedVersions: stored,
        };
        return live;
      },
      { subresource: "status" },
    );
  }

  /** Deletes every object of the definition, then lifts its finalizer so the definition goes. */
  private async cleanUp(crd: Crd): Promise<void> {
    const served = this.lookup(crd.spec.group, crd.spec.names.plural ?? "");
    const store = served ? this.registry.get(served.info.group, served.info.resource) : undefined;
    if (store) {
      const ctx = this.ctx();
      const list = await store.list("");
      for (const obj of list.items as KObject[])
        await store
          .delete(obj.metadata?.namespace ?? "", obj.metadata!.name!, {}, ctx)
          .catch(() => undefined);
      if ((await store.list("")).items.length) return; // objects with finalizers of their own: later
      this.registry.removeCustom(served!.info.group, served!.info.resource);
      setCustomPatchMeta(served!.info.group, served!.info.kind, undefined);
      this.served.delete(`${served!.info.group}/${served!.info.resource}`);
      this.generation++;
    }
    const crds = this.registry.get("apiextensions.k8s.io", "customresourcedefinitions")!;
    await crds.guaranteedUpdate("", crd.metadata.name!, this.ctx(), (live) => {
      if (!live) throw new Error("gone");
      live.metadata!.finalizers = (live.metadata!.finalizers ?? []).filter((f) => f !== CLEANUP_FINALIZER);
      if (!live.metadata!.finalizers.length) delete live.metadata!.finalizers;
      return live;
    });
  }
}

function acceptedNames(crd: Crd): Record<string, unknown> {
  const n = crd.spec.names;
  const out: Record<string, unknown> = { plural: n.plural, singular: n.singular || n.kind!.toLowerCase() };
  if (n.shortNames?.length) out.shortNames = n.shortNames;
  out.kind = n.kind;
  out.listKind = n.listKind || `${n.kind}List`;
  if (n.categories?.length) out.categories = n.categories;
  return out;
}

function parse(text: string): Crd | undefined {
  try {
    return JSON.parse(text) as Crd;
  } catch {
    return undefined;
  }
}
