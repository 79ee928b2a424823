// Core kinds whose validation is mostly their metadata: Namespace, ConfigMap, Secret,
// ServiceAccount, Node (core/validation/validation.go).
import {
  duplicate,
  forbidden,
  invalid,
  required,
  tooLong,
  type FieldError,
} from "../../apimachinery/field-error.ts";
import { asArray, asMap, deepEqual, fieldImmutableErrorMsg, idx, key, qualifiedName, str } from "./common.ts";
import { isConfigMapKey, isValidLabelValue, nameIsDNSLabel, nameIsDNSSubdomain } from "./formats.ts";
import { GoValue } from "./go-value.ts";
import { validateObjectMeta, validateObjectMetaUpdate } from "./object-meta.ts";
import { validateTaintEffect } from "./tolerations.ts";

const maxSecretSize = 1024 * 1024;
const standardFinalizers = new Set(["kubernetes", "orphan", "foregroundDeletion"]);

// ---- Namespace

function finalizerName(value: string, path: string): FieldError[] {
  const errs = qualifiedName(value, path);
  if (!value.includes("/") && !standardFinalizers.has(value))
    errs.push(invalid(path, value, "name is neither a standard finalizer name nor is it fully qualified"));
  return errs;
}

export function validateNamespace(ns: Record<string, any>): FieldError[] {
  const errs = validateObjectMeta(ns.metadata, false, nameIsDNSLabel);
  for (const f of asArray(asMap(ns.spec).finalizers))
    errs.push(...finalizerName(String(f), "spec.finalizers"));
  return errs;
}

export function validateNamespaceUpdate(ns: Record<string, any>, old: Record<string, any>): FieldError[] {
  return validateObjectMetaUpdate(ns.metadata, old.metadata);
}

export function validateNamespaceStatusUpdate(
  ns: Record<string, any>,
  old: Record<string, any>,
): FieldError[] {
  const errs = validateObjectMetaUpdate(ns.metadata, old.metadata);
  const phase = str(asMap(ns.status).phase);
  if (!asMap(ns.metadata).deletionTimestamp) {
    if (phase !== "Active")
      errs.push(invalid("status.Phase", phase, "may only be 'Active' if `deletionTimestamp` is empty"));
  } else if (phase !== "Terminating") {
    errs.push(
      invalid("status.Phase", phase, "may only be 'Terminating' if `deletionTimestamp` is not empty"),
    );
  }
  return errs;
}

export function validateNamespaceFinalizeUpdate(
  ns: Record<string, any>,
  old: Record<string, any>,
): FieldError[] {
  const errs = validateObjectMetaUpdate(ns.metadata, old.metadata);
  asArray(asMap(ns.spec).finalizers).forEach((f, i) =>
    errs.push(...finalizerName(String(f), idx("spec.finalizers", i))),
  );
  return errs;
}

// ---- ConfigMap

export function validateConfigMap(cm: Record<string, any>): FieldError[] {
  const errs = validateObjectMeta(cm.metadata, true, nameIsDNSSubdomain);
  const data = asMap(cm.data);
  const binary = asMap(cm.binaryData);
  let total = 0;
  for (const [k, v] of Object.entries(data)) {
    for (const m of isConfigMapKey(k)) errs.push(invalid(key("data", k), k, m));
    if (Object.hasOwn(binary, k))
      errs.push(invalid(key("data", k), k, "duplicate of key present in binaryData"));
    total += Buffer.byteLength(String(v));
  }
  for (const [k, v] of Object.entries(binary)) {
    for (const m of isConfigMapKey(k)) errs.push(invalid(key("binaryData", k), k, m));
    total += Buffer.from(String(v), "base64").length;
  }
  // Upstream reports the whole object with an empty path.
  if (total > maxSecretSize) errs.push(tooLong("", "", maxSecretSize));
  return errs;
}

function immutableData(obj: Record<string, any>, old: Record<string, any>, fields: string[]): FieldError[] {
  if (old.immutable !== true) return [];
  const errs: FieldError[] = [];
  if (obj.immutable !== true) errs.push(forbidden("immutable", "field is immutable when `immutable` is set"));
  for (const f of fields)
    if (!deepEqual(obj[f] ?? null, old[f] ?? null))
      errs.push(forbidden(f, "field is immutable when `immutable` is set"));
  return errs;
}

export function validateConfigMapUpdate(cm: Record<string, any>, old: Record<string, any>): FieldError[] {
  return [
    ...validateObjectMetaUpdate(cm.metadata, old.metadata),
    ...immutableData(cm, old, ["data", "binaryData"]),
    ...validateConfigMap(cm),
  ];
}

// ---- Secret

export function validateSecret(secret: Record<string, any>): FieldError[] {
  const errs = validateObjectMeta(secret.metadata, true, nameIsDNSSubdomain);
  const data = asMap(secret.data);
  let total = 0;
  for (const [k, v] of Object.entries(data)) {
    for (const m of isConfigMapKey(k)) errs.push(invalid(key("data", k), k, m));
    total += Buffer.from(String(v), "base64").length;
  }
  if (total > maxSecretSize) errs.push(tooLong("data", "", maxSecretSize));
  const redacted = "<secret contents redacted>";
  const jsonKey = (k: string) => {
    if (!Object.hasOwn(data, k)) return errs.push(required(key("data", k), ""));
    try {
      JSON.parse(Buffer.from(String(data[k]), "base64").toString("utf8"));
    } catch (e) {
      errs.push(invalid(key("data", k), redacted, (e as Error).message));
    }
  };
  switch (secret.type) {
    case "kubernetes.io/service-account-token":
      if (!str(asMap(asMap(secret.metadata).annotations)["kubernetes.io/service-account.name"]))
        errs.push(required(key("metadata.annotations", "kubernetes.io/service-account.name"), ""));
      break;
    case "kubernetes.io/dockercfg":
      jsonKey(".dockercfg");
      break;
    case "kubernetes.io/dockerconfigjson":
      jsonKey(".dockerconfigjson");
      break;
    case "kubernetes.io/basic-auth":
      if (!Object.hasOwn(data, "username") && !Object.hasOwn(data, "password")) {
        errs.push(required(key("data", "username"), ""));
        errs.push(required(key("data", "password"), ""));
      }
      break;
    case "kubernetes.io/ssh-auth":
      if (!str(data["ssh-privatekey"])) errs.push(required(key("data", "ssh-privatekey"), ""));
      break;
    case "kubernetes.io/tls":
      if (!Object.hasOwn(data, "tls.crt")) errs.push(required(key("data", "tls.crt"), ""));
      if (!Object.hasOwn(data, "tls.key")) errs.push(required(key("data", "tls.key"), ""));
      break;
  }
  return errs;
}

export function validateSecretUpdate(secret: Record<string, any>, old: Record<string, any>): FieldError[] {
  const errs = validateObjectMetaUpdate(secret.metadata, old.metadata);
  if ((secret.type ?? "") !== (old.type ?? ""))
    errs.push(invalid("type", str(secret.type), fieldImmutableErrorMsg));
  errs.push(...immutableData(secret, old, ["data"]));
  errs.push(...validateSecret(secret));
  return errs;
}

// ---- ServiceAccount

export function validateServiceAccount(sa: Record<string, any>): FieldError[] {
  return validateObjectMeta(sa.metadata, true, nameIsDNSSubdomain);
}

export function validateServiceAccountUpdate(
  sa: Record<string, any>,
  old: Record<string, any>,
): FieldError[] {
  return [...validateObjectMetaUpdate(sa.metadata, old.metadata), ...validateServiceAccount(sa)];
}

// ---- Node

// core/validation validateNodeTaints; ValidateNode passes the *metadata* path, so errors read "metadata.taints[0]...".
function validateNodeTaints(taints: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Map<string, Set<string>>();
  asArray(taints).forEach((t, i) => {
    const taint = asMap(t);
    const p = idx(path, i);
    const k = str(taint.key);
    const effect = str(taint.effect);
    errs.push(...qualifiedName(k, `${p}.key`));
    const valueErrs = isValidLabelValue(str(taint.value));
    if (valueErrs.length) errs.push(invalid(`${p}.value`, str(taint.value), valueErrs.join(";")));
    errs.push(...validateTaintEffect(effect, false, `${p}.effect`));
    const keys = seen.get(effect) ?? new Set<string>();
    if (keys.has(k)) {
      errs.push({ ...duplicate(p, goTaint(taint)), detail: "taints must be unique by key and effect pair" });
      return;
    }
    keys.add(k);
    seen.set(effect, keys);
  });
  return errs;
}

function goTaint(t: Record<string, any>): GoValue {
  return new GoValue(
    `core.Taint{Key:${JSON.stringify(str(t.key))}, Value:${JSON.stringify(str(t.value))}, Effect:${JSON.stringify(str(t.effect))}, TimeAdded:<nil>}`,
  );
}

export function validateNode(node: Record<string, any>): FieldError[] {
  return [
    ...validateObjectMeta(node.metadata, false, nameIsDNSSubdomain),
    ...validateNodeTaints(asMap(node.spec).taints, "metadata.taints"),
  ];
}

export function validateNodeUpdate(node: Record<string, any>, old: Record<string, any>): FieldError[] {
  const spec = asMap(node.spec);
  const oldSpec = asMap(old.spec);
  const errs = validateObjectMetaUpdate(node.metadata, old.metadata);
  const addresses = new Set<string>();
  asArray(asMap(node.status).addresses).forEach((a, i) => {
    const k = JSON.stringify([asMap(a).type, asMap(a).address]);
    if (addresses.has(k)) errs.push(duplicate(idx("status.addresses", i), a));
    addresses.add(k);
  });
  const oldCidrs = asArray(oldSpec.podCIDRs);
  if (oldCidrs.length > 0 && !deepEqual(oldCidrs, asArray(spec.podCIDRs)))
    errs.push(forbidden("spec.podCIDRs", 'node updates may not change podCIDR except from "" to valid'));
  if (str(oldSpec.providerID) && oldSpec.providerID !== spec.providerID)
    errs.push(forbidden("spec.providerID", 'node updates may not change providerID except from "" to valid'));
  errs.push(...validateNodeTaints(spec.taints, "metadata.taints"));
  if ((spec.externalID ?? "") !== (oldSpec.externalID ?? ""))
    errs.push(forbidden("spec.externalID", "may not be updated"));
  return errs;
}
