import type { KObject } from "../../apimachinery/meta.ts";
import { StatusError } from "../../apimachinery/status-error.ts";
import type { EventRecorder } from "../../client/event-recorder.ts";
import type { ApiClient, SharedInformer } from "../../client/interface.ts";
import type { ResourceRef } from "../../client/rest-client.ts";
import { runWorkers, WorkQueue } from "../../client/workqueue.ts";
import type { Logger } from "../../util/logger.ts";
import { intToIp, ipToInt } from "../../kubelet/ip-allocator.ts";
import { isSimulatedNode } from "../../kubelet/simulated-annotations.ts";

const nodesRef: ResourceRef = { group: "", version: "v1", resource: "nodes", namespaced: false };

/** The /24s of a cluster CIDR, in order (the range allocator's --node-cidr-mask-size 24). */
export function nodeCidrs(clusterCidr: string, maskSize = 24): string[] {
  const [ip, bits] = clusterCidr.split("/");
  const base = ipToInt(ip ?? "");
  const prefix = Number(bits);
  if (base === undefined || !Number.isInteger(prefix) || prefix > maskSize) return [];
  const count = 2 ** (maskSize - prefix);
  const step = 2 ** (32 - maskSize);
  const start = base - (base % 2 ** (32 - prefix));
  return Array.from({ length: count }, (_, i) => `${intToIp(start + i * step)}/${maskSize}`);
}

export interface NodeIpamDeps {
  client: ApiClient;
  nodes: SharedInformer;
  logger: Logger;
  recorder: EventRecorder;
  clusterCidr: string;
}

/**
 * Gives every node a podCIDR from --cluster-cidr (pkg/controller/nodeipam, the range allocator).
 * Simulated nodes get theirs from the simulated node agent, which may go beyond the cluster CIDR.
 */
export class NodeIpamController {
  private readonly deps: NodeIpamDeps;
  private readonly queue = new WorkQueue();
  private readonly ranges: string[];

  constructor(deps: NodeIpamDeps) {
    this.deps = deps;
    this.ranges = nodeCidrs(deps.clusterCidr);
    const enqueue = (n: KObject) => this.queue.add(n.metadata!.name!);
    deps.nodes.on({ add: enqueue, update: enqueue });
  }

  async run(signal: AbortSignal): Promise<void> {
    await this.deps.nodes.waitForSync();
    await runWorkers(
      this.queue,
      1,
      (k) => this.sync(k),
      signal,
      (key, err) => this.deps.logger.warn("node ipam sync failed", { key, error: (err as Error).message }),
    );
  }

  async sync(name: string): Promise<void> {
    const node = this.deps.nodes.get(name);
    if (!node || isSimulatedNode(node)) return;
    if ((node.spec as { podCIDR?: string } | undefined)?.podCIDR) return;
    const used = new Set(
      this.deps.nodes.list().map((n) => (n.spec as { podCIDR?: string } | undefined)?.podCIDR),
    );
    const cidr = this.ranges.find((r) => !used.has(r));
    if (!cidr) {
      this.deps.recorder.event(
        { ...node, apiVersion: "v1", kind: "Node" },
        "Normal",
        "CIDRNotAvailable",
        `Node ${name} status is now: CIDRNotAvailable`,
      );
      return;
    }
    try {
      await this.deps.client.patch(nodesRef, "", name, { spec: { podCIDR: cidr, podCIDRs: [cidr] } });
      this.deps.logger.info("node podCIDR assigned", { node: name, podCIDR: cidr });
    } catch (e) {
      if (!(e instanceof StatusError && e.code === 404)) throw e;
    }
  }
}
