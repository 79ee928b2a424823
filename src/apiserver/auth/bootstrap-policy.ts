// The rbac/bootstrap-roles post-start hook: creates the bootstrap ClusterRoles and bindings that are
// missing, and for those still marked autoupdate adds back the rules, labels and subjects they lost
// (what `kubectl auth reconcile` does for a manifest). Extra rules and subjects users added are kept.
import type { KObject } from "../../apimachinery/meta.ts";
import { StatusError } from "../../apimachinery/status-error.ts";
import type { Clock } from "../../util/clock.ts";
import type { Registry } from "../registry/registry.ts";
import type { RequestContext } from "../registry/strategy.ts";
import { bootstrapClusterRoleBindings, bootstrapClusterRoles } from "./bootstrap-roles.ts";
import type { PolicyRule, Subject } from "./rbac-cache.ts";

const GROUP = "rbac.authorization.k8s.io";
const AUTOUPDATE = "rbac.authorization.kubernetes.io/autoupdate";
const BOOTSTRAP_LABELS = { "kubernetes.io/bootstrapping": "rbac-defaults" };

function sameRule(a: PolicyRule, b: PolicyRule): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

async function upsert(
  registry: Registry,
  resource: string,
  name: string,
  ctx: RequestContext,
  desired: KObject,
  merge: (current: KObject) => boolean,
): Promise<void> {
  const store = registry.get(GROUP, resource)!;
  const current = await store.tryGet("", name);
  if (!current) {
    try {
      await store.create("", desired, ctx);
    } catch (e) {
      if (!(e instanceof StatusError && e.code === 409)) throw e;
    }
    return;
  }
  if (current.metadata?.annotations?.[AUTOUPDATE] === "false") return;
  await store.guaranteedUpdate("", name, ctx, (live) => {
    if (!live) throw new StatusError(404, "NotFound", `${resource} "${name}" not found`);
    merge(live);
    return live;
  });
}

export async function reconcileBootstrapPolicy(registry: Registry, clock: Clock): Promise<void> {
  const ctx: RequestContext = {
    user: { name: "system:apiserver", groups: ["system:masters"] },
    now: clock.now(),
    warnings: [],
    dryRun: false,
    fieldManager: "kube-apiserver",
  };
  // Every object is independent: they are reconciled at once, which keeps start-up short.
  const roles = bootstrapClusterRoles.map(async (r) => {
    const labels = { ...BOOTSTRAP_LABELS, ...r.labels };
    const desired: KObject = {
      apiVersion: `${GROUP}/v1`,
      kind: "ClusterRole",
      metadata: { name: r.name, labels, annotations: { [AUTOUPDATE]: "true" } },
    };
    if (r.aggregates)
      (desired as Record<string, unknown>).aggregationRule = {
        clusterRoleSelectors: [{ matchLabels: { [r.aggregates]: "true" } }],
      };
    if (r.rules.length) (desired as Record<string, unknown>).rules = r.rules;
    await upsert(registry, "clusterroles", r.name, ctx, desired, (live) => {
      const meta = live.metadata!;
      meta.labels = { ...meta.labels, ...labels };
      const obj = live as Record<string, unknown>;
      // Aggregated roles get their rules from the aggregation controller, not from here.
      if (r.aggregates) {
        obj.aggregationRule = desired.aggregationRule;
        return true;
      }
      if (r.replaceRules) {
        if (JSON.stringify(obj.rules ?? []) === JSON.stringify(r.rules)) return true;
        obj.rules = r.rules;
        return true;
      }
      const rules = (obj.rules as PolicyRule[] | undefined) ?? [];
      for (const want of r.rules) if (!rules.some((h) => sameRule(h, want))) rules.push(want);
      obj.rules = rules;
      return true;
    });
  });
  const bindings = bootstrapClusterRoleBindings.map(async (b) => {
    const subjects = b.subjects.map((s) =>
      s.kind === "ServiceAccount"
        ? { kind: s.kind, name: s.name, namespace: s.namespace }
        : { kind: s.kind, apiGroup: GROUP, name: s.name },
    );
    const desired: KObject = {
      apiVersion: `${GROUP}/v1`,
      kind: "ClusterRoleBinding",
      metadata: { name: b.name, labels: { ...BOOTSTRAP_LABELS }, annotations: { [AUTOUPDATE]: "true" } },
    };
    Object.assign(desired, { roleRef: { apiGroup: GROUP, kind: "ClusterRole", name: b.role } });
    if (subjects.length) Object.assign(desired, { subjects });
    await upsert(registry, "clusterrolebindings", b.name, ctx, desired, (live) => {
      const obj = live as Record<string, unknown>;
      const dropped = (s: Subject) => b.dropSubjects?.some((d) => d.kind === s.kind && d.name === s.name);
      const have = ((obj.subjects as Subject[] | undefined) ?? []).filter((s) => !dropped(s));
      for (const s of subjects)
        if (!have.some((h) => h.kind === s.kind && h.name === s.name && h.namespace === s.namespace))
          have.push(s);
      if (have.length) obj.subjects = have;
      else delete obj.subjects;
      return true;
    });
  });
  await Promise.all([...roles, ...bindings]);
}
