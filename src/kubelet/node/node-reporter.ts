import type { KObject } from "../../apimachinery/meta.ts";
import { semanticEqual } from "../../apimachinery/semantic-equal.ts";
import { StatusError } from "../../apimachinery/status-error.ts";
import type { ApiClient } from "../../client/interface.ts";
import type { ResourceRef } from "../../client/rest-client.ts";
import { rfc3339, type Clock } from "../../util/clock.ts";
import type { Logger } from "../../util/logger.ts";
import { NodeLease } from "../node-lease.ts";
import { kubeletVersion, withoutHeartbeat } from "../node-status.ts";
import { ConditionClock, type ConditionInput } from "../pod-status.ts";
import {
  evictionMemoryBytes,
  evictionNodefsFraction,
  machineInfo,
  measure,
  type MachineInfo,
} from "./machine.ts";

const nodesRef: ResourceRef = { group: "", version: "v1", resource: "nodes", namespaced: false };

export interface RuntimeHealth {
  ready: boolean;
  /** Why not, in upstream's words ("container runtime is down: ..."). */
  message: string;
}

export interface NodeReporterDeps {
  client: ApiClient;
  clock: Clock;
  logger: Logger;
  name: string;
  ip: string;
  dataDir: string;
  labels: Record<string, string>;
  taints: Array<{ key: string; value?: string; effect: string }>;
  kubeletPort: number;
  runtimeVersion(): string;
  health(): RuntimeHealth;
  images(): Promise<Array<{ names: string[]; sizeBytes: number }>>;
  renewIntervalMs?: number;
  leaseDurationSeconds?: number;
  /** Annotations of skiff's own the node publishes (its reserved ports). */
  annotations?: Record<string, string>;
}

// pkg/kubelet: status every 10s when it changed, at least every 5 minutes; lease renewed every 10s.
const statusReportMs = 5 * 60_000;

/**
 * A real node's registration and heartbeat (pkg/kubelet/kubelet_node_status.go): the Node with its
 * labels, taints, addresses, capacity, nodeInfo and images, conditions measured on the machine, and
 * the Lease renewed every 10 s.
 */
export class NodeReporter {
  node?: KObject;
  readonly machine: MachineInfo;
  private readonly deps: NodeReporterDeps;
  private readonly conditions = new ConditionClock();
  private readonly lease: NodeLease;
  private lastPosted?: Record<string, unknown>;
  private lastPostAt = -Infinity;
  private readonly renewMs: number;

  constructor(deps: NodeReporterDeps) {
    this.deps = deps;
    this.renewMs = deps.renewIntervalMs ?? 10_000;
    this.lease = new NodeLease({
      client: deps.client,
      clock: deps.clock,
      leaseDurationSeconds: deps.leaseDurationSeconds ?? 40,
    });
    this.machine = machineInfo(deps.dataDir, deps.name);
  }

  /** Creates the Node, or takes over the one that has this name (a restarted agent). */
  async register(): Promise<KObject> {
    const { name } = this.deps;
    const labels = {
      "beta.kubernetes.io/arch": this.machine.nodeInfo.architecture,
      "beta.kubernetes.io/os": "linux",
      "kubernetes.io/arch": this.machine.nodeInfo.architecture,
      "kubernetes.io/hostname": name,
      "kubernetes.io/os": "linux",
      ...this.deps.labels,
    };
    const annotations = {
      "node.alpha.kubernetes.io/ttl": "0",
      "volumes.kubernetes.io/controller-managed-attach-detach": "true",
      ...this.deps.annotations,
    };
    for (;;) {
      try {
        this.node = await this.deps.client.create(nodesRef, "", {
          apiVersion: "v1",
          kind: "Node",
          metadata: { name, labels, annotations },
          spec: this.deps.taints.length ? { taints: this.deps.taints } : {},
        });
        this.deps.logger.info("node registered", { node: name });
        break;
      } catch (e) {
        if (!(e instanceof StatusError && e.code === 409)) throw e;
        // Upstream keeps an existing Node and reconciles the labels it owns.
        this.node = await this.deps.client.patch(nodesRef, "", name, { metadata: { labels, annotations } });
        const status = (this.node.status ?? {}) as { conditions?: Array<Record<string, string>> };
        for (const c of status.conditions ?? [])
          if (c.lastTransitionTime) this.conditions.seed(c.type, c.status, c.lastTransitionTime);
        break;
      }
    }
    await this.beat(true);
    return this.node;
  }

  update(node: KObject): void {
    this.node = node;
  }

  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      await new Promise<void>((resolve) => {
        const t = this.deps.clock.setTimeout(resolve, this.renewMs * (1 + Math.random() * 0.04));
        signal.addEventListener(
          "abort",
          () => {
            t.cancel();
            resolve();
          },
          { once: true },
        );
      });
      if (signal.aborted) return;
      await this.beat(false).catch((e: unknown) =>
        this.deps.logger.warn("node heartbeat failed", { error: (e as Error).message }),
      );
    }
  }

  /** Renews the lease and posts the status if it changed, or is due. */
  async beat(force: boolean): Promise<void> {
    if (!this.node) return;
    await this.lease
      .renew(this.node)
      .catch((e: unknown) => this.deps.logger.debug("lease renewal failed", { error: (e as Error).message }));
    const status = await this.status();
    const changed =
      !semanticEqual(withoutHeartbeat(status), withoutHeartbeat(this.lastPosted)) ||
      !semanticEqual(status.images, this.lastPosted?.images);
    const due = this.deps.clock.now().getTime() - this.lastPostAt >= statusReportMs;
    if (!force && !changed && !due) return;
    this.node = await this.deps.client.patch(nodesRef, "", this.deps.name, { status }, "merge", "status");
    this.lastPosted = status;
    this.lastPostAt = this.deps.clock.now().getTime();
  }

  /** Posts now (the runtime came up or went down). */
  async refresh(): Promise<void> {
    await this.beat(false).catch((e: unknown) =>
      this.deps.logger.debug("node status post failed", { error: (e as Error).message }),
    );
  }

  private async status(): Promise<Record<string, unknown>> {
    const now = rfc3339(this.deps.clock.now());
    const m = measure(this.deps.dataDir);
    const health = this.deps.health();
    const memLow = m.memoryAvailable < evictionMemoryBytes;
    const diskLow = m.nodefsCapacity > 0 && m.nodefsAvailable < m.nodefsCapacity * evictionNodefsFraction;
    const pidsLow = m.pidsAvailable < 1000;
    const inputs: ConditionInput[] = [
      memLow
        ? {
            type: "MemoryPressure",
            status: "True",
            reason: "KubeletHasInsufficientMemory",
            message: "kubelet has insufficient memory available",
          }
        : {
            type: "MemoryPressure",
            status: "False",
            reason: "KubeletHasSufficientMemory",
            message: "kubelet has sufficient memory available",
          },
      diskLow
        ? {
            type: "DiskPressure",
            status: "True",
            reason: "KubeletHasDiskPressure",
            message: "kubelet has disk pressure",
          }
        : {
            type: "DiskPressure",
            status: "False",
            reason: "KubeletHasNoDiskPressure",
            message: "kubelet has no disk pressure",
          },
      pidsLow
        ? {
            type: "PIDPressure",
            status: "True",
            reason: "KubeletHasInsufficientPID",
            message: "kubelet has insufficient PID available",
          }
        : {
            type: "PIDPressure",
            status: "False",
            reason: "KubeletHasSufficientPID",
            message: "kubelet has sufficient PID available",
          },
      health.ready
        ? {
            type: "Ready",
            status: "True",
            reason: "KubeletReady",
            message: "kubelet is posting ready status",
          }
        : { type: "Ready", status: "False", reason: "KubeletNotReady", message: health.message },
    ];
    const conditions = this.conditions.stamp(inputs, now).map((c) => ({ ...c, lastHeartbeatTime: now }));
    let images: Array<{ names: string[]; sizeBytes: number }>;
    try {
      images = await this.deps.images();
    } catch {
      images = [];
    }
    return {
      capacity: this.machine.capacity,
      allocatable: this.machine.allocatable,
      conditions,
      addresses: [
        { type: "InternalIP", address: this.deps.ip },
        { type: "Hostname", address: this.deps.name },
      ],
      daemonEndpoints: { kubeletEndpoint: { Port: this.deps.kubeletPort } },
      nodeInfo: {
        ...this.machine.nodeInfo,
        containerRuntimeVersion: this.deps.runtimeVersion(),
        kubeletVersion,
        kubeProxyVersion: kubeletVersion,
      },
      images,
    };
  }
}
