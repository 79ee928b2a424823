// ValidatingAdmissionPolicy and its bindings (pkg/apis/admissionregistration/validation): their
// shape, and every CEL expression compiled when the object is written.
import {
  invalid,
  notSupported,
  required,
  forbidden,
  duplicate,
  tooLong,
  type FieldError,
} from "../../apimachinery/field-error.ts";
import { policyVars } from "../../apiserver/cel/check/expression.ts";
import type { CelT } from "../../apiserver/cel/check/types.ts";
import { asArray, idx, isObject, str } from "./common.ts";
import { isQualifiedName, nameIsDNSSubdomain } from "./formats.ts";
import { validateLabelSelector } from "./label-selector.ts";
import { validateObjectMeta } from "./object-meta.ts";
import {
  celExpressionErrors,
  updater,
  validateMatchConditions,
  validateRule,
} from "./admissionregistration.ts";

type Obj = Record<string, any>;

function compiled(
  expr: unknown,
  path: string,
  vars: Record<string, CelT>,
  result?: "bool" | "string",
): FieldError[] {
  const text = str(expr);
  if (!text) return [required(path, "")];
  return celExpressionErrors(text, path, vars, result);
}

function validateMatchResources(m: unknown, path: string, requireRules: boolean): FieldError[] {
  if (!isObject(m)) return requireRules ? [required(path, "")] : [];
  const errs: FieldError[] = [];
  const rules = asArray(m.resourceRules);
  if (requireRules && !rules.length) errs.push(required(`${path}.resourceRules`, ""));
  rules.forEach((r, i) => errs.push(...validateRule(isObject(r) ? r : {}, idx(`${path}.resourceRules`, i))));
  asArray(m.excludeResourceRules).forEach((r, i) =>
    errs.push(...validateRule(isObject(r) ? r : {}, idx(`${path}.excludeResourceRules`, i))),
  );
  if (m.matchPolicy != null && !["Equivalent", "Exact"].includes(m.matchPolicy))
    errs.push(notSupported(`${path}.matchPolicy`, m.matchPolicy, ["Equivalent", "Exact"]));
  if (m.namespaceSelector != null)
    errs.push(...validateLabelSelector(m.namespaceSelector, `${path}.namespaceSelector`));
  if (m.objectSelector != null)
    errs.push(...validateLabelSelector(m.objectSelector, `${path}.objectSelector`));
  return errs;
}

const REASONS = ["Forbidden", "Invalid", "RequestEntityTooLarge", "Unauthorized"];

export function validateValidatingAdmissionPolicy(p: Obj): FieldError[] {
  const errs = validateObjectMeta(p.metadata, false, nameIsDNSSubdomain);
  const spec = (isObject(p.spec) ? p.spec : {}) as Obj;
  if (spec.paramKind != null) {
    if (!spec.paramKind.apiVersion) errs.push(required("spec.paramKind.apiVersion", ""));
    if (!spec.paramKind.kind) errs.push(required("spec.paramKind.kind", ""));
  }
  errs.push(...validateMatchResources(spec.matchConstraints, "spec.matchConstraints", true));
  const validations = asArray(spec.validations);
  const audits = asArray(spec.auditAnnotations);
  if (!validations.length && !audits.length)
    errs.push(required("spec.validations", "validations or auditAnnotations must contain at least one item"));
  if (spec.failurePolicy != null && !["Fail", "Ignore"].includes(spec.failurePolicy))
    errs.push(notSupported("spec.failurePolicy", spec.failurePolicy, ["Fail", "Ignore"]));
  const vars = policyVars(
    asArray(spec.variables)
      .map((v) => str(v?.name))
      .filter(Boolean),
  );
  errs.push(...validateMatchConditions(asArray(spec.matchConditions), "spec.matchConditions", vars));
  asArray(spec.variables).forEach((v, i) => {
    const p2 = idx("spec.variables", i);
    if (!str(v?.name)) errs.push(required(`${p2}.name`, ""));
    else if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(v.name))
      errs.push(invalid(`${p2}.name`, v.name, "name is not a valid CEL identifier"));
    errs.push(...compiled(v?.expression, `${p2}.expression`, vars));
  });
  validations.forEach((v, i) => {
    const p2 = idx("spec.validations", i);
    errs.push(...compiled(v?.expression, `${p2}.expression`, vars, "bool"));
    if (v?.messageExpression != null)
      errs.push(...compiled(v.messageExpression, `${p2}.messageExpression`, vars, "string"));
    if (v?.message != null && (str(v.message).trim() === "" || /\n/.test(v.message)))
      errs.push(
        invalid(`${p2}.message`, v.message, "message must be non-empty and may not contain line breaks"),
      );
    if (v?.reason != null && !REASONS.includes(v.reason))
      errs.push(notSupported(`${p2}.reason`, v.reason, REASONS));
  });
  const keys = new Set<string>();
  const policyName = str(p.metadata?.name);
  audits.forEach((a, i) => {
    const p2 = idx("spec.auditAnnotations", i);
    const key = str(a?.key);
    // The annotation is `<policy name>/<key>`: that must be a qualified name.
    if (!policyName) errs.push(invalid(`${p2}.key`, key, "requires metadata.name be non-empty"));
    else
      for (const m of isQualifiedName(`${policyName}/${key}`))
        errs.push(invalid(`${p2}.key`, `${policyName}/${key}`, m));
    if (keys.has(key)) errs.push(duplicate(`${p2}.key`, key));
    keys.add(key);
    const value = str(a?.valueExpression).trim();
    if (!value) errs.push(required(`${p2}.valueExpression`, "valueExpression is not specified"));
    else if (value.length > 5 * 1024) errs.push(tooLong(`${p2}.valueExpression`, "", 5 * 1024));
    else errs.push(...compiled(a?.valueExpression, `${p2}.valueExpression`, vars));
  });
  return errs;
}

const ACTIONS = ["Audit", "Deny", "Warn"];

export function validateValidatingAdmissionPolicyBinding(b: Obj): FieldError[] {
  const errs = validateObjectMeta(b.metadata, false, nameIsDNSSubdomain);
  const spec = (isObject(b.spec) ? b.spec : {}) as Obj;
  if (!str(spec.policyName)) errs.push(required("spec.policyName", ""));
  const ref = spec.paramRef;
  if (isObject(ref)) {
    if (ref.name && ref.selector)
      errs.push(forbidden("spec.paramRef.name", "name and selector are mutually exclusive"));
    if (!ref.name && !ref.selector)
      errs.push(required("spec.paramRef", "one of name or selector must be specified"));
    if (ref.selector) errs.push(...validateLabelSelector(ref.selector, "spec.paramRef.selector"));
    if (ref.parameterNotFoundAction != null && !["Allow", "Deny"].includes(ref.parameterNotFoundAction))
      errs.push(
        notSupported("spec.paramRef.parameterNotFoundAction", ref.parameterNotFoundAction, ["Allow", "Deny"]),
      );
  }
  errs.push(...validateMatchResources(spec.matchResources, "spec.matchResources", false));
  const actions = asArray(spec.validationActions);
  if (!actions.length)
    errs.push(required("spec.validationActions", "at least one validation action is required"));
  const seen = new Set<string>();
  actions.forEach((a, i) => {
    if (!ACTIONS.includes(a)) errs.push(notSupported(idx("spec.validationActions", i), a, ACTIONS));
    if (seen.has(a)) errs.push(duplicate(idx("spec.validationActions", i), a));
    seen.add(a);
  });
  if (seen.has("Deny") && seen.has("Warn"))
    errs.push(
      invalid(
        "spec.validationActions",
        actions,
        "must not contain both Deny and Warn (repeating the same validation failure information in the API response and headers serves no purpose)",
      ),
    );
  return errs;
}

export const validateValidatingAdmissionPolicyUpdate = updater(validateValidatingAdmissionPolicy);
export const validateValidatingAdmissionPolicyBindingUpdate = updater(
  validateValidatingAdmissionPolicyBinding,
);
