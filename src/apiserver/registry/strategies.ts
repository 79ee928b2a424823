import type { ResourceInfo } from "../../api/resources.ts";
import { validateCreate, validateStatusUpdate, validateUpdate } from "../../api/validation/index.ts";
import { applyJobSelector } from "../../api/defaults/index.ts";
import type { KObject } from "../../apimachinery/meta.ts";
import { semanticEqual } from "../../apimachinery/semantic-equal.ts";
import type { Strategy } from "./strategy.ts";
import { validateObjectMeta, validateObjectMetaUpdate } from "../../api/validation/object-meta.ts";
import { nameIsDNSSubdomain } from "../../api/validation/formats.ts";
import { validateCrd } from "../crd/crd-validation.ts";
import { CLEANUP_FINALIZER, type Crd } from "../crd/crd-types.ts";

const hasStatus = (info: ResourceInfo) => info.subresources.includes("status");

function keepStatus(obj: KObject, old: KObject): void {
  if (old.status === undefined) delete obj.status;
  else obj.status = structuredClone(old.status);
}

/** The status a new object starts with (upstream PrepareForCreate of each strategy). */
function initialStatus(info: ResourceInfo, obj: any): void {
  switch (`${info.group}/${info.resource}`) {
    case "/pods":
      obj.status = { phase: "Pending", qosClass: qosClass(obj.spec) };
      return;
    case "/namespaces":
      obj.status = { phase: "Active" };
      return;
    case "/nodes":
      // Nodes register with their status (the kubelet creates them so).
      return;
    case "/services":
      obj.status = { loadBalancer: {} };
      return;
    case "/persistentvolumeclaims":
    case "/persistentvolumes":
      // Upstream's read-time defaulting shows a new claim or volume as Pending.
      obj.status = { phase: "Pending" };
      return;
    default:
      obj.status = {};
  }
}

// Mirrors pkg/apis/core/helper/qos: BestEffort without requests/limits, Guaranteed when equal.
function qosClass(spec: any): string {
  const containers = [...(spec?.containers ?? []), ...(spec?.initContainers ?? [])];
  let any = false;
  let guaranteed = true;
  for (const c of containers) {
    const req = c.resources?.requests ?? {};
    const lim = c.resources?.limits ?? {};
    if (Object.keys(req).length || Object.keys(lim).length) any = true;
    for (const r of ["cpu", "memory"]) {
      if (lim[r] === undefined) guaranteed = false;
      else if (req[r] !== undefined && String(req[r]) !== String(lim[r])) guaranteed = false;
    }
  }
  if (!any) return "BestEffort";
  return guaranteed ? "Guaranteed" : "Burstable";
}

function podGracePeriod(obj: any, requested: number | undefined): number {
  // Unscheduled or finished pods have no kubelet to wait for (pkg/registry/core/pod/strategy.go).
  if (!obj.spec?.nodeName) return 0;
  const phase = obj.status?.phase;
  if (phase === "Succeeded" || phase === "Failed") return 0;
  if (requested !== undefined) return requested;
  return obj.spec?.terminationGracePeriodSeconds ?? 30;
}

const createOnUpdate = new Set([
  "/endpoints",
  "/events",
  "/services",
  "coordination.k8s.io/leases",
  "events.k8s.io/events",
]);

const templateGenerationAnnotation = "deprecated.daemonset.template.generation";

function setTemplateGeneration(ds: KObject, generation: number): void {
  const meta = (ds.metadata ??= {});
  meta.annotations = { ...meta.annotations, [templateGenerationAnnotation]: String(generation) };
}

function mergeStringData(obj: KObject): void {
  const secret = obj as KObject & { data?: Record<string, string>; stringData?: Record<string, unknown> };
  if (!("stringData" in secret)) return;
  const strings = secret.stringData;
  delete secret.stringData;
  if (!strings || typeof strings !== "object") return;
  const data = { ...secret.data };
  for (const [k, v] of Object.entries(strings))
    data[k] = Buffer.from(typeof v === "string" ? v : String(v ?? "")).toString("base64");
  secret.data = data;
}

export function strategyFor(info: ResourceInfo): Strategy {
  const id = `${info.group}/${info.resource}`;
  const strategy: Strategy = {
    validateCreate: (obj) => validateCreate(info.group, info.kind, obj),
    validateUpdate: (obj, old) => validateUpdate(info.group, info.kind, obj, old),
    validateStatusUpdate: (obj, old) => validateStatusUpdate(info.group, info.kind, obj, old),
    allowCreateOnUpdate: createOnUpdate.has(id),
  };
  if (hasStatus(info)) {
    strategy.prepareForCreate = (obj) => initialStatus(info, obj);
    strategy.prepareForUpdate = (obj, old) => keepStatus(obj, old);
  }
  if (id === "apiextensions.k8s.io/customresourcedefinitions") {
    strategy.validateCreate = (obj) => [
      ...validateObjectMeta(obj.metadata, false, nameIsDNSSubdomain),
      ...validateCrd(obj as unknown as Crd),
    ];
    strategy.validateUpdate = (obj, old) => [
      ...validateObjectMetaUpdate(obj.metadata, old.metadata),
      ...validateCrd(obj as unknown as Crd, old as unknown as Crd),
    ];
    strategy.validateStatusUpdate = () => [];
    strategy.prepareForCreate = (obj) => {
      obj.status = {};
      // Deleting the definition deletes its objects first (the cleanup runs in crd/).
      const meta = obj.metadata!;
      if (!meta.finalizers?.includes(CLEANUP_FINALIZER))
        meta.finalizers = [...(meta.finalizers ?? []), CLEANUP_FINALIZER];
    };
  }
  if (id === "/pods") {
    // metav1.Time is not omitempty: upstream shows every pod condition with lastProbeTime, null
    // when unset. Merge patches cannot carry that null, so it is filled in here.
    strategy.prepareForStatusUpdate = (obj) => {
      const conditions = (obj.status as { conditions?: Array<Record<string, unknown>> } | undefined)
        ?.conditions;
      for (const c of conditions ?? []) if (!("lastProbeTime" in c)) c.lastProbeTime = null;
    };
    strategy.gracePeriod = podGracePeriod;
    strategy.returnDeletedObject = true;
  }
  if (id === "/secrets") {
    // stringData is write-only: v1 → internal conversion merges it into data, overriding keys there
    // (pkg/apis/core/v1/conversion.go Convert_v1_Secret_To_core_Secret); it is never stored.
    strategy.prepareForCreate = mergeStringData;
    strategy.prepareForUpdate = mergeStringData;
  }
  if (id === "apps/daemonsets") {
    // pkg/registry/apps/daemonset/strategy.go keeps spec.templateGeneration, which apps/v1 shows as
    // this annotation: 1 at create, one more whenever the pod template changes, never set by users.
    strategy.prepareForCreate = (obj) => {
      initialStatus(info, obj);
      setTemplateGeneration(obj, 1);
    };
    strategy.prepareForUpdate = (obj, old) => {
      keepStatus(obj, old);
      const previous = Number(old.metadata?.annotations?.[templateGenerationAnnotation] ?? "1") || 1;
      const spec = (o: KObject) => (o.spec as { template?: unknown } | undefined)?.template;
      setTemplateGeneration(obj, semanticEqual(spec(obj), spec(old)) ? previous : previous + 1);
    };
  }
  if (info.group === "batch" && info.resource === "jobs") {
    // batch/v1 Jobs orphan their pods unless told otherwise (pkg/registry/batch/job/strategy.go).
    strategy.defaultPropagation = "Orphan";
    // The generated selector needs the uid, which exists only once the store has assigned it.
    strategy.prepareForCreate = (obj) => {
      initialStatus(info, obj);
      applyJobSelector(obj);
    };
  }
  return strategy;
}
