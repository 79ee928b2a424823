import type { KObject } from "../../apimachinery/meta.ts";
import { quantityValue } from "../../api/validation/quantity.ts";
import type { LinuxContainerResources } from "../cri/cri-types.ts";

export type QosClass = "Guaranteed" | "Burstable" | "BestEffort";

interface Resources {
  requests?: Record<string, unknown>;
  limits?: Record<string, unknown>;
}

export function podQos(pod: KObject): QosClass {
  const status = (pod.status as { qosClass?: QosClass } | undefined)?.qosClass;
  if (status) return status;
  const spec = (pod.spec ?? {}) as {
    containers?: Array<{ resources?: Resources }>;
    initContainers?: Array<{ resources?: Resources }>;
  };
  let any = false;
  let guaranteed = true;
  for (const c of [...(spec.containers ?? []), ...(spec.initContainers ?? [])]) {
    const req = c.resources?.requests ?? {};
    const lim = c.resources?.limits ?? {};
    if (Object.keys(req).length || Object.keys(lim).length) any = true;
    for (const r of ["cpu", "memory"]) {
      if (lim[r] === undefined) guaranteed = false;
      else if (req[r] !== undefined && quantityValue(req[r]) !== quantityValue(lim[r])) guaranteed = false;
    }
  }
  if (!any) return "BestEffort";
  return guaranteed ? "Guaranteed" : "Burstable";
}

/** The pod's cgroup under the cgroupfs driver (pkg/kubelet/cm: /kubepods[/burstable|/besteffort]/pod<uid>). */
export function podCgroupParent(pod: KObject): string {
  const uid = pod.metadata?.uid ?? "";
  const qos = podQos(pod);
  return qos === "Guaranteed" ? `/kubepods/pod${uid}` : `/kubepods/${qos.toLowerCase()}/pod${uid}`;
}

// pkg/kubelet/cm/helpers_linux.go
const minShares = 2;
const sharesPerCpu = 1024;
const quotaPeriod = 100_000;
const minQuotaPeriod = 1000;

/** milliCPU → cpu.shares, as MilliCPUToShares. */
export function milliCpuToShares(milli: number): number {
  if (milli === 0) return minShares;
  return Math.max(minShares, Math.floor((milli * sharesPerCpu) / 1000));
}

/**
 * Score for the OOM killer (pkg/kubelet/qos/policy.go GetContainerOOMScoreAdjust): guaranteed pods
 * last, best-effort first, burstable by the share of the node's memory they asked for.
 */
export function oomScoreAdj(qos: QosClass, memoryRequest: number, memoryCapacity: number): number {
  if (qos === "Guaranteed") return -997;
  if (qos === "BestEffort") return 1000;
  const adj = 1000 - Math.floor((1000 * memoryRequest) / Math.max(1, memoryCapacity));
  return Math.min(999, Math.max(2, adj));
}

/** A container's requests and limits as cgroup settings (kuberuntime_container_linux.go). */
export function containerResources(
  resources: Resources | undefined,
  qos: QosClass,
  memoryCapacity: number,
): LinuxContainerResources {
  const req = resources?.requests ?? {};
  const lim = resources?.limits ?? {};
  const cpuReq = req.cpu ?? lim.cpu;
  const memReq = quantityValue(req.memory ?? lim.memory ?? 0) || 0;
  const out: LinuxContainerResources = {
    cpu_shares: milliCpuToShares(Math.ceil((quantityValue(cpuReq ?? 0) || 0) * 1000)),
    oom_score_adj: oomScoreAdj(qos, memReq, memoryCapacity),
  };
  if (lim.cpu !== undefined) {
    const milli = Math.ceil(quantityValue(lim.cpu) * 1000);
    out.cpu_period = quotaPeriod;
    out.cpu_quota = Math.max(minQuotaPeriod, Math.floor((milli * quotaPeriod) / 1000));
  }
  if (lim.memory !== undefined) out.memory_limit_in_bytes = Math.floor(quantityValue(lim.memory));
  return out;
}
