// Priority admission (plugin/pkg/admission/priority): a pod's priorityClassName resolves to its
// priority and preemption policy, a pod naming none gets the global default class, and only one
// class may be the global default.
import type { KObject } from "../apimachinery/meta.ts";
import { forbidden } from "../apimachinery/status-error.ts";
import type { GenericStore } from "./registry/generic-store.ts";

type Obj = Record<string, any>;

async function classes(store: GenericStore, cached: KObject[] | undefined): Promise<Obj[]> {
  return (cached ?? (await store.list("")).items) as Obj[];
}

export async function admitPodPriority(
  store: GenericStore,
  cached: KObject[] | undefined,
  pod: KObject,
): Promise<void> {
  const spec = ((pod as Obj).spec ??= {}) as Obj;
  const all = await classes(store, cached);
  let pc: Obj | undefined;
  if (spec.priorityClassName) {
    pc =
      all.find((c) => c.metadata?.name === spec.priorityClassName) ??
      ((await store.tryGet("", spec.priorityClassName)) as Obj | undefined);
    if (!pc)
      throw forbidden(
        `pods "${pod.metadata?.name ?? ""}" is forbidden: no PriorityClass with name ${spec.priorityClassName} was found`,
      );
  } else {
    pc = all.filter((c) => c.globalDefault === true).sort((a, b) => (a.value ?? 0) - (b.value ?? 0))[0];
    if (!pc) return;
    spec.priorityClassName = pc.metadata.name;
  }
  spec.priority = pc.value;
  spec.preemptionPolicy = pc.preemptionPolicy ?? "PreemptLowerPriority";
}

export async function admitPriorityClass(
  store: GenericStore,
  cached: KObject[] | undefined,
  pc: KObject,
  old?: KObject,
): Promise<void> {
  const o = pc as Obj;
  if (o.globalDefault !== true || (old as Obj | undefined)?.globalDefault === true) return;
  const other = (await classes(store, cached)).find(
    (c) => c.globalDefault === true && c.metadata?.name !== o.metadata?.name,
  );
  if (other)
    throw forbidden(
      `priorityclasses.scheduling.k8s.io "${o.metadata?.name}" is forbidden: PriorityClass ${other.metadata.name} is already marked as default. Only one default can exist`,
    );
}
