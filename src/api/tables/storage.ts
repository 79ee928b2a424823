// PersistentVolumes, PersistentVolumeClaims and StorageClasses: printers.go printPersistentVolume,
// printPersistentVolumeClaim and printStorageClass.
import { ageColumn, column, nameColumn } from "./columns.ts";
import { str } from "./format.ts";
import { translateTimestampSince } from "./human-duration.ts";
import type { TablePrinter } from "./types.ts";

const modeAbbreviations: Array<[string, string]> = [
  ["ReadWriteOnce", "RWO"],
  ["ReadOnlyMany", "ROX"],
  ["ReadWriteMany", "RWX"],
  ["ReadWriteOncePod", "RWOP"],
];

/** helper.GetAccessModesAsString: the modes held, abbreviated, in upstream's fixed order. */
export function accessModesString(modes: unknown): string {
  const held = new Set(Array.isArray(modes) ? modes : []);
  return modeAbbreviations
    .filter(([m]) => held.has(m))
    .map(([, a]) => a)
    .join(",");
}

/** The class a claim or volume names: the beta annotation first, as upstream still reads it. */
export function storageClassOf(obj: any): string {
  const annotated = obj?.metadata?.annotations?.["volume.beta.kubernetes.io/storage-class"];
  if (typeof annotated === "string") return annotated;
  return str(obj?.spec?.storageClassName);
}

const unset = (v: unknown) => (v === undefined || v === null ? "<unset>" : str(v));

const storageClassColumn = (what: string) => column("StorageClass", "string", `StorageClass of the ${what}`);
const attributesClassColumn = (what: string) =>
  column("VolumeAttributesClass", "string", `VolumeAttributesClass of the ${what}`);
const volumeModeColumn = column(
  "VolumeMode",
  "string",
  "volumeMode defines if a volume is intended to be used with a formatted filesystem or to remain in raw block state.",
  1,
);

export const persistentVolumePrinter: TablePrinter = {
  columns: [
    nameColumn,
    column(
      "Capacity",
      "string",
      "capacity is the description of the persistent volume's resources and capacity.",
    ),
    column("Access Modes", "string", "accessModes contains all ways the volume can be mounted."),
    column(
      "Reclaim Policy",
      "string",
      "persistentVolumeReclaimPolicy defines what happens to a persistent volume when released from its claim.",
    ),
    column(
      "Status",
      "string",
      "phase indicates if a volume is available, bound to a claim, or released by a claim.",
    ),
    column(
      "Claim",
      "string",
      "claimRef is part of a bi-directional binding between PersistentVolume and PersistentVolumeClaim.",
    ),
    storageClassColumn("pv"),
    attributesClassColumn("pv"),
    column(
      "Reason",
      "string",
      "reason is a brief CamelCase string that describes any failure and is meant for machine parsing and tidy display in the CLI.",
    ),
    ageColumn,
    volumeModeColumn,
  ],
  cells(pv, now) {
    const claim = pv.spec?.claimRef ? `${str(pv.spec.claimRef.namespace)}/${str(pv.spec.claimRef.name)}` : "";
    const phase = pv.metadata?.deletionTimestamp ? "Terminating" : str(pv.status?.phase);
    return [
      str(pv.metadata?.name),
      str(pv.spec?.capacity?.storage),
      accessModesString(pv.spec?.accessModes),
      str(pv.spec?.persistentVolumeReclaimPolicy),
      phase,
      claim,
      storageClassOf(pv),
      unset(pv.spec?.volumeAttributesClassName),
      str(pv.status?.reason),
      translateTimestampSince(pv.metadata?.creationTimestamp, now),
      unset(pv.spec?.volumeMode),
    ];
  },
};

export const persistentVolumeClaimPrinter: TablePrinter = {
  columns: [
    nameColumn,
    column("Status", "string", "phase represents the current phase of PersistentVolumeClaim."),
    column(
      "Volume",
      "string",
      "volumeName is the binding reference to the PersistentVolume backing this claim.",
    ),
    column("Capacity", "string", "capacity represents the actual resources of the underlying volume."),
    column(
      "Access Modes",
      "string",
      "accessModes contains the actual access modes the volume backing the PVC has.",
    ),
    storageClassColumn("pvc"),
    attributesClassColumn("pvc"),
    ageColumn,
    volumeModeColumn,
  ],
  cells(pvc, now) {
    const bound = Boolean(pvc.spec?.volumeName);
    const phase = pvc.metadata?.deletionTimestamp ? "Terminating" : str(pvc.status?.phase);
    return [
      str(pvc.metadata?.name),
      phase,
      str(pvc.spec?.volumeName),
      bound ? str(pvc.status?.capacity?.storage) : "",
      bound ? accessModesString(pvc.status?.accessModes) : "",
      storageClassOf(pvc),
      unset(pvc.spec?.volumeAttributesClassName),
      translateTimestampSince(pvc.metadata?.creationTimestamp, now),
      unset(pvc.spec?.volumeMode),
    ];
  },
};

export const defaultStorageClassAnnotation = "storageclass.kubernetes.io/is-default-class";

export const storageClassPrinter: TablePrinter = {
  columns: [
    nameColumn,
    column("Provisioner", "string", "provisioner indicates the type of the provisioner."),
    column(
      "ReclaimPolicy",
      "string",
      "reclaimPolicy controls the reclaimPolicy for dynamically provisioned PersistentVolumes of this storage class.",
    ),
    column(
      "VolumeBindingMode",
      "string",
      "volumeBindingMode indicates how PersistentVolumeClaims should be provisioned and bound.",
    ),
    column(
      "AllowVolumeExpansion",
      "string",
      "allowVolumeExpansion shows whether the storage class allow volume expand.",
    ),
    ageColumn,
  ],
  cells(sc, now) {
    const isDefault = ["true"].includes(sc.metadata?.annotations?.[defaultStorageClassAnnotation]);
    return [
      isDefault ? `${str(sc.metadata?.name)} (default)` : str(sc.metadata?.name),
      str(sc.provisioner),
      str(sc.reclaimPolicy ?? "Delete"),
      str(sc.volumeBindingMode ?? "Immediate"),
      sc.allowVolumeExpansion === true,
      translateTimestampSince(sc.metadata?.creationTimestamp, now),
    ];
  },
};
