// PersistentVolumeClaim, PersistentVolume and StorageClass validation
// (pkg/apis/core/validation ValidatePersistentVolume(Claim)*, pkg/apis/storage/validation).
import {
  forbidden,
  invalid,
  notSupported,
  required,
  tooLong,
  type FieldError,
} from "../../apimachinery/field-error.ts";
import {
  asArray,
  asMap,
  dnsSubdomain,
  fieldImmutableErrorMsg,
  deepEqual,
  isObject,
  key,
  qualifiedName,
  str,
} from "./common.ts";
import { nameIsDNSSubdomain } from "./formats.ts";
import { validateObjectMeta, validateObjectMetaUpdate } from "./object-meta.ts";
import { quantityValue } from "./quantity.ts";

const accessModes = ["ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod"];
const volumeModes = ["Block", "Filesystem"];

function validateAccessModes(modes: unknown, path: string): FieldError[] {
  const list = asArray(modes);
  if (!list.length) return [required(path, "at least 1 access mode is required")];
  const errs: FieldError[] = [];
  for (const m of list) if (!accessModes.includes(m)) errs.push(notSupported(path, m, accessModes));
  if (list.includes("ReadWriteOncePod") && list.length > 1)
    errs.push(forbidden(path, "may not use ReadWriteOncePod with other access modes"));
  return errs;
}

function validateStorageQuantity(q: unknown, path: string): FieldError[] {
  if (q === undefined || q === null) return [required(path, "")];
  const v = quantityValue(q);
  if (!(v > 0)) return [invalid(path, String(q), "must be greater than zero")];
  return [];
}

/** ValidatePersistentVolumeClaimSpec. */
export function validatePersistentVolumeClaimSpec(specIn: unknown, path: string): FieldError[] {
  const spec = asMap(specIn);
  const errs = validateAccessModes(spec.accessModes, `${path}.accessModes`);
  const requests = asMap(asMap(spec.resources).requests);
  errs.push(...validateStorageQuantity(requests.storage, key(`${path}.resources`, "storage")));
  if (spec.volumeMode != null && !volumeModes.includes(spec.volumeMode))
    errs.push(notSupported(`${path}.volumeMode`, spec.volumeMode, volumeModes));
  if (typeof spec.storageClassName === "string" && spec.storageClassName !== "")
    errs.push(...dnsSubdomain(spec.storageClassName, `${path}.storageClassName`));
  return errs;
}

export function validatePersistentVolumeClaim(pvc: Record<string, any>): FieldError[] {
  return [
    ...validateObjectMeta(pvc.metadata, true, nameIsDNSSubdomain),
    ...validatePersistentVolumeClaimSpec(pvc.spec, "spec"),
  ];
}

export function validatePersistentVolumeClaimUpdate(
  pvc: Record<string, any>,
  old: Record<string, any>,
): FieldError[] {
  const errs = [
    ...validateObjectMetaUpdate(pvc.metadata, old.metadata),
    ...validatePersistentVolumeClaimSpec(pvc.spec, "spec"),
  ];
  const spec = structuredClone(asMap(pvc.spec));
  const oldSpec = asMap(old.spec);
  // A bound claim may grow (and change its attributes class); everything else is fixed.
  const bound = asMap(old.status).phase === "Bound";
  if (bound) {
    spec.resources = structuredClone(oldSpec.resources);
    spec.volumeAttributesClassName = oldSpec.volumeAttributesClassName;
  }
  // The binder fills in volumeName and a class once; those writes are not user edits.
  if (!oldSpec.volumeName && spec.volumeName) spec.volumeName = oldSpec.volumeName;
  if (oldSpec.storageClassName == null && spec.storageClassName != null)
    spec.storageClassName = oldSpec.storageClassName;
  if (!deepEqual(stripUndefined(spec), stripUndefined(oldSpec)))
    errs.push(
      forbidden(
        "spec",
        "spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims",
      ),
    );
  if (bound) {
    const now = quantityValue(asMap(asMap(pvc.spec).resources).requests?.storage);
    const capacity = quantityValue(asMap(asMap(old.status).capacity).storage);
    if (now < capacity)
      errs.push(forbidden("spec.resources.requests.storage", "field can not be less than status.capacity"));
  }
  return errs;
}

function stripUndefined(v: Record<string, any>): Record<string, any> {
  return JSON.parse(JSON.stringify(v)) as Record<string, any>;
}

export function validatePersistentVolumeClaimStatusUpdate(
  pvc: Record<string, any>,
  old: Record<string, any>,
): FieldError[] {
  return validateObjectMetaUpdate(pvc.metadata, old.metadata);
}

// The volume sources a PersistentVolume may have (one of them).
const pvSources = [
  "hostPath",
  "local",
  "nfs",
  "csi",
  "iscsi",
  "fc",
  "cephfs",
  "rbd",
  "glusterfs",
  "awsElasticBlockStore",
  "gcePersistentDisk",
  "azureDisk",
  "azureFile",
  "cinder",
  "flexVolume",
  "flocker",
  "photonPersistentDisk",
  "portworxVolume",
  "quobyte",
  "scaleIO",
  "storageos",
  "vsphereVolume",
];

const reclaimPolicies = ["Delete", "Recycle", "Retain"];

export function validatePersistentVolume(pv: Record<string, any>): FieldError[] {
  const spec = asMap(pv.spec);
  const errs = [
    ...validateObjectMeta(pv.metadata, false, nameIsDNSSubdomain),
    ...validateAccessModes(spec.accessModes, "spec.accessModes"),
  ];
  const capacity = asMap(spec.capacity);
  if (!Object.keys(capacity).length) errs.push(required("spec.capacity", ""));
  else errs.push(...validateStorageQuantity(capacity.storage, key("spec.capacity", "storage")));
  if (
    spec.persistentVolumeReclaimPolicy != null &&
    !reclaimPolicies.includes(spec.persistentVolumeReclaimPolicy)
  )
    errs.push(
      notSupported("spec.persistentVolumeReclaimPolicy", spec.persistentVolumeReclaimPolicy, reclaimPolicies),
    );
  if (typeof spec.storageClassName === "string" && spec.storageClassName !== "")
    errs.push(...dnsSubdomain(spec.storageClassName, "spec.storageClassName"));
  if (spec.volumeMode != null && !volumeModes.includes(spec.volumeMode))
    errs.push(notSupported("spec.volumeMode", spec.volumeMode, volumeModes));
  const present = pvSources.filter((s) => isObject(spec[s]));
  if (!present.length) errs.push(required("spec", "must specify a volume type"));
  for (const extra of present.slice(1))
    errs.push(forbidden(`spec.${extra}`, "may not specify more than 1 volume type"));
  if (present[0] === "hostPath" || present[0] === "local") {
    const p = str(asMap(spec[present[0]]).path);
    if (!p) errs.push(required(`spec.${present[0]}.path`, ""));
    else if (p.split("/").includes(".."))
      errs.push(invalid(`spec.${present[0]}.path`, p, "must not contain '..'"));
  }
  if (present[0] === "local" && !isObject(spec.nodeAffinity))
    errs.push(required("spec.nodeAffinity", "Local volume requires node affinity"));
  const claimRef = spec.claimRef;
  if (isObject(claimRef) && !str(claimRef.name)) errs.push(required("spec.claimRef.name", ""));
  return errs;
}

export function validatePersistentVolumeUpdate(
  pv: Record<string, any>,
  old: Record<string, any>,
): FieldError[] {
  const errs = [
    ...validateObjectMetaUpdate(pv.metadata, old.metadata),
    ...validatePersistentVolume(pv).filter((e) => !e.field.startsWith("metadata")),
  ];
  const source = (o: Record<string, any>) => pvSources.map((s) => asMap(o.spec)[s]);
  if (!deepEqual(source(pv), source(old)))
    errs.push(
      forbidden(
        "spec.persistentvolumesource",
        "spec.persistentvolumesource is forbidden once the volume is created",
      ),
    );
  if (asMap(old.spec).volumeMode !== asMap(pv.spec).volumeMode)
    errs.push(invalid("spec.volumeMode", asMap(pv.spec).volumeMode, fieldImmutableErrorMsg));
  if (
    isObject(asMap(old.spec).nodeAffinity) &&
    !deepEqual(asMap(old.spec).nodeAffinity, asMap(pv.spec).nodeAffinity)
  )
    errs.push(invalid("spec.nodeAffinity", asMap(pv.spec).nodeAffinity, fieldImmutableErrorMsg));
  return errs;
}

export function validatePersistentVolumeStatusUpdate(
  pv: Record<string, any>,
  old: Record<string, any>,
): FieldError[] {
  return validateObjectMetaUpdate(pv.metadata, old.metadata);
}

const bindingModes = ["Immediate", "WaitForFirstConsumer"];

export function validateStorageClass(sc: Record<string, any>): FieldError[] {
  const errs = validateObjectMeta(sc.metadata, false, nameIsDNSSubdomain);
  if (!str(sc.provisioner)) errs.push(required("provisioner", ""));
  else if (sc.provisioner.length > 63) errs.push(tooLong("provisioner", sc.provisioner, 63));
  // validateProvisioner: a qualified name, compared in lower case.
  else errs.push(...qualifiedName(sc.provisioner.toLowerCase(), "provisioner"));
  const params = asMap(sc.parameters);
  if (Object.keys(params).length > 512)
    errs.push(invalid("parameters", `${Object.keys(params).length}`, "must have at most 512 parameters"));
  for (const k of Object.keys(params))
    if (!k) errs.push(invalid("parameters", k, "key must be a non-empty string"));
  if (sc.reclaimPolicy != null && !["Delete", "Retain"].includes(sc.reclaimPolicy))
    errs.push(notSupported("reclaimPolicy", sc.reclaimPolicy, ["Delete", "Retain"]));
  if (sc.volumeBindingMode == null) errs.push(required("volumeBindingMode", ""));
  else if (!bindingModes.includes(sc.volumeBindingMode))
    errs.push(notSupported("volumeBindingMode", sc.volumeBindingMode, bindingModes));
  return errs;
}

export function validateStorageClassUpdate(sc: Record<string, any>, old: Record<string, any>): FieldError[] {
  const errs = [
    ...validateObjectMetaUpdate(sc.metadata, old.metadata),
    ...validateStorageClass(sc).filter((e) => !e.field.startsWith("metadata")),
  ];
  if (!deepEqual(sc.parameters ?? {}, old.parameters ?? {}))
    errs.push(forbidden("parameters", "updates to parameters are forbidden."));
  if (sc.provisioner !== old.provisioner)
    errs.push(forbidden("provisioner", "updates to provisioner are forbidden."));
  if (sc.reclaimPolicy !== old.reclaimPolicy)
    errs.push(forbidden("reclaimPolicy", "updates to reclaimPolicy are forbidden."));
  if (sc.volumeBindingMode !== old.volumeBindingMode)
    errs.push(invalid("volumeBindingMode", sc.volumeBindingMode, fieldImmutableErrorMsg));
  return errs;
}
