import { duplicate, forbidden, invalid, required, type FieldError } from "../../apimachinery/field-error.ts";
import { asArray, asMap, dnsLabel, idx, isObject, str } from "./common.ts";

// Volume sources in upstream's checking order (core/validation validateVolumeSource).
const sourceKinds = [
  "emptyDir",
  "hostPath",
  "gitRepo",
  "gcePersistentDisk",
  "awsElasticBlockStore",
  "secret",
  "nfs",
  "iscsi",
  "glusterfs",
  "flocker",
  "persistentVolumeClaim",
  "rbd",
  "cinder",
  "cephfs",
  "quobyte",
  "downwardAPI",
  "fc",
  "flexVolume",
  "configMap",
  "azureFile",
  "vsphereVolume",
  "photonPersistentDisk",
  "portworxVolume",
  "azureDisk",
  "storageos",
  "projected",
  "scaleIO",
  "csi",
  "ephemeral",
  "image",
];

const fileModeErrorMsg = "must be a number between 0 and 0777 (octal), both inclusive";

function validateMode(mode: unknown, path: string): FieldError[] {
  return typeof mode === "number" && (mode > 0o777 || mode < 0)
    ? [invalid(path, mode, fileModeErrorMsg)]
    : [];
}

function validateKeyToPaths(items: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  asArray(items).forEach((item, i) => {
    const kp = asMap(item);
    const p = idx(path, i);
    if (!str(kp.key)) errs.push(required(`${p}.key`, ""));
    if (!str(kp.path)) errs.push(required(`${p}.path`, ""));
    errs.push(...localNonReservedPath(str(kp.path), `${p}.path`));
    errs.push(...validateMode(kp.mode, `${p}.mode`));
  });
  return errs;
}

// core/validation validateLocalDescendingPath + ValidateLocalNonReservedPath
export function localDescendingPath(target: string, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (target.startsWith("/")) errs.push(invalid(path, target, "must be a relative path"));
  if (target.split("/").includes("..")) errs.push(invalid(path, target, "must not contain '..'"));
  return errs;
}

function localNonReservedPath(target: string, path: string): FieldError[] {
  const errs = localDescendingPath(target, path);
  if (target.startsWith("..")) errs.push(invalid(path, target, "must not start with '..'"));
  return errs;
}

function validateSource(kind: string, src: Record<string, any>, path: string): FieldError[] {
  const errs: FieldError[] = [];
  switch (kind) {
    case "hostPath":
      if (!str(src.path)) errs.push(required(`${path}.path`, ""));
      else if (src.path.split("/").includes(".."))
        errs.push(invalid(`${path}.path`, src.path, "must not contain '..'"));
      break;
    case "secret":
      if (!str(src.secretName)) errs.push(required(`${path}.secretName`, ""));
      errs.push(...validateMode(src.defaultMode, `${path}.defaultMode`));
      errs.push(...validateKeyToPaths(src.items, `${path}.items`));
      break;
    case "configMap":
      if (!str(src.name)) errs.push(required(`${path}.name`, ""));
      errs.push(...validateMode(src.defaultMode, `${path}.defaultMode`));
      errs.push(...validateKeyToPaths(src.items, `${path}.items`));
      break;
    case "persistentVolumeClaim":
      if (!str(src.claimName)) errs.push(required(`${path}.claimName`, ""));
      break;
    case "nfs":
      if (!str(src.server)) errs.push(required(`${path}.server`, ""));
      if (!str(src.path)) errs.push(required(`${path}.path`, ""));
      if (!str(src.path).startsWith("/"))
        errs.push(invalid(`${path}.path`, str(src.path), "must be an absolute path"));
      break;
    case "downwardAPI":
    case "projected":
      errs.push(...validateMode(src.defaultMode, `${path}.defaultMode`));
      break;
  }
  return errs;
}

/** ValidateVolumes: returns the names of the volumes that validated, for volumeMount checks. */
export function validateVolumes(volumes: unknown, path: string): { names: Set<string>; errs: FieldError[] } {
  const errs: FieldError[] = [];
  const names = new Set<string>();
  asArray(volumes).forEach((vol, i) => {
    const v = asMap(vol);
    const p = idx(path, i);
    const el: FieldError[] = [];
    let count = 0;
    for (const kind of sourceKinds) {
      if (!isObject(v[kind])) continue;
      if (count > 0) {
        el.push(forbidden(`${p}.${kind}`, "may not specify more than 1 volume type"));
        continue;
      }
      count++;
      el.push(...validateSource(kind, v[kind], `${p}.${kind}`));
    }
    if (count === 0) el.push(required(p, "must specify a volume type"));
    const name = str(v.name);
    if (!name) el.push(required(`${p}.name`, ""));
    else el.push(...dnsLabel(name, `${p}.name`));
    if (names.has(name)) el.push(duplicate(`${p}.name`, name));
    if (el.length === 0) names.add(name);
    else errs.push(...el);
  });
  return { names, errs };
}
