// MutatingWebhookConfiguration and ValidatingWebhookConfiguration validation
// (pkg/apis/admissionregistration/validation), with matchConditions compiled as CEL.
import {
  duplicate,
  invalid,
  notSupported,
  required,
  type FieldError,
} from "../../apimachinery/field-error.ts";
import { expressionError, matchConditionVars } from "../../apiserver/cel/check/expression.ts";
import type { CelT } from "../../apiserver/cel/check/types.ts";
import { asArray, dnsSubdomain, idx, isObject, qualifiedName, str } from "./common.ts";
import { nameIsDNSSubdomain } from "./formats.ts";
import { validateLabelSelector } from "./label-selector.ts";
import { validateObjectMeta, validateObjectMetaUpdate } from "./object-meta.ts";

type Obj = Record<string, any>;

const OPERATIONS = ["*", "CONNECT", "CREATE", "DELETE", "UPDATE"];
const SIDE_EFFECTS = ["None", "NoneOnDryRun"];
const REVIEW_VERSIONS = ["v1", "v1beta1"];

export function validateRule(rule: Obj, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const ops = asArray(rule.operations);
  if (!ops.length) errs.push(required(`${path}.operations`, ""));
  if (ops.length > 1 && ops.includes("*"))
    errs.push(invalid(`${path}.operations`, ops, "if '*' is present, must not specify other operations"));
  ops.forEach((o, i) => {
    if (!OPERATIONS.includes(o)) errs.push(notSupported(idx(`${path}.operations`, i), o, OPERATIONS));
  });
  for (const f of ["apiGroups", "apiVersions"]) {
    const list = asArray(rule[f]);
    if (!list.length) errs.push(required(`${path}.${f}`, ""));
    if (list.length > 1 && list.includes("*"))
      errs.push(
        invalid(
          `${path}.${f}`,
          list,
          `if '*' is present, must not specify other ${f === "apiGroups" ? "API groups" : "API versions"}`,
        ),
      );
  }
  const resources = asArray(rule.resources);
  if (!resources.length) errs.push(required(`${path}.resources`, ""));
  resources.forEach((r, i) => {
    if (r === "") errs.push(required(idx(`${path}.resources`, i), ""));
    else if (str(r).split("/").length > 2)
      errs.push(invalid(idx(`${path}.resources`, i), r, "must be of the form resource/subresource"));
  });
  if (rule.scope != null && !["*", "Cluster", "Namespaced"].includes(rule.scope))
    errs.push(notSupported(`${path}.scope`, rule.scope, ["*", "Cluster", "Namespaced"]));
  return errs;
}

function validateClientConfig(cc: unknown, path: string): FieldError[] {
  if (!isObject(cc)) return [required(path, "exactly one of url or service is required")];
  const hasUrl = cc.url != null;
  const hasService = cc.service != null;
  if (hasUrl === hasService) return [required(path, "exactly one of url or service is required")];
  const errs: FieldError[] = [];
  if (hasUrl) {
    const u = str(cc.url);
    let parsed: URL | undefined;
    try {
      parsed = new URL(u);
    } catch {
      errs.push(invalid(`${path}.url`, u, "host must be specified"));
    }
    if (parsed) {
      if (parsed.protocol !== "https:")
        errs.push(invalid(`${path}.url`, u, "'https' is the only allowed URL scheme"));
      if (!parsed.hostname) errs.push(invalid(`${path}.url`, u, "host must be specified"));
      if (parsed.hash || u.includes("#")) errs.push(invalid(`${path}.url`, u, "fragments are not permitted"));
      if (parsed.search) errs.push(invalid(`${path}.url`, u, "query parameters are not permitted"));
      if (parsed.username || parsed.password)
        errs.push(invalid(`${path}.url`, u, "user information is not permitted in the URL"));
    }
  } else {
    const svc = cc.service as Obj;
    if (!svc.name) errs.push(required(`${path}.service.name`, "service name is required"));
    if (!svc.namespace) errs.push(required(`${path}.service.namespace`, "service namespace is required"));
    if (svc.path != null && !str(svc.path).startsWith("/"))
      errs.push(invalid(`${path}.service.path`, svc.path, "must start with a '/'"));
    if (svc.port != null && !(Number.isInteger(svc.port) && svc.port >= 1 && svc.port <= 65535))
      errs.push(
        invalid(
          `${path}.service.port`,
          svc.port,
          "port is not valid: must be between 1 and 65535, inclusive",
        ),
      );
  }
  return errs;
}

/** matchConditions of webhooks and admission policies: named, unique, at most 64, compiled. */
export function validateMatchConditions(
  conds: unknown[],
  path: string,
  vars: Record<string, CelT> = matchConditionVars,
): FieldError[] {
  const errs: FieldError[] = [];
  if (conds.length > 64)
    errs.push({
      type: "FieldValueTooMany",
      field: path,
      value: conds.length,
      detail: "must have at most 64 items",
    });
  const names = new Set<string>();
  conds.forEach((c, i) => {
    const p = idx(path, i);
    const cond = (isObject(c) ? c : {}) as Obj;
    const name = str(cond.name);
    if (!name) errs.push(required(`${p}.name`, ""));
    else {
      errs.push(...qualifiedName(name, `${p}.name`));
      if (names.has(name)) errs.push(duplicate(`${p}.name`, name));
      names.add(name);
    }
    const expr = str(cond.expression);
    if (!expr) errs.push(required(`${p}.expression`, ""));
    else {
      errs.push(...celExpressionErrors(expr, `${p}.expression`, vars, "bool"));
    }
  });
  return errs;
}

/** The expression's compile errors, worded as upstream's CEL compiler words them. */
export function celExpressionErrors(
  expr: string,
  path: string,
  vars: Record<string, CelT>,
  result?: "bool" | "string",
): FieldError[] {
  const e = expressionError(expr, vars, result);
  if (!e) return [];
  if (typeof e !== "string") return [invalid(path, expr, `must evaluate to ${result ?? "a value"}`)];
  return [invalid(path, expr, `compilation failed: ERROR: ${e}`)];
}

function validateWebhook(w: Obj, path: string, mutating: boolean): FieldError[] {
  const errs: FieldError[] = [];
  const name = str(w.name);
  if (!name) errs.push(required(`${path}.name`, ""));
  else {
    errs.push(...dnsSubdomain(name, `${path}.name`));
    if (name.split(".").length < 3)
      errs.push(
        invalid(`${path}.name`, name, "should be a domain with at least three segments separated by dots"),
      );
  }
  asArray(w.rules).forEach((r, i) =>
    errs.push(...validateRule(isObject(r) ? r : {}, idx(`${path}.rules`, i))),
  );
  if (w.failurePolicy != null && !["Fail", "Ignore"].includes(w.failurePolicy))
    errs.push(notSupported(`${path}.failurePolicy`, w.failurePolicy, ["Fail", "Ignore"]));
  if (w.matchPolicy != null && !["Equivalent", "Exact"].includes(w.matchPolicy))
    errs.push(notSupported(`${path}.matchPolicy`, w.matchPolicy, ["Equivalent", "Exact"]));
  if (w.sideEffects == null)
    errs.push(required(`${path}.sideEffects`, `must specify one of ${SIDE_EFFECTS.join(", ")}`));
  else if (!SIDE_EFFECTS.includes(w.sideEffects))
    errs.push(notSupported(`${path}.sideEffects`, w.sideEffects, SIDE_EFFECTS));
  if (w.timeoutSeconds != null && !(w.timeoutSeconds >= 1 && w.timeoutSeconds <= 30))
    errs.push(
      invalid(
        `${path}.timeoutSeconds`,
        w.timeoutSeconds,
        "the timeout value must be between 1 and 30 seconds",
      ),
    );
  const versions = asArray(w.admissionReviewVersions);
  if (!versions.length)
    errs.push(
      required(`${path}.admissionReviewVersions`, `must specify one of ${REVIEW_VERSIONS.join(", ")}`),
    );
  else if (!versions.some((v) => REVIEW_VERSIONS.includes(v)))
    errs.push(
      invalid(
        `${path}.admissionReviewVersions`,
        versions,
        `must include at least one of ${REVIEW_VERSIONS.join(", ")}`,
      ),
    );
  if (w.namespaceSelector != null)
    errs.push(...validateLabelSelector(w.namespaceSelector, `${path}.namespaceSelector`));
  if (w.objectSelector != null)
    errs.push(...validateLabelSelector(w.objectSelector, `${path}.objectSelector`));
  if (mutating && w.reinvocationPolicy != null && !["Never", "IfNeeded"].includes(w.reinvocationPolicy))
    errs.push(notSupported(`${path}.reinvocationPolicy`, w.reinvocationPolicy, ["IfNeeded", "Never"]));
  errs.push(...validateClientConfig(w.clientConfig, `${path}.clientConfig`));
  errs.push(...validateMatchConditions(asArray(w.matchConditions), `${path}.matchConditions`));
  return errs;
}

function validator(mutating: boolean) {
  return (cfg: Obj): FieldError[] => {
    const errs = validateObjectMeta(cfg.metadata, false, nameIsDNSSubdomain);
    const names = new Set<string>();
    asArray(cfg.webhooks).forEach((w, i) => {
      const path = idx("webhooks", i);
      const hook = (isObject(w) ? w : {}) as Obj;
      errs.push(...validateWebhook(hook, path, mutating));
      if (hook.name) {
        if (names.has(hook.name)) errs.push(duplicate(`${path}.name`, hook.name));
        names.add(hook.name);
      }
    });
    return errs;
  };
}

/** An update is validated as a create, with ObjectMeta's update rules for the metadata. */
export const updater = (create: (o: Obj) => FieldError[]) => (cfg: Obj, old: Obj) => [
  ...validateObjectMetaUpdate(cfg.metadata, old.metadata),
  ...create(cfg).filter((e) => !e.field.startsWith("metadata.")),
];

export const validateMutatingWebhookConfiguration = validator(true);
export const validateValidatingWebhookConfiguration = validator(false);
export const validateMutatingWebhookConfigurationUpdate = updater(validateMutatingWebhookConfiguration);
export const validateValidatingWebhookConfigurationUpdate = updater(validateValidatingWebhookConfiguration);
