// pkg/apis/rbac/validation/validation.go: roles' rules, bindings' roleRef (immutable) and subjects.
import { invalid, notSupported, required, type FieldError } from "../../apimachinery/field-error.ts";
import { asArray, asMap, deepEqual, idx, str } from "./common.ts";
import { isDNS1123Subdomain, isValidPathSegmentName } from "./formats.ts";
import { validateObjectMetaUpdate } from "./object-meta.ts";
import { GoValue } from "./go-value.ts";

const GROUP = "rbac.authorization.k8s.io";

/** The internal RoleRef as %#v prints it, as upstream's message shows the new value. */
function goRoleRef(ref: Record<string, any>): GoValue {
  const q = (v: unknown) => JSON.stringify(str(v));
  return new GoValue(`rbac.RoleRef{APIGroup:${q(ref.apiGroup)}, Kind:${q(ref.kind)}, Name:${q(ref.name)}}`);
}

function validateRule(ruleIn: unknown, namespaced: boolean, path: string): FieldError[] {
  const rule = asMap(ruleIn);
  const errs: FieldError[] = [];
  if (asArray(rule.verbs).length === 0)
    errs.push(required(`${path}.verbs`, "verbs must contain at least one value"));
  const urls = asArray(rule.nonResourceURLs);
  if (urls.length > 0) {
    if (namespaced)
      errs.push(
        invalid(`${path}.nonResourceURLs`, urls, "namespaced rules cannot apply to non-resource URLs"),
      );
    if (
      asArray(rule.apiGroups).length ||
      asArray(rule.resources).length ||
      asArray(rule.resourceNames).length
    )
      errs.push(
        invalid(
          `${path}.nonResourceURLs`,
          urls,
          "rules cannot apply to both regular resources and non-resource URLs",
        ),
      );
    return errs;
  }
  if (asArray(rule.apiGroups).length === 0)
    errs.push(required(`${path}.apiGroups`, "resource rules must supply at least one api group"));
  if (asArray(rule.resources).length === 0)
    errs.push(required(`${path}.resources`, "resource rules must supply at least one resource"));
  return errs;
}

function validateRules(role: Record<string, any>, namespaced: boolean): FieldError[] {
  return asArray(role.rules).flatMap((r, i) => validateRule(r, namespaced, idx("rules", i)));
}

export const validateRole = (role: Record<string, any>) => validateRules(role, true);
export const validateClusterRole = (role: Record<string, any>) => validateRules(role, false);
export const validateRoleUpdate = (role: Record<string, any>, old: Record<string, any>) => [
  ...validateObjectMetaUpdate(role.metadata, old.metadata),
  ...validateRole(role),
];
export const validateClusterRoleUpdate = (role: Record<string, any>, old: Record<string, any>) => [
  ...validateObjectMetaUpdate(role.metadata, old.metadata),
  ...validateClusterRole(role),
];

function validateSubject(subjectIn: unknown, namespaced: boolean, path: string): FieldError[] {
  const s = asMap(subjectIn);
  const errs: FieldError[] = [];
  const name = str(s.name);
  if (!name) errs.push(required(`${path}.name`));
  switch (s.kind) {
    case "ServiceAccount":
      if (name) for (const msg of isDNS1123Subdomain(name)) errs.push(invalid(`${path}.name`, name, msg));
      if (str(s.apiGroup)) errs.push(notSupported(`${path}.apiGroup`, s.apiGroup, [""]));
      if (!namespaced && !str(s.namespace)) errs.push(required(`${path}.namespace`));
      break;
    case "User":
    case "Group":
      if (s.apiGroup !== GROUP) errs.push(notSupported(`${path}.apiGroup`, s.apiGroup ?? "", [GROUP]));
      break;
    default:
      errs.push(notSupported(`${path}.kind`, s.kind ?? "", ["ServiceAccount", "User", "Group"]));
  }
  return errs;
}

function validateBinding(b: Record<string, any>, namespaced: boolean): FieldError[] {
  const errs: FieldError[] = [];
  const ref = asMap(b.roleRef);
  if (ref.apiGroup !== GROUP) errs.push(notSupported("roleRef.apiGroup", ref.apiGroup ?? "", [GROUP]));
  const kinds = namespaced ? ["Role", "ClusterRole"] : ["ClusterRole"];
  if (!kinds.includes(ref.kind as string)) errs.push(notSupported("roleRef.kind", ref.kind ?? "", kinds));
  const name = str(ref.name);
  if (!name) errs.push(required("roleRef.name"));
  else for (const msg of isValidPathSegmentName(name)) errs.push(invalid("roleRef.name", name, msg));
  asArray(b.subjects).forEach((s, i) => errs.push(...validateSubject(s, namespaced, idx("subjects", i))));
  return errs;
}

function validateBindingUpdate(b: Record<string, any>, old: Record<string, any>, namespaced: boolean) {
  const errs = [...validateObjectMetaUpdate(b.metadata, old.metadata), ...validateBinding(b, namespaced)];
  if (!deepEqual(asMap(b.roleRef), asMap(old.roleRef)))
    errs.push(invalid("roleRef", goRoleRef(asMap(b.roleRef)), "cannot change roleRef"));
  return errs;
}

export const validateRoleBinding = (b: Record<string, any>) => validateBinding(b, true);
export const validateClusterRoleBinding = (b: Record<string, any>) => validateBinding(b, false);
export const validateRoleBindingUpdate = (b: Record<string, any>, old: Record<string, any>) =>
  validateBindingUpdate(b, old, true);
export const validateClusterRoleBindingUpdate = (b: Record<string, any>, old: Record<string, any>) =>
  validateBindingUpdate(b, old, false);
