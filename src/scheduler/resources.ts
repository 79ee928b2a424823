import { quantityValue } from "../api/validation/quantity.ts";

/** framework.Resource: cpu in millicores, the rest in whole units; extended resources by name. */
export interface Resources {
  milliCPU: number;
  memory: number;
  ephemeralStorage: number;
  pods: number;
  scalar?: Map<string, number>;
}

export function emptyResources(): Resources {
  return { milliCPU: 0, memory: 0, ephemeralStorage: 0, pods: 0 };
}

// pkg/scheduler/util/pod_resources.go: what a container without a request is assumed to use when spreading.
export const defaultMilliCPURequest = 100;
export const defaultMemoryRequest = 200 * 1024 * 1024;

// Quantities round up to whole units as resource.Quantity's Value/MilliValue do (the epsilon absorbs float error).
function ceil(v: number): number {
  return Math.ceil(v - 1e-9);
}

export function milliValue(q: unknown): number {
  const v = quantityValue(q);
  return Number.isFinite(v) ? ceil(v * 1000) : 0;
}

export function unitValue(q: unknown): number {
  const v = quantityValue(q);
  return Number.isFinite(v) ? ceil(v) : 0;
}

/** v1helper.IsScalarResourceName: extended (domain-qualified), hugepages-* and attachable-volumes-*. */
export function isScalarResourceName(name: string): boolean {
  if (name.startsWith("hugepages-") || name.startsWith("attachable-volumes-")) return true;
  if (!name.includes("/")) return false;
  return !name.startsWith("kubernetes.io/") && !name.startsWith("requests.");
}

/** Adds a ResourceList (as found in requests, allocatable, overhead) into `r`. */
export function addResourceList(r: Resources, list: Record<string, unknown> | undefined): void {
  if (!list) return;
  for (const [name, q] of Object.entries(list)) {
    switch (name) {
      case "cpu":
        r.milliCPU += milliValue(q);
        break;
      case "memory":
        r.memory += unitValue(q);
        break;
      case "ephemeral-storage":
        r.ephemeralStorage += unitValue(q);
        break;
      case "pods":
        r.pods += unitValue(q);
        break;
      default:
        if (isScalarResourceName(name)) {
          r.scalar ??= new Map();
          r.scalar.set(name, (r.scalar.get(name) ?? 0) + unitValue(q));
        }
    }
  }
}

export function resourcesFromList(list: Record<string, unknown> | undefined): Resources {
  const r = emptyResources();
  addResourceList(r, list);
  return r;
}

function addInto(a: Resources, b: Resources, sign = 1): void {
  a.milliCPU += sign * b.milliCPU;
  a.memory += sign * b.memory;
  a.ephemeralStorage += sign * b.ephemeralStorage;
  if (b.scalar) {
    a.scalar ??= new Map();
    for (const [k, v] of b.scalar) a.scalar.set(k, (a.scalar.get(k) ?? 0) + sign * v);
  }
}

export function addResources(a: Resources, b: Resources): void {
  addInto(a, b, 1);
}

export function subtractResources(a: Resources, b: Resources): void {
  addInto(a, b, -1);
}

function maxInto(a: Resources, b: Resources): void {
  a.milliCPU = Math.max(a.milliCPU, b.milliCPU);
  a.memory = Math.max(a.memory, b.memory);
  a.ephemeralStorage = Math.max(a.ephemeralStorage, b.ephemeralStorage);
  if (b.scalar) {
    a.scalar ??= new Map();
    for (const [k, v] of b.scalar) a.scalar.set(k, Math.max(a.scalar.get(k) ?? 0, v));
  }
}

function clone(r: Resources): Resources {
  return { ...r, scalar: r.scalar ? new Map(r.scalar) : undefined };
}

interface ContainerLike {
  resources?: { requests?: Record<string, unknown> };
  restartPolicy?: string;
}

/**
 * The pod's effective request (component-helpers/resource.PodRequests): containers and sidecars summed,
 * at least the largest init-container step, plus overhead. With `nonMissing`, a container that omits
 * cpu or memory counts as requesting the scheduler's defaults (used for spreading scores).
 */
export function podRequests(spec: Record<string, any> | undefined, nonMissing = false): Resources {
  const containerReq = (c: ContainerLike): Resources => {
    const reqs = c.resources?.requests;
    const r = resourcesFromList(reqs);
    if (nonMissing) {
      if (!reqs || !("cpu" in reqs)) r.milliCPU = defaultMilliCPURequest;
      if (!reqs || !("memory" in reqs)) r.memory = defaultMemoryRequest;
    }
    return r;
  };
  const total = emptyResources();
  for (const c of (spec?.containers ?? []) as ContainerLike[]) addResources(total, containerReq(c));
  const sidecars = emptyResources();
  const initMax = emptyResources();
  for (const c of (spec?.initContainers ?? []) as ContainerLike[]) {
    const r = containerReq(c);
    if (c.restartPolicy === "Always") {
      addResources(total, r);
      addResources(sidecars, r);
      maxInto(initMax, sidecars);
    } else {
      const step = clone(r);
      addResources(step, sidecars);
      maxInto(initMax, step);
    }
  }
  maxInto(total, initMax);
  addResourceList(total, spec?.overhead);
  return total;
}
