// ResourceQuota admission (plugin/pkg/admission/resourcequota): a create is charged to every quota
// of its namespace that limits what it uses; one that would go over a hard limit is refused with
// upstream's 403, and an allowed one is added to the quotas' status.used at once, so that
// concurrent creates cannot together overrun a quota.
import type { KObject } from "../apimachinery/meta.ts";
import {
  addQuantities,
  amountsOf,
  amountsToList,
  formatQuantity,
  type ResourceAmounts,
} from "../apimachinery/quantity.ts";
import { forbidden } from "../apimachinery/status-error.ts";
import { computeResources, mask, quotaMatches, usageOf } from "../api/quota/usage.ts";
import type { GenericStore } from "./registry/generic-store.ts";
import type { RequestContext } from "./registry/strategy.ts";

type Obj = Record<string, any>;

const pretty = (a: ResourceAmounts): string =>
  [...a.keys()]
    .sort()
    .map((k) => `${k}=${formatQuantity(a.get(k)!)}`)
    .join(",");

function withZeros(a: ResourceAmounts, names: string[]): ResourceAmounts {
  return new Map(names.map((n) => [n, a.get(n) ?? { milli: 0n, format: "DecimalSI" as const }]));
}

/** Containers that do not name a resource a quota on it requires (podEvaluator.Constraints). */
function missingConstraints(hard: string[], pod: Obj): string | undefined {
  const required = new Set<string>();
  for (const r of hard) {
    if (computeResources.includes(r)) required.add(`requests.${r}`);
    else if (/^(requests|limits)\.(cpu|memory)$/.test(r)) required.add(r);
  }
  if (!required.size) return undefined;
  const missing = new Map<string, string[]>();
  for (const c of (pod.spec?.containers ?? []) as Obj[])
    for (const r of required) {
      const [field, name] = r.split(".") as [string, string];
      if (c.resources?.[field]?.[name] === undefined) missing.set(r, [...(missing.get(r) ?? []), c.name]);
    }
  if (!missing.size) return undefined;
  return `must specify ${[...missing.keys()]
    .sort()
    .map((r) => `${r} for: ${[...new Set(missing.get(r))].sort().join(",")}`)
    .join("; ")}`;
}

export async function admitQuota(
  quotas: GenericStore,
  group: string,
  resource: string,
  namespace: string,
  obj: KObject,
  ctx: RequestContext,
): Promise<void> {
  if (!namespace) return;
  const { items } = await quotas.list(namespace);
  if (!items.length) return;
  const o = obj as Obj;
  const usage = usageOf(group, resource, o);
  const what = `${group ? `${resource}.${group}` : resource} "${o.metadata?.name ?? o.metadata?.generateName ?? ""}"`;
  const charges: Array<{ name: string; delta: ResourceAmounts }> = [];
  for (const quota of items as Obj[]) {
    if (!quotaMatches(quota, group, resource, o)) continue;
    const hardNames = Object.keys(quota.spec?.hard ?? {});
    const delta = mask(usage, hardNames);
    if (group === "" && resource === "pods" && delta.size) {
      const missing = missingConstraints(hardNames, o);
      if (missing) throw forbidden(`${what} is forbidden: failed quota: ${quota.metadata.name}: ${missing}`);
    }
    if (!delta.size) continue;
    const statusHard = quota.status?.hard ?? {};
    const unknown = [...delta.keys()].filter((k) => statusHard[k] === undefined);
    if (unknown.length)
      throw forbidden(
        `${what} is forbidden: status unknown for quota: ${quota.metadata.name}, resources: ${unknown.sort().join(",")}`,
      );
    charges.push({ name: quota.metadata.name, delta });
  }
  for (const { name, delta } of charges) {
    const charge = (current: KObject | undefined): KObject => {
      const quota = current as Obj;
      const hard = amountsOf(quota.status?.hard);
      const used = amountsOf(quota.status?.used);
      const exceeded: string[] = [];
      for (const [k, v] of delta) {
        const next = addQuantities(used.get(k) ?? { milli: 0n, format: v.format }, v);
        const limit = hard.get(k);
        if (limit && next.milli > limit.milli) exceeded.push(k);
        used.set(k, next);
      }
      if (exceeded.length)
        throw forbidden(
          `${what} is forbidden: exceeded quota: ${quota.metadata.name}, requested: ${pretty(mask(delta, exceeded))}, used: ${pretty(withZeros(amountsOf(quota.status?.used), exceeded))}, limited: ${pretty(mask(hard, exceeded))}`,
        );
      quota.status = {
        ...quota.status,
        used: { ...quota.status?.used, ...amountsToList(mask(used, delta.keys())) },
      };
      return quota as KObject;
    };
    // A dry run is checked against the quota but charges nothing.
    if (ctx.dryRun)
      charge(structuredClone((items as Obj[]).find((q) => q.metadata.name === name)) as KObject);
    else await quotas.guaranteedUpdate(namespace, name, ctx, charge, { subresource: "status" });
  }
}
