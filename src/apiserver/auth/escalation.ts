// The privilege-escalation guard of the RBAC registry (pkg/registry/rbac): a role may only grant
// what its author holds, and a binding only bind a role whose rights its author holds, unless
// they may `escalate` (roles) or `bind` (the role named) or are system:masters.
import type { KObject } from "../../apimachinery/meta.ts";
import { StatusError } from "../../apimachinery/status-error.ts";
import type { UserInfo } from "../registry/strategy.ts";
import type { Attributes, Authorizer } from "./authorizer.ts";
import type { PolicyRule, RbacCache } from "./rbac-cache.ts";

const GROUP = "rbac.authorization.k8s.io";
const has = (list: readonly string[] | undefined, v: string) =>
  !!list && (list.includes("*") || list.includes(v));

interface Atomic {
  group?: string;
  resource?: string;
  name?: string;
  url?: string;
  verb: string;
}

// rbacv1helpers.BreakdownRule: one verb of one resource of one group (and one name) each.
function breakdown(rule: PolicyRule): Atomic[] {
  const out: Atomic[] = [];
  const verbs = rule.verbs ?? [];
  for (const group of rule.apiGroups ?? [])
    for (const resource of rule.resources ?? [])
      for (const verb of verbs) {
        const names = rule.resourceNames?.length ? rule.resourceNames : [undefined];
        for (const name of names) out.push({ group, resource, name, verb });
      }
  for (const url of rule.nonResourceURLs ?? []) for (const verb of verbs) out.push({ url, verb });
  return out;
}

function covers(owner: PolicyRule, a: Atomic): boolean {
  if (!has(owner.verbs, a.verb)) return false;
  if (a.url !== undefined)
    return (owner.nonResourceURLs ?? []).some(
      (u) => u === "*" || u === a.url || (u.endsWith("*") && a.url!.startsWith(u.slice(0, -1))),
    );
  if (!has(owner.apiGroups, a.group ?? "")) return false;
  const res = a.resource ?? "";
  const slash = res.indexOf("/");
  const sub = slash >= 0 ? res.slice(slash + 1) : "";
  const resOk = (owner.resources ?? []).some(
    (r) => r === "*" || r === res || (sub !== "" && r === `*/${sub}`),
  );
  if (!resOk) return false;
  const names = owner.resourceNames ?? [];
  return names.length === 0 || (a.name !== undefined && names.includes(a.name));
}

const q = (xs: string[]) => xs.map((x) => JSON.stringify(x)).join(" ");

/**
 * The missing rights as upstream lists them: broken down, then CompactRules (one rule per group,
 * resource and name, gathering its verbs), each as rbacv1helpers.CompactString, sorted.
 */
function describeMissing(missing: Atomic[]): string[] {
  const merged = new Map<string, { group: string; resource: string; name?: string; verbs: string[] }>();
  const lines = new Set<string>();
  for (const m of missing) {
    if (m.url !== undefined) {
      lines.add(`{NonResourceURLs:[${JSON.stringify(m.url)}], Verbs:[${JSON.stringify(m.verb)}]}`);
      continue;
    }
    const k = JSON.stringify([m.group, m.resource, m.name ?? null]);
    const e = merged.get(k) ?? { group: m.group ?? "", resource: m.resource ?? "", name: m.name, verbs: [] };
    if (!e.verbs.includes(m.verb)) e.verbs.push(m.verb);
    merged.set(k, e);
  }
  for (const e of merged.values()) {
    const names = e.name !== undefined ? `, ResourceNames:[${JSON.stringify(e.name)}]` : "";
    lines.add(
      `{APIGroups:[${JSON.stringify(e.group)}], Resources:[${JSON.stringify(e.resource)}]${names}, Verbs:[${q(e.verbs)}]}`,
    );
  }
  return [...lines].sort();
}

function ownRules(authorizer: Authorizer, user: UserInfo, namespace: string): PolicyRule[] {
  const status = authorizer.rulesFor(user, namespace);
  return [
    ...status.resourceRules.map((r) => r as PolicyRule),
    ...status.nonResourceRules.map((r) => r as PolicyRule),
  ];
}

function allowedTo(
  authorizer: Authorizer,
  user: UserInfo,
  verb: string,
  resource: string,
  name: string,
  ns: string,
) {
  const a: Attributes = {
    user,
    verb,
    isResource: true,
    namespace: ns,
    apiGroup: GROUP,
    resource,
    subresource: "",
    name,
    path: "",
  };
  return authorizer.authorize(a).allowed;
}

function confirmNoEscalation(
  authorizer: Authorizer,
  user: UserInfo,
  namespace: string,
  rules: PolicyRule[],
  forbidden: (msg: string) => StatusError,
): void {
  const owned = ownRules(authorizer, user, namespace);
  const missing = rules.flatMap(breakdown).filter((a) => !owned.some((o) => covers(o, a)));
  if (!missing.length) return;
  throw forbidden(
    `user ${JSON.stringify(user.name)} (groups=[${q(user.groups)}]) is attempting to grant RBAC permissions not currently held:\n${describeMissing(missing).join("\n")}`,
  );
}

/** Throws upstream's 403 when writing `obj` would grant rights its author does not hold. */
export function guardEscalation(
  authorizer: Authorizer,
  rbac: RbacCache,
  user: UserInfo,
  resource: string,
  obj: KObject,
): void {
  if (user.groups.includes("system:masters")) return;
  const name = obj.metadata?.name ?? "";
  const ns = obj.metadata?.namespace ?? "";
  const forbidden = (msg: string) =>
    new StatusError(403, "Forbidden", `${resource}.${GROUP} "${name}" is forbidden: ${msg}`, {
      name,
      group: GROUP,
      kind: resource,
    });
  if (resource === "roles" || resource === "clusterroles") {
    if (allowedTo(authorizer, user, "escalate", resource, name, ns)) return;
    if ((obj as { aggregationRule?: unknown }).aggregationRule)
      throw forbidden("must have cluster-admin privileges to use the aggregationRule");
    const rules = ((obj as { rules?: PolicyRule[] }).rules ?? []) as PolicyRule[];
    return confirmNoEscalation(authorizer, user, ns, rules, forbidden);
  }
  const ref = (obj as { roleRef?: { kind?: string; name?: string } }).roleRef ?? {};
  const refResource = ref.kind === "Role" ? "roles" : "clusterroles";
  if (allowedTo(authorizer, user, "bind", refResource, ref.name ?? "", ref.kind === "Role" ? ns : "")) return;
  const rules = ref.kind === "Role" ? rbac.role(ns, ref.name ?? "") : rbac.clusterRole(ref.name ?? "");
  if (!rules) throw forbidden(`${refResource}.${GROUP} ${JSON.stringify(ref.name ?? "")} not found`);
  confirmNoEscalation(authorizer, user, ns, rules, forbidden);
}
