import type { KObject } from "../apimachinery/meta.ts";
import type { ApiClient } from "../client/interface.ts";
import type { ResourceRef } from "../client/rest-client.ts";
import { rfc3339, type Clock } from "../util/clock.ts";
import { NodeLease } from "./node-lease.ts";
import type { Logger } from "../util/logger.ts";
import { PodIpPool } from "./ip-allocator.ts";
import { buildNodeStatus, withoutHeartbeat } from "./node-status.ts";
import { semanticEqual } from "../apimachinery/semantic-equal.ts";
import { ConditionClock } from "./pod-status.ts";
import { isNodeDown } from "./simulated-annotations.ts";
import { isOlderVersion } from "./resource-version.ts";

const nodesRef: ResourceRef = { group: "", version: "v1", resource: "nodes", namespaced: false };
export { nodeLeaseNamespace } from "./node-lease.ts";

export interface HeartbeatOptions {
  /** Lease renewal interval (the kubelet's: a quarter of the lease duration, 10 s). */
  renewIntervalMs: number;
  leaseDurationSeconds: number;
  /** Status is posted on change, and at least this often (nodeStatusReportFrequency, 5 m). */
  statusReportMs: number;
}

export interface SimulatedNodeDeps {
  client: ApiClient;
  clock: Clock;
  logger: Logger;
  /** "simulated://1.0" */
  runtimeVersion: string;
  options: HeartbeatOptions;
  /** The node's network is back (or it just started): its pods' statuses need a look. */
  onReachable(name: string): void;
}

/** One simulated node's kubelet heartbeat: its Lease, its status, and its pod address pool. */
export class SimulatedNode {
  readonly name: string;
  readonly nodeIP: string;
  node: KObject;
  podCIDR?: string;
  pool?: PodIpPool;
  private readonly deps: SimulatedNodeDeps;
  private readonly conditions = new ConditionClock();
  private down = true;
  private stopped = false;
  private timer?: { cancel(): void };
  private readonly lease: NodeLease;
  private lastStatusAt = -Infinity;
  private chain: Promise<void> = Promise.resolve();
  private beating = false;
  /** A status post is queued or in flight, or its result (this resourceVersion) is not in the cache yet. */
  private statusQueued = false;
  private postedRv = "";
  leaseRenewals = 0;
  statusPosts = 0;

  constructor(node: KObject, nodeIP: string, deps: SimulatedNodeDeps) {
    this.name = node.metadata!.name!;
    this.node = node;
    this.nodeIP = nodeIP;
    this.deps = deps;
    this.lease = new NodeLease({
      client: deps.client,
      clock: deps.clock,
      leaseDurationSeconds: deps.options.leaseDurationSeconds,
    });
    const status = (node.status ?? {}) as { conditions?: Array<Record<string, string>> };
    for (const c of status.conditions ?? [])
      if (c.lastTransitionTime) this.conditions.seed(c.type, c.status, c.lastTransitionTime);
  }

  get isDown(): boolean {
    return this.down;
  }

  setPodCidr(cidr: string): void {
    if (this.podCIDR === cidr) return;
    this.podCIDR = cidr;
    this.pool = new PodIpPool(cidr);
  }

  /** Takes the newest API view of the node. */
  update(node: KObject): void {
    this.node = node;
    if (this.stopped) return;
    if (isNodeDown(node)) {
      if (!this.down) {
        this.down = true;
        this.timer?.cancel();
        this.timer = undefined;
        this.deps.logger.info("simulated node lost its network", { node: this.name });
      }
      return;
    }
    if (this.down) {
      this.down = false;
      this.heartbeat(true);
      this.deps.onReachable(this.name);
      return;
    }
    if (this.statusQueued || isOlderVersion(node.metadata?.resourceVersion, this.postedRv)) return;
    const desired = this.desiredStatus();
    const changed = !semanticEqual(
      withoutHeartbeat(desired),
      withoutHeartbeat(node.status as Record<string, unknown> | undefined),
    );
    if (changed) {
      this.statusQueued = true;
      this.serially(() => this.postStatus());
    }
  }

  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
  }

  /** Renews the lease, posts the status when due, and schedules the next beat. */
  private heartbeat(first: boolean): void {
    if (this.stopped || this.down) return;
    const { renewIntervalMs } = this.deps.options;
    // After the first beat the next lands at a random point of the interval, so that many nodes
    // started together renew spread out; then every interval with the kubelet's 4% jitter.
    const next = first ? Math.random() * renewIntervalMs : renewIntervalMs * (1 + Math.random() * 0.04);
    this.timer = this.deps.clock.setTimeout(() => this.heartbeat(false), next);
    if (this.beating) return;
    this.beating = true;
    if (first) this.statusQueued = true;
    this.serially(async () => {
      try {
        await this.renewLease();
        const due = this.deps.clock.now().getTime() - this.lastStatusAt >= this.deps.options.statusReportMs;
        if (first || due) await this.postStatus();
      } finally {
        this.beating = false;
        if (first) this.statusQueued = false;
      }
    });
  }

  private serially(fn: () => Promise<void>): void {
    this.chain = this.chain.then(fn).catch((e: unknown) => {
      this.deps.logger.debug("simulated node heartbeat failed", {
        node: this.name,
        error: (e as Error).message,
      });
    });
  }

  private desiredStatus(): Record<string, unknown> {
    return buildNodeStatus({
      node: this.node,
      nodeIP: this.nodeIP,
      runtime: this.deps.runtimeVersion,
      now: rfc3339(this.deps.clock.now()),
      conditions: this.conditions,
    });
  }

  private async postStatus(): Promise<void> {
    try {
      if (this.stopped || this.down) return;
      const status = this.desiredStatus();
      const res = await this.deps.client.patch(nodesRef, "", this.name, { status }, "merge", "status");
      this.postedRv = res.metadata?.resourceVersion ?? "";
      this.lastStatusAt = this.deps.clock.now().getTime();
      this.statusPosts++;
    } finally {
      this.statusQueued = false;
    }
  }

  private async renewLease(): Promise<void> {
    if (this.stopped || this.down) return;
    await this.lease.renew(this.node);
    this.leaseRenewals++;
  }
}
