import type { KObject } from "../apimachinery/meta.ts";
import { StatusError } from "../apimachinery/status-error.ts";
import { badRequest, notFound } from "../apimachinery/status-error.ts";
import type {
  ContainerLog,
  ContainerLogRequest,
  KubeletConnection,
  KubeletConnections,
} from "../apiserver/kubelet-connections.ts";
import { EventRecorder } from "../client/event-recorder.ts";
import { objectKey } from "../client/informer.ts";
import type { ApiClient, SharedInformer } from "../client/interface.ts";
import type { ResourceRef } from "../client/rest-client.ts";
import { runWorkers, WorkQueue } from "../client/workqueue.ts";
import type { Clock } from "../util/clock.ts";
import type { Logger } from "../util/logger.ts";
import { NodeIpAllocator, PodCidrAllocator } from "./ip-allocator.ts";
import { PodWorker } from "./pod-worker.ts";
import type { ContainerRuntime } from "./runtime.ts";
import { isSimulatedNode, simulatedIp } from "./simulated-annotations.ts";
import { SimulatedNode, type HeartbeatOptions } from "./simulated-node.ts";
import { SimulatedRuntime } from "./simulated-runtime.ts";
import { StatusManager } from "./status-manager.ts";

const nodesRef: ResourceRef = { group: "", version: "v1", resource: "nodes", namespaced: false };

/** The pods informer index the agent looks pods up by (upstream's "spec.nodeName" indexer). */
export const nodeNameIndex = "spec.nodeName";

export interface SimulatedNodeAgentOptions extends HeartbeatOptions {
  containerCreatingMs: number;
  statusWorkers: number;
}

export const defaultAgentOptions: SimulatedNodeAgentOptions = {
  renewIntervalMs: 10_000,
  leaseDurationSeconds: 40,
  statusReportMs: 5 * 60_000,
  containerCreatingMs: 0,
  statusWorkers: 32,
};

export interface SimulatedNodeAgentDeps {
  client: ApiClient;
  /** Shared informers: every simulated node is served from these two, with no per-node watch. */
  nodes: SharedInformer;
  pods: SharedInformer;
  clock: Clock;
  logger: Logger;
  runtime?: ContainerRuntime;
  options?: Partial<SimulatedNodeAgentOptions>;
  /** Where the API server finds this agent for pods/log. */
  kubelets?: KubeletConnections;
}

/**
 * The kubelet for every Node annotated skiff.dev/simulated=true, all in one process: heartbeats
 * (Lease + status) per node, a pod worker per pod bound to one of them, one status manager.
 */
export class SimulatedNodeAgent implements KubeletConnection {
  private readonly deps: SimulatedNodeAgentDeps;
  private readonly options: SimulatedNodeAgentOptions;
  readonly runtime: ContainerRuntime;
  readonly statusManager: StatusManager;
  private readonly nodeQueue = new WorkQueue();
  private readonly podQueue = new WorkQueue();
  private readonly nodes = new Map<string, SimulatedNode>();
  private readonly workers = new Map<string, PodWorker>();
  private readonly cidrs = new PodCidrAllocator();
  private readonly nodeIps = new NodeIpAllocator();
  /**
   * Kubelet events. Simulated nodes record those about probes and kills, not the Pulled, Created and
   * Started of every container start: at scale those would triple the writes a pod costs.
   */
  private readonly recorder: EventRecorder;

  constructor(deps: SimulatedNodeAgentDeps) {
    this.deps = deps;
    this.options = { ...defaultAgentOptions, ...deps.options };
    this.runtime = deps.runtime ?? new SimulatedRuntime({ clock: deps.clock });
    this.recorder = new EventRecorder({
      client: deps.client,
      component: "kubelet",
      clock: deps.clock,
      logger: deps.logger,
    });
    this.statusManager = new StatusManager({
      client: deps.client,
      logger: deps.logger,
      pods: deps.pods,
      isNodeDown: (n) => this.nodes.get(n)?.isDown ?? true,
      workers: this.options.statusWorkers,
    });
    deps.pods.addIndexer(nodeNameIndex, (p) => {
      const n = (p.spec as { nodeName?: string } | undefined)?.nodeName;
      return n ? [n] : [];
    });
    const onNode = (n: KObject) => this.nodeQueue.add(n.metadata!.name!);
    deps.nodes.on({ add: onNode, update: onNode, delete: onNode });
    const onPod = (p: KObject) => {
      const n = (p.spec as { nodeName?: string } | undefined)?.nodeName;
      if (n && this.nodes.has(n)) this.podQueue.add(objectKey(p));
    };
    deps.pods.on({
      add: onPod,
      update: onPod,
      delete: (p) => {
        if (this.workers.has(objectKey(p))) this.podQueue.add(objectKey(p));
      },
    });
  }

  /** Simulated nodes this agent carries now. */
  get nodeCount(): number {
    return this.nodes.size;
  }

  get podCount(): number {
    return this.workers.size;
  }

  node(name: string): SimulatedNode | undefined {
    return this.nodes.get(name);
  }

  async run(signal: AbortSignal): Promise<void> {
    await Promise.all([this.deps.nodes.waitForSync(), this.deps.pods.waitForSync()]);
    if (signal.aborted) return;
    const log = (what: string) => (key: string, err: unknown) =>
      this.deps.logger.warn(`${what} sync failed`, { key, error: (err as Error).message });
    const unregister = this.deps.kubelets?.add(this);
    signal.addEventListener("abort", () => unregister?.(), { once: true });
    await Promise.all([
      runWorkers(this.nodeQueue, 4, (k) => this.syncNode(k), signal, log("simulated node")),
      runWorkers(this.podQueue, 4, (k) => this.syncPod(k), signal, log("simulated pod")),
      this.statusManager.run(signal),
    ]);
    for (const n of this.nodes.values()) n.stop();
    for (const w of this.workers.values()) w.stop();
  }

  serves(nodeName: string): boolean {
    return this.nodes.has(nodeName);
  }

  containerLogs(nodeName: string, req: ContainerLogRequest): ContainerLog {
    const w = this.workers.get(`${req.namespace}/${req.pod}`);
    if (!w || w.uid !== req.uid || w.nodeName !== nodeName)
      throw notFound({ group: "", resource: "pods" }, req.pod);
    const target = w.logTarget(req.container, req.previous);
    if ("error" in target) throw badRequest(target.error);
    return this.runtime.logs(target.id) ?? { lines: [], running: false };
  }

  async syncNode(name: string): Promise<void> {
    const node = this.deps.nodes.get(name);
    let sim = this.nodes.get(name);
    if (!node || !isSimulatedNode(node) || (sim && sim.node.metadata?.uid !== node.metadata?.uid)) {
      if (sim) this.forgetNode(sim);
      if (!node || !isSimulatedNode(node)) return;
      sim = undefined;
    }
    if (!sim) {
      const status = node.status as { addresses?: Array<{ type: string; address: string }> } | undefined;
      const known = status?.addresses?.find((a) => a.type === "InternalIP")?.address;
      let ip = simulatedIp(node);
      if (!ip && known) {
        ip = known;
        this.nodeIps.markUsed(known);
      }
      ip ??= this.nodeIps.allocate();
      sim = new SimulatedNode(node, ip, {
        client: this.deps.client,
        clock: this.deps.clock,
        logger: this.deps.logger,
        runtimeVersion: `${this.runtime.name}://${this.runtime.version}`,
        options: this.options,
        onReachable: (n) => {
          for (const p of this.deps.pods.byIndex(nodeNameIndex, n)) {
            this.statusManager.enqueue(objectKey(p));
            this.podQueue.add(objectKey(p));
          }
        },
      });
      this.nodes.set(name, sim);
    }
    const spec = (node.spec ?? {}) as { podCIDR?: string };
    if (spec.podCIDR) {
      this.cidrs.markUsed(spec.podCIDR);
      sim.setPodCidr(spec.podCIDR);
    } else {
      // Without a node IPAM controller the agent hands out the CIDR, and records it as that would.
      const cidr = sim.podCIDR ?? this.allocateCidr();
      sim.setPodCidr(cidr);
      try {
        await this.deps.client.patch(nodesRef, "", name, { spec: { podCIDR: cidr, podCIDRs: [cidr] } });
      } catch (e) {
        if (!(e instanceof StatusError && e.code === 404)) throw e;
      }
    }
    sim.update(node);
  }

  private allocateCidr(): string {
    // CIDRs other nodes already hold are skipped, whoever assigned them.
    for (const n of this.deps.nodes.list()) {
      const c = (n.spec as { podCIDR?: string } | undefined)?.podCIDR;
      if (c) this.cidrs.markUsed(c);
    }
    return this.cidrs.allocate();
  }

  private forgetNode(sim: SimulatedNode): void {
    sim.stop();
    this.nodes.delete(sim.name);
    if (!simulatedIp(sim.node)) this.nodeIps.release(sim.nodeIP);
    for (const [key, w] of this.workers) {
      if (w.nodeName !== sim.name) continue;
      w.stop();
      this.workers.delete(key);
      this.statusManager.forget(key);
    }
  }

  async syncPod(key: string): Promise<void> {
    const pod = this.deps.pods.get(key);
    let w = this.workers.get(key);
    const nodeName = (pod?.spec as { nodeName?: string } | undefined)?.nodeName ?? "";
    const sim = this.nodes.get(nodeName);
    if (w && (!pod || pod.metadata?.uid !== w.uid || !sim)) {
      w.stop();
      this.workers.delete(key);
      this.statusManager.forget(key);
      w = undefined;
    }
    if (!pod || !sim) return;
    if (!w) {
      w = new PodWorker(pod, {
        runtime: this.runtime,
        clock: this.deps.clock,
        logger: this.deps.logger,
        hostIP: sim.nodeIP,
        allocateIp: () => sim.pool?.allocate(),
        releaseIp: (ip) => sim.pool?.release(ip),
        notify: (worker, terminated) =>
          this.statusManager.set(worker.key, worker.uid, worker.status(), terminated),
        containerCreatingMs: this.options.containerCreatingMs,
        event: (p, type, reason, message, fieldPath) =>
          this.recorder.event({ ...p, apiVersion: "v1", kind: "Pod" }, type, reason, message, {
            fieldPath,
            host: nodeName,
          }),
      });
      if (w.adoptedIp) sim.pool?.claim(w.adoptedIp);
      this.workers.set(key, w);
    }
    w.update(pod);
    // The API's copy may have been changed by someone else (e.g. marked not ready): compare again.
    this.statusManager.enqueue(key);
  }
}
