// ControllerRevisions: the history of a StatefulSet's (or DaemonSet's) pod template
// (pkg/controller/history/controller_history.go and the statefulset controller's getPatch).
import type { KObject } from "../../apimachinery/meta.ts";
import { newControllerRef } from "../util/index.ts";
import { canonicalJson, safeEncode } from "../util/pod-template-hash.ts";

export const controllerRevisionHashKey = "controller.kubernetes.io/hash";

type Obj = Record<string, any>;

/** FNV-32 (not 32a) over the data, then the collision count in decimal: HashControllerRevision. */
export function hashRevision(data: unknown, collisionCount: number | undefined): string {
  let h = 0x811c9dc5;
  const feed = (bytes: Uint8Array) => {
    for (const b of bytes) {
      h = Math.imul(h, 0x01000193) >>> 0;
      h = (h ^ b) >>> 0;
    }
  };
  feed(new TextEncoder().encode(canonicalJson(data)));
  if (collisionCount !== undefined) feed(new TextEncoder().encode(String(collisionCount)));
  return safeEncode(h);
}

/** getPatch: the part of the owner a revision records, as a strategic merge patch that replaces the template. */
export function templatePatch(owner: Obj): Obj {
  return { spec: { template: { ...structuredClone(owner.spec?.template ?? {}), $patch: "replace" } } };
}

/** The template a revision records (ApplyRevision, for patches made by templatePatch). */
export function revisionTemplate(revision: Obj): Obj {
  const t = structuredClone(revision.data?.spec?.template ?? {});
  delete t.$patch;
  return t;
}

export function revisionName(ownerName: string, hash: string): string {
  return `${ownerName.length > 223 ? ownerName.slice(0, 223) : ownerName}-${hash}`;
}

/** NewControllerRevision. */
export function newRevision(
  owner: Obj,
  ownerKind: string,
  templateLabels: Record<string, string> | undefined,
  data: Obj,
  revision: number,
  collisionCount: number | undefined,
): Obj {
  const hash = hashRevision(data, collisionCount);
  return {
    apiVersion: "apps/v1",
    kind: "ControllerRevision",
    metadata: {
      name: revisionName(owner.metadata.name, hash),
      namespace: owner.metadata.namespace,
      labels: { ...templateLabels, [controllerRevisionHashKey]: hash },
      ownerReferences: [newControllerRef(owner as KObject, "apps/v1", ownerKind)],
    },
    data,
    revision,
  };
}

export const equalRevision = (a: Obj, b: Obj): boolean => canonicalJson(a.data) === canonicalJson(b.data);

export const sortRevisions = (revs: Obj[]): Obj[] =>
  [...revs].sort(
    (a, b) =>
      (a.revision ?? 0) - (b.revision ?? 0) ||
      (Date.parse(a.metadata?.creationTimestamp ?? "") || 0) -
        (Date.parse(b.metadata?.creationTimestamp ?? "") || 0) ||
      (a.metadata?.name < b.metadata?.name ? -1 : 1),
  );

export const nextRevision = (revs: Obj[]): number =>
  revs.reduce((max, r) => Math.max(max, r.revision ?? 0), 0) + 1;
