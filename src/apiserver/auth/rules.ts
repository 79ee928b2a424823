// Policy rules as RBAC matches them (plugin/pkg/auth/authorizer/rbac: RuleAllows, VerbMatches,
// ResourceMatches, NonResourceURLMatches), shared by the RBAC and Node authorizers.
import type { UserInfo } from "../registry/strategy.ts";
import type { PolicyRule } from "./rbac-cache.ts";

export interface Attributes {
  user: UserInfo;
  verb: string;
  isResource: boolean;
  namespace: string;
  apiGroup: string;
  resource: string;
  subresource: string;
  name: string;
  /** For non-resource requests. */
  path: string;
  /** The `spec.nodeName=` a list or watch selects on, when it does. */
  fieldNodeName?: string;
}

export interface Decision {
  allowed: boolean;
  /** Why: the binding that allowed it, or the RBAC errors met (missing roles) on a refusal. */
  reason: string;
}

const has = (list: readonly string[] | undefined, v: string) =>
  !!list && (list.includes("*") || list.includes(v));

function resourceMatches(rule: PolicyRule, combined: string, subresource: string): boolean {
  for (const r of rule.resources ?? []) {
    if (r === "*" || r === combined) return true;
    if (subresource && r.length === subresource.length + 2 && r.startsWith("*/") && r.endsWith(subresource))
      return true;
  }
  return false;
}

function nonResourceMatches(rule: PolicyRule, path: string): boolean {
  for (const u of rule.nonResourceURLs ?? []) {
    if (u === "*" || u === path) return true;
    if (u.endsWith("*") && path.startsWith(u.slice(0, -1))) return true;
  }
  return false;
}

export function ruleAllows(a: Attributes, rule: PolicyRule): boolean {
  if (!has(rule.verbs, a.verb)) return false;
  if (!a.isResource) return nonResourceMatches(rule, a.path);
  const combined = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  if (!has(rule.apiGroups, a.apiGroup) || !resourceMatches(rule, combined, a.subresource)) return false;
  const names = rule.resourceNames ?? [];
  return names.length === 0 || names.includes(a.name);
}
