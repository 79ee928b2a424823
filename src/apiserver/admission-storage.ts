// Admission for claims and volumes: DefaultStorageClass (plugin/pkg/admission/storage/
// storageclass/setdefault), StorageObjectInUseProtection (storageobjectinuseprotection) and
// PersistentVolumeClaimResize (plugin/pkg/admission/storage/persistentvolume/resize).
import type { KObject } from "../apimachinery/meta.ts";
import { forbidden } from "../apimachinery/status-error.ts";
import { quantityValue } from "../api/validation/quantity.ts";
import type { GenericStore } from "./registry/generic-store.ts";

export const DEFAULT_STORAGE_CLASS_ANNOTATION = "storageclass.kubernetes.io/is-default-class";
export const PVC_PROTECTION_FINALIZER = "kubernetes.io/pvc-protection";
export const PV_PROTECTION_FINALIZER = "kubernetes.io/pv-protection";
const BETA_CLASS_ANNOTATION = "volume.beta.kubernetes.io/storage-class";

type Obj = Record<string, any>;

/** The default StorageClass: the newest of those marked default, as upstream picks since 1.26. */
export async function defaultStorageClass(classes: GenericStore): Promise<KObject | undefined> {
  const { items } = await classes.list("");
  return items
    .filter((c) => c.metadata?.annotations?.[DEFAULT_STORAGE_CLASS_ANNOTATION] === "true")
    .sort(
      (a, b) =>
        (b.metadata?.creationTimestamp ?? "").localeCompare(a.metadata?.creationTimestamp ?? "") ||
        (a.metadata?.name ?? "").localeCompare(b.metadata?.name ?? ""),
    )[0];
}

function addFinalizer(obj: KObject, finalizer: string): void {
  const meta = (obj.metadata ??= {});
  if (!meta.finalizers?.includes(finalizer)) meta.finalizers = [...(meta.finalizers ?? []), finalizer];
}

export async function admitPersistentVolumeClaimCreate(classes: GenericStore, obj: KObject): Promise<void> {
  const spec = ((obj as Obj).spec ??= {}) as Obj;
  // A claim that names no class (nil, not "") gets the default one.
  if (
    (spec.storageClassName === undefined || spec.storageClassName === null) &&
    !obj.metadata?.annotations?.[BETA_CLASS_ANNOTATION]
  ) {
    const name = (await defaultStorageClass(classes))?.metadata?.name;
    if (name) spec.storageClassName = name;
  }
  addFinalizer(obj, PVC_PROTECTION_FINALIZER);
}

export function admitPersistentVolumeCreate(obj: KObject): void {
  addFinalizer(obj, PV_PROTECTION_FINALIZER);
}

/** A bound claim may grow only when its class allows expansion. */
export async function admitPersistentVolumeClaimUpdate(
  classes: GenericStore,
  obj: KObject,
  old: KObject,
): Promise<void> {
  const storage = (o: KObject) => quantityValue((o as Obj).spec?.resources?.requests?.storage);
  if (!(storage(obj) > storage(old))) return;
  if ((old as Obj).status?.phase !== "Bound") return;
  const className = (old as Obj).spec?.storageClassName;
  const cls = className
    ? ((await classes.get("", className).catch(() => undefined)) as Obj | undefined)
    : undefined;
  if (!cls?.allowVolumeExpansion)
    throw forbidden(
      `persistentvolumeclaims "${obj.metadata?.name}" is forbidden: only dynamically provisioned pvc can be resized and the storageclass that provisions the pvc must support resize`,
    );
}
