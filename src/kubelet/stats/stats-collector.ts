// The kubelet's resource stats (pkg/kubelet/server/stats): the node's CPU and memory from /proc,
// each container's from the CRI's ListContainerStats, served as the Summary API
// (/stats/summary) and the resource metrics endpoint (/metrics/resource) metrics-server reads.
import { readFileSync } from "node:fs";
import type { ContainerStats } from "../cri/cri-types.ts";
import {
  labelContainerName,
  labelPodName,
  labelPodNamespace,
  labelPodUid,
} from "../kuberuntime/runtime-service.ts";

// USER_HZ: /proc/stat counts in hundredths of a second on Linux.
const USER_HZ = 100;

interface CpuStats {
  time: string;
  usageNanoCores?: number;
  usageCoreNanoSeconds: number;
}
interface MemoryStats {
  time: string;
  workingSetBytes: number;
  usageBytes?: number;
  availableBytes?: number;
}

export interface ContainerSummary {
  name: string;
  startTime?: string;
  cpu: CpuStats;
  memory: MemoryStats;
}

export interface PodSummary {
  podRef: { name: string; namespace: string; uid: string };
  containers: ContainerSummary[];
  cpu: CpuStats;
  memory: MemoryStats;
}

export interface Summary {
  node: { nodeName: string; startTime?: string; cpu: CpuStats; memory: MemoryStats };
  pods: PodSummary[];
}

/** Total CPU time of the machine in ns, from /proc/stat's first line (idle and iowait left out). */
export function machineCpuNanos(stat: string): number {
  const fields = stat.split("\n")[0]!.trim().split(/\s+/).slice(1).map(Number);
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = fields;
  return ((user + nice + system + irq + softirq + steal) / USER_HZ) * 1e9;
}

export function machineMemory(meminfo: string): { total: number; available: number; free: number } {
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+)`, "m").exec(meminfo)?.[1] ?? 0) * 1024;
  return { total: kb("MemTotal"), available: kb("MemAvailable"), free: kb("MemFree") };
}

export class StatsCollector {
  private readonly nodeName: string;
  private readonly listContainerStats: () => Promise<ContainerStats[]>;
  private readonly now: () => Date;
  private last?: { at: number; cpu: number };

  constructor(deps: {
    nodeName: string;
    listContainerStats: () => Promise<ContainerStats[]>;
    now: () => Date;
  }) {
    this.nodeName = deps.nodeName;
    this.listContainerStats = deps.listContainerStats;
    this.now = deps.now;
  }

  async summary(): Promise<Summary> {
    const now = this.now();
    const time = now.toISOString().replace(/\.\d+Z$/, "Z");
    const cpuNanos = machineCpuNanos(readFileSync("/proc/stat", "utf8"));
    const mem = machineMemory(readFileSync("/proc/meminfo", "utf8"));
    const nodeCpu: CpuStats = { time, usageCoreNanoSeconds: cpuNanos };
    if (this.last && now.getTime() > this.last.at)
      nodeCpu.usageNanoCores = Math.round(
        ((cpuNanos - this.last.cpu) / (now.getTime() - this.last.at)) * 1e3,
      );
    this.last = { at: now.getTime(), cpu: cpuNanos };
    const pods = new Map<string, PodSummary>();
    for (const s of await this.listContainerStats()) {
      const l = s.attributes.labels ?? {};
      const name = l[labelPodName];
      const namespace = l[labelPodNamespace];
      if (!name || !namespace) continue;
      const key = `${namespace}/${name}`;
      let pod = pods.get(key);
      if (!pod)
        pods.set(
          key,
          (pod = {
            podRef: { name, namespace, uid: l[labelPodUid] ?? "" },
            containers: [],
            cpu: { time, usageCoreNanoSeconds: 0 },
            memory: { time, workingSetBytes: 0 },
          }),
        );
      const cpu = Number(s.cpu?.usage_core_nano_seconds?.value ?? 0);
      const ws = Number(s.memory?.working_set_bytes?.value ?? 0);
      pod.containers.push({
        name: l[labelContainerName] ?? s.attributes.metadata.name,
        cpu: { time, usageCoreNanoSeconds: cpu },
        memory: { time, workingSetBytes: ws },
      });
      pod.cpu.usageCoreNanoSeconds += cpu;
      pod.memory.workingSetBytes += ws;
    }
    return {
      node: {
        nodeName: this.nodeName,
        cpu: nodeCpu,
        memory: {
          time,
          workingSetBytes: mem.total - mem.available,
          usageBytes: mem.total - mem.free,
          availableBytes: mem.available,
        },
      },
      pods: [...pods.values()],
    };
  }

  /** The resource metrics in Prometheus text format, as the kubelet's /metrics/resource. */
  async resourceMetrics(): Promise<string> {
    const s = await this.summary();
    const ts = Date.parse(s.node.cpu.time);
    const esc = (v: string) => v.replace(/\\/g, "\\\\").replace(/"/g, '\\"');
    const lines: string[] = [];
    const metric = (name: string, help: string, type: string, rows: Array<[string, number]>) => {
      lines.push(`# HELP ${name} [STABLE] ${help}`, `# TYPE ${name} ${type}`);
      for (const [labels, v] of rows) lines.push(`${name}${labels} ${v} ${ts}`);
    };
    const podLabels = (p: PodSummary) => `namespace="${esc(p.podRef.namespace)}",pod="${esc(p.podRef.name)}"`;
    const cont = (p: PodSummary, c: ContainerSummary) => `{container="${esc(c.name)}",${podLabels(p)}}`;
    metric(
      "container_cpu_usage_seconds_total",
      "Cumulative cpu time consumed by the container in core-seconds",
      "counter",
      s.pods.flatMap((p) =>
        p.containers.map((c): [string, number] => [cont(p, c), c.cpu.usageCoreNanoSeconds / 1e9]),
      ),
    );
    metric(
      "container_memory_working_set_bytes",
      "Current working set of the container in bytes",
      "gauge",
      s.pods.flatMap((p) =>
        p.containers.map((c): [string, number] => [cont(p, c), c.memory.workingSetBytes]),
      ),
    );
    metric(
      "node_cpu_usage_seconds_total",
      "Cumulative cpu time consumed by the node in core-seconds",
      "counter",
      [["", s.node.cpu.usageCoreNanoSeconds / 1e9]],
    );
    metric("node_memory_working_set_bytes", "Current working set of the node in bytes", "gauge", [
      ["", s.node.memory.workingSetBytes],
    ]);
    metric(
      "pod_cpu_usage_seconds_total",
      "Cumulative cpu time consumed by the pod in core-seconds",
      "counter",
      s.pods.map((p): [string, number] => [`{${podLabels(p)}}`, p.cpu.usageCoreNanoSeconds / 1e9]),
    );
    metric(
      "pod_memory_working_set_bytes",
      "Current working set of the pod in bytes",
      "gauge",
      s.pods.map((p): [string, number] => [`{${podLabels(p)}}`, p.memory.workingSetBytes]),
    );
    lines.push(
      "# HELP scrape_error [ALPHA] 1 if there was an error while getting container metrics, 0 otherwise",
      "# TYPE scrape_error gauge",
      "scrape_error 0",
    );
    return `${lines.join("\n")}\n`;
  }
}
