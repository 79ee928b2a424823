// Which PersistentVolume a claim may bind to (pkg/controller/volume/persistentvolume/util
// FindMatchingVolume and CheckVolumeModeMismatches), and the names and annotations the binder uses.
import type { KObject } from "../../apimachinery/meta.ts";
import { labelSelectorFromMetav1, matches } from "../../apimachinery/selectors/index.ts";
import { quantityValue } from "../../api/validation/quantity.ts";

type Obj = Record<string, any>;

export const annBindCompleted = "pv.kubernetes.io/bind-completed";
export const annBoundByController = "pv.kubernetes.io/bound-by-controller";
export const annStorageProvisioner = "volume.kubernetes.io/storage-provisioner";
export const annBetaStorageProvisioner = "volume.beta.kubernetes.io/storage-provisioner";
export const annSelectedNode = "volume.kubernetes.io/selected-node";
export const annDynamicallyProvisioned = "pv.kubernetes.io/provisioned-by";
const annBetaClass = "volume.beta.kubernetes.io/storage-class";

/** GetPersistentVolumeClaimClass / GetPersistentVolumeClass: "" for no class. */
export function classOf(obj: Obj): string {
  const beta = obj.metadata?.annotations?.[annBetaClass];
  if (typeof beta === "string") return beta;
  return obj.spec?.storageClassName ?? "";
}

const requested = (claim: Obj): number => quantityValue(claim.spec?.resources?.requests?.storage);
export const capacityOf = (pv: Obj): number => quantityValue(pv.spec?.capacity?.storage);

/** The volume's claimRef names this claim (by namespace and name, and uid when it has one). */
export function claimRefMatches(pv: Obj, claim: Obj): boolean {
  const ref = pv.spec?.claimRef;
  if (!ref) return false;
  if (ref.namespace !== claim.metadata?.namespace || ref.name !== claim.metadata?.name) return false;
  return !ref.uid || ref.uid === claim.metadata?.uid;
}

/** The volume's required node affinity admits the node (matchFields read metadata.name). */
export function volumeNodeMatches(pv: Obj, node: KObject): boolean {
  const terms: Obj[] = pv.spec?.nodeAffinity?.required?.nodeSelectorTerms ?? [];
  if (!terms.length) return true;
  const labels: Record<string, string> = {
    ...node.metadata?.labels,
    "metadata.name": node.metadata?.name ?? "",
  };
  return terms.some((t) =>
    [...(t.matchExpressions ?? []), ...(t.matchFields ?? [])].every((e: Obj) => {
      const v = labels[e.key];
      switch (e.operator) {
        case "In":
          return v !== undefined && (e.values ?? []).includes(v);
        case "NotIn":
          return v === undefined || !(e.values ?? []).includes(v);
        case "Exists":
          return v !== undefined;
        case "DoesNotExist":
          return v === undefined;
        default:
          return false;
      }
    }),
  );
}

/**
 * FindMatchingVolume: a volume pre-bound to the claim wins; otherwise the smallest available one
 * of the claim's class, mode and access modes, big enough, matching its selector (and, when a node
 * is given, usable there).
 */
export function findMatchingVolume(claim: Obj, volumes: Obj[], node?: KObject): Obj | undefined {
  const want = requested(claim);
  const cls = classOf(claim);
  const mode = claim.spec?.volumeMode ?? "Filesystem";
  const modes: string[] = claim.spec?.accessModes ?? [];
  const selector = claim.spec?.selector ? labelSelectorFromMetav1(claim.spec.selector) : undefined;
  let best: Obj | undefined;
  for (const pv of volumes) {
    if (pv.metadata?.deletionTimestamp) continue;
    if ((pv.spec?.volumeMode ?? "Filesystem") !== mode) continue;
    if (node && !volumeNodeMatches(pv, node)) continue;
    const preBound = claimRefMatches(pv, claim);
    if (preBound && capacityOf(pv) >= want) return pv;
    if (pv.spec?.claimRef) continue;
    if (pv.status?.phase && pv.status.phase !== "Available" && pv.status.phase !== "Pending") continue;
    if (classOf(pv) !== cls) continue;
    if (selector && !matches(selector, pv.metadata?.labels)) continue;
    const pvModes: string[] = pv.spec?.accessModes ?? [];
    if (!modes.every((m) => pvModes.includes(m))) continue;
    if (capacityOf(pv) < want) continue;
    if (!best || capacityOf(pv) < capacityOf(best)) best = pv;
  }
  return best;
}
