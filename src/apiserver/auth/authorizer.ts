// Authorization of every request, as kube-apiserver's chain with `--authorization-mode=Node,RBAC`:
// system:masters may do anything (the privileged-group authorizer), nodes what the Node authorizer
// allows, everyone else what a ClusterRoleBinding, or a RoleBinding in the request's namespace,
// grants them
// (plugin/pkg/auth/authorizer/rbac: RuleAllows, VerbMatches, ResourceMatches, NonResourceURLMatches).
import type { UserInfo } from "../registry/strategy.ts";
import type { Binding, PolicyRule, RbacCache } from "./rbac-cache.ts";
import { type Attributes, type Decision, ruleAllows } from "./rules.ts";
import type { NodeAuthorizer } from "./node-authorizer.ts";

export { type Attributes, type Decision, ruleAllows } from "./rules.ts";

/** The subject index keys a user answers to: its name and every group. */
export function userKeys(user: UserInfo): string[] {
  return [`u:${user.name}`, ...user.groups.map((g) => `g:${g}`)];
}

function describeSubject(b: Binding, user: UserInfo): string {
  for (const s of b.subjects ?? []) {
    if (s.kind === "User" && s.name === user.name) return `User "${s.name}"`;
    if (s.kind === "Group" && user.groups.includes(s.name ?? "")) return `Group "${s.name}"`;
    if (s.kind === "ServiceAccount" && `system:serviceaccount:${s.namespace}:${s.name}` === user.name)
      return `ServiceAccount "${s.name}/${s.namespace}"`;
  }
  return "";
}

export class Authorizer {
  private readonly rbac: RbacCache;
  private readonly nodes?: NodeAuthorizer;

  constructor(rbac: RbacCache, nodes?: NodeAuthorizer) {
    this.rbac = rbac;
    this.nodes = nodes;
  }

  /**
   * The decision of the chain Node, RBAC; `explain` also words the allowing binding (reviews show
   * it, requests need not). A refusal's reasons are the Node authorizer's and RBAC's, one per line.
   */
  authorize(a: Attributes, explain = false): Decision {
    if (a.user.groups.includes("system:masters")) return { allowed: true, reason: "" };
    const node = this.nodes?.authorize(a);
    if (node?.allowed) return node;
    const decision = this.authorizeRbac(a, explain);
    if (decision.allowed || !node?.reason) return decision;
    return { allowed: false, reason: decision.reason ? `${node.reason}\n${decision.reason}` : node.reason };
  }

  private authorizeRbac(a: Attributes, explain: boolean): Decision {
    const keys = userKeys(a.user);
    const errors: string[] = [];
    for (const b of this.rbac.clusterRoleBindings.matching("", keys)) {
      const rules = this.rbac.clusterRole(b.roleRef.name);
      if (!rules) {
        errors.push(`clusterrole.rbac.authorization.k8s.io "${b.roleRef.name}" not found`);
        continue;
      }
      if (rules.some((r) => ruleAllows(a, r)))
        return {
          allowed: true,
          reason: explain
            ? `RBAC: allowed by ClusterRoleBinding "${b.metadata.name}" of ClusterRole "${b.roleRef.name}" to ${describeSubject(b, a.user)}`
            : "",
        };
    }
    if (a.namespace) {
      for (const b of this.rbac.roleBindings.matching(a.namespace, keys)) {
        const cluster = b.roleRef.kind === "ClusterRole";
        const rules = cluster
          ? this.rbac.clusterRole(b.roleRef.name)
          : this.rbac.role(a.namespace, b.roleRef.name);
        if (!rules) {
          errors.push(
            cluster
              ? `clusterrole.rbac.authorization.k8s.io "${b.roleRef.name}" not found`
              : `role.rbac.authorization.k8s.io "${b.roleRef.name}" not found`,
          );
          continue;
        }
        if (rules.some((r) => ruleAllows(a, r)))
          return {
            allowed: true,
            reason: explain
              ? `RBAC: allowed by RoleBinding "${b.metadata.name}/${a.namespace}" of ${b.roleRef.kind} "${b.roleRef.name}" to ${describeSubject(b, a.user)}`
              : "",
          };
      }
    }
    return { allowed: false, reason: errors.length ? `RBAC: ${joinErrors(errors)}` : "" };
  }

  /** What the user may do in `namespace` (SelfSubjectRulesReview): its bindings' rules, in order. */
  rulesFor(user: UserInfo, namespace: string): RulesReviewStatus {
    const keys = userKeys(user);
    const rules: PolicyRule[] = [];
    const errors: string[] = [];
    for (const b of this.rbac.clusterRoleBindings.matching("", keys)) {
      const r = this.rbac.clusterRole(b.roleRef.name);
      if (r) rules.push(...r);
      else errors.push(`clusterrole.rbac.authorization.k8s.io "${b.roleRef.name}" not found`);
    }
    if (namespace)
      for (const b of this.rbac.roleBindings.matching(namespace, keys)) {
        const cluster = b.roleRef.kind === "ClusterRole";
        const r = cluster ? this.rbac.clusterRole(b.roleRef.name) : this.rbac.role(namespace, b.roleRef.name);
        if (r) rules.push(...r);
        else
          errors.push(
            `${cluster ? "clusterrole" : "role"}.rbac.authorization.k8s.io "${b.roleRef.name}" not found`,
          );
      }
    const status: RulesReviewStatus = {
      resourceRules: [],
      nonResourceRules: [],
      incomplete: errors.length > 0,
    };
    for (const r of rules) {
      if (r.nonResourceURLs?.length) {
        status.nonResourceRules.push({ verbs: r.verbs ?? [], nonResourceURLs: r.nonResourceURLs });
        continue;
      }
      const out: Record<string, string[]> = { verbs: r.verbs ?? [] };
      if (r.apiGroups?.length) out.apiGroups = r.apiGroups;
      if (r.resources?.length) out.resources = r.resources;
      if (r.resourceNames?.length) out.resourceNames = r.resourceNames;
      status.resourceRules.push(out);
    }
    if (errors.length) status.evaluationError = joinErrors(errors);
    return status;
  }
}

export interface RulesReviewStatus {
  resourceRules: Array<Record<string, string[]>>;
  nonResourceRules: Array<Record<string, string[]>>;
  incomplete: boolean;
  evaluationError?: string;
}

// utilerrors.NewAggregate: one error as itself, several as a bracketed list.
function joinErrors(errs: string[]): string {
  return errs.length === 1 ? errs[0]! : `[${errs.join(", ")}]`;
}

/** Upstream's 403 text (responsewriters.forbiddenMessage), without the resource prefix. */
export function forbiddenMessage(a: Attributes): string {
  const user = a.user.name;
  if (!a.isResource) return `User "${user}" cannot ${a.verb} path "${a.path}"`;
  const resource = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  if (a.namespace)
    return `User "${user}" cannot ${a.verb} resource "${resource}" in API group "${a.apiGroup}" in the namespace "${a.namespace}"`;
  return `User "${user}" cannot ${a.verb} resource "${resource}" in API group "${a.apiGroup}" at the cluster scope`;
}
