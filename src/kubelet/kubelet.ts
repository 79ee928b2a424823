import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { KObject } from "../apimachinery/meta.ts";
import { StatusError } from "../apimachinery/status-error.ts";
import { EventRecorder } from "../client/event-recorder.ts";
import { Informer, objectKey } from "../client/informer.ts";
import type { ApiClient } from "../client/interface.ts";
import type { ResourceRef } from "../client/rest-client.ts";
import type { Clock } from "../util/clock.ts";
import type { Logger } from "../util/logger.ts";
import { ContainerdSupervisor, RuntimeUnavailable } from "./containerd/supervisor.ts";
import { CriClient } from "./cri/cri-client.ts";
import { defaultPauseImage } from "./images/pause-image.ts";
import type { ObjectSource } from "./kuberuntime/env.ts";
import { ImageManager } from "./kuberuntime/images.ts";
import { PodSync } from "./kuberuntime/pod-sync.ts";
import { labelManagedBy, labelPodUid, type RuntimeService } from "./kuberuntime/runtime-service.ts";
import { ContainerLogRotator } from "./kuberuntime/log-rotation.ts";
import { podNetworkFor, type PeerNode, type PodNetwork } from "./network/pod-network.ts";
import { ingressPorts, RESERVED_PORTS_ANNOTATION, reservedPortsValue } from "./node/reserved-ports.ts";
import { NodeReporter, type RuntimeHealth } from "./node/node-reporter.ts";
import { StatusManager } from "./status-manager.ts";
import { LocalPathCleaner } from "./volumes/local-path-cleaner.ts";
import { StatsCollector } from "./stats/stats-collector.ts";
import { VolumeManager } from "./volumes/volume-manager.ts";
import type { RuntimeCondition } from "./cri/cri-types.ts";

const ref = (group: string, version: string, resource: string, namespaced = true): ResourceRef => ({
  group,
  version,
  resource,
  namespaced,
});
const podsRef = ref("", "v1", "pods");
const nodesRef = ref("", "v1", "nodes", false);
const servicesRef = ref("", "v1", "services");
const configMapsRef = ref("", "v1", "configmaps");
const claimsRef = ref("", "v1", "persistentvolumeclaims");
const volumesRef = ref("", "v1", "persistentvolumes", false);
const secretsRef = ref("", "v1", "secrets");

export interface KubeletOptions {
  nodeName: string;
  nodeIP: string;
  /** The agent's data dir: DATA-DIR/agent holds containerd, pods, logs and images. */
  dataDir: string;
  labels: Record<string, string>;
  taints: Array<{ key: string; value?: string; effect: string }>;
  /** A CRI socket of a runtime someone else runs; skiff runs its own containerd without one. */
  containerRuntimeEndpoint?: string;
  pauseImage: string;
  clusterCidr: string;
  kubeletPort: number;
  clusterDNS: string[];
  clusterDomain: string;
  /** --resolv-conf: the node's resolvers (dnsPolicy Default, and cluster DNS's upstreams). */
  resolvConf?: string;
  /** The Ingress controller's ports on the node's addresses (0: off; default 80 and 443). */
  ingressHttpPort?: number;
  ingressHttpsPort?: number;
  /** kube-proxy's --proxy-mode: iptables (root's default) or userspace (everyone else's). */
  proxyMode?: "iptables" | "userspace";
  /** The node Lease's leaseDurationSeconds (40). */
  leaseDurationSeconds?: number;
  /** How often the Lease is renewed (10 s). */
  renewIntervalMs?: number;
  /** How often the runtime is relisted for changes (the generic PLEG's 1 s). */
  relistMs?: number;
  /** The kubelet's --sync-frequency: every pod is synced again this often (upstream: 1 minute). */
  syncFrequencyMs?: number;
}

export interface KubeletDeps {
  client: ApiClient;
  /**
   * Reads every Node, for the routes to their podCIDRs. A node's own identity may read only its
   * own Node (AuthorizeNodeWithSelectors), so this is the node network's (system:kube-proxy, as
   * k3s's flannel has an identity of its own). Defaults to `client`.
   */
  networkClient?: ApiClient;
  clock: Clock;
  logger: Logger;
  options: KubeletOptions;
  /** A runtime to use instead of containerd (tests: the simulated CRI). */
  runtime?: RuntimeService;
  /** Serves the kubelet API once the runtime is known (logs, exec, attach, port-forward). */
  serve?(kubelet: Kubelet, signal: AbortSignal): Promise<void>;
}

/**
 * The kubelet of one real node: registers it, runs its pods on containerd through the CRI (one
 * PodSync per pod), keeps their status, routes pod traffic between nodes, and answers the API
 * server on its own port. Stopping it leaves the containers running; a new one adopts them.
 */
export class Kubelet {
  readonly options: KubeletOptions;
  readonly agentDir: string;
  readonly pods: Informer;
  readonly workers = new Map<string, PodSync>();
  runtime?: RuntimeService;
  /** Service-account tokens by pod, audience and lifetime, with when to fetch a fresh one. */
  private readonly tokens = new Map<string, { token: string; refreshAt: number; expiresAt: number }>();
  private readonly deps: KubeletDeps;
  private readonly nodes: Informer;
  private readonly services: Informer;
  private readonly reporter: NodeReporter;
  private readonly statusManager: StatusManager;
  private readonly recorder: EventRecorder;
  private readonly network: PodNetwork;
  private supervisor?: ContainerdSupervisor;
  private images?: ImageManager;
  private volumes?: VolumeManager;
  private runtimeVersion = "containerd://unknown";
  private health: RuntimeHealth = {
    ready: false,
    message: "container runtime status check may not have completed yet",
  };
  private runtimeError?: string;
  private fingerprints = new Map<string, string>();
  private imageUsers = new Map<string, string>();
  private networkSyncing = false;
  private networkSyncAgain = false;
  private relists = 0;
  private statsCollector?: StatsCollector;

  constructor(deps: KubeletDeps) {
    this.deps = deps;
    this.options = deps.options;
    this.agentDir = join(deps.options.dataDir, "agent");
    const logger = deps.logger;
    this.pods = new Informer({
      client: deps.client,
      ref: podsRef,
      logger,
      fieldSelector: `spec.nodeName=${deps.options.nodeName}`,
    });
    this.nodes = new Informer({ client: deps.networkClient ?? deps.client, ref: nodesRef, logger });
    this.services = new Informer({ client: deps.client, ref: servicesRef, logger });
    this.services.addIndexer("namespace", (s) => [s.metadata?.namespace ?? ""]);
    this.recorder = new EventRecorder({
      client: deps.client,
      component: "kubelet",
      clock: deps.clock,
      logger,
    });
    this.statusManager = new StatusManager({
      client: deps.client,
      logger,
      pods: this.pods,
      isNodeDown: () => false,
    });
    this.network = podNetworkFor(this.agentDir, deps.options.clusterCidr, logger);
    this.reporter = new NodeReporter({
      client: deps.client,
      clock: deps.clock,
      logger,
      name: deps.options.nodeName,
      ip: deps.options.nodeIP,
      dataDir: deps.options.dataDir,
      labels: deps.options.labels,
      taints: deps.options.taints,
      kubeletPort: deps.options.kubeletPort,
      runtimeVersion: () => this.runtimeVersion,
      health: () => this.health,
      images: () => this.nodeImages(),
      renewIntervalMs: deps.options.renewIntervalMs,
      leaseDurationSeconds: deps.options.leaseDurationSeconds,
      annotations: {
        [RESERVED_PORTS_ANNOTATION]: reservedPortsValue(ingressPorts(deps.options, process.getuid?.() === 0)),
      },
    });
  }

  get nodeName(): string {
    return this.options.nodeName;
  }

  get logsRoot(): string {
    return join(this.agentDir, "logs", "pods");
  }

  /** A pod's worker by namespace and name. */
  /** The node's and its containers' CPU and memory (the Summary API and /metrics/resource). */
  get stats(): StatsCollector {
    this.statsCollector ??= new StatsCollector({
      nodeName: this.nodeName,
      listContainerStats: async () => (await this.runtime?.listContainerStats?.()) ?? [],
      now: () => this.deps.clock.now(),
    });
    return this.statsCollector;
  }

  worker(namespace: string, name: string): PodSync | undefined {
    return this.workers.get(`${namespace}/${name}`);
  }

  async run(signal: AbortSignal): Promise<void> {
    const log = this.deps.logger;
    mkdirSync(this.agentDir, { recursive: true, mode: 0o700 });
    await this.startRuntime();
    await this.reporter.register();
    for (const inf of [this.pods, this.nodes, this.services]) void inf.run(signal);
    await Promise.all([this.pods.waitForSync(), this.nodes.waitForSync(), this.services.waitForSync()]);
    if (signal.aborted) return;
    const source = this.objectSource();
    const machine = this.reporter.machine;
    this.volumes = new VolumeManager({
      podsDir: join(this.agentDir, "pods"),
      source,
      clock: this.deps.clock,
      nodeAllocatable: machine.allocatableNumbers,
      canMount: process.getuid?.() === 0,
      requestToken: (pod, audience, seconds) => this.requestToken(pod, audience, seconds),
    });
    const onNode = (n: KObject) => {
      if (n.metadata?.name === this.nodeName) this.reporter.update(n);
      this.requestNetworkSync();
    };
    this.nodes.on({ add: onNode, update: onNode, delete: onNode });
    const onPod = (p: KObject) => this.podChanged(p);
    this.pods.on({ add: onPod, update: onPod, delete: (p) => this.podDeleted(p) });
    const serving = this.deps.serve?.(this, signal);
    const loops = [
      this.reporter.run(signal),
      this.statusManager.run(signal),
      this.relistLoop(signal),
      new ContainerLogRotator({ runtime: () => this.runtime, clock: this.deps.clock, logger: log }).run(
        signal,
      ),
      new LocalPathCleaner({
        client: this.deps.client,
        ref: volumesRef,
        nodeName: this.nodeName,
        logger: log,
      }).run(signal),
    ];
    log.info("node agent running", {
      node: this.nodeName,
      runtime: this.runtimeVersion,
      ready: this.health.ready,
    });
    await Promise.all([...loops, serving]);
    for (const w of this.workers.values()) w.stopQuietly();
    await this.supervisor?.stop();
    (this.runtime as CriClient | undefined)?.close?.();
  }

  private async startRuntime(): Promise<void> {
    const log = this.deps.logger;
    try {
      if (this.deps.runtime) this.runtime = this.deps.runtime;
      else if (this.options.containerRuntimeEndpoint)
        this.runtime = new CriClient(this.options.containerRuntimeEndpoint);
      else {
        this.supervisor = new ContainerdSupervisor({
          agentDir: this.agentDir,
          sandboxImage: this.options.pauseImage || defaultPauseImage,
          logger: log.with({ component: "containerd" }),
          registriesFile: join(this.options.dataDir, "registries.yaml"),
        });
        await this.supervisor.start();
        this.runtime = new CriClient(this.supervisor.socket);
      }
      const v = await this.runtime.version();
      this.runtimeVersion = `${v.runtime_name}://${v.runtime_version}`;
      this.images = new ImageManager({
        runtime: this.runtime,
        clock: this.deps.clock,
        source: this.objectSource(),
      });
    } catch (e) {
      const message =
        e instanceof RuntimeUnavailable
          ? e.message
          : `cannot reach the container runtime: ${(e as Error).message}`;
      this.runtimeError = message;
      this.health = { ready: false, message: `container runtime is down: ${message}` };
      log.error("this node cannot run containers", { node: this.nodeName, reason: message });
      this.runtime = undefined;
    }
  }

  private objectSource(): ObjectSource {
    const getOrUndefined = async (r: ResourceRef, ns: string, name: string) => {
      try {
        return await this.deps.client.get(r, ns, name);
      } catch (e) {
        if (e instanceof StatusError && e.code === 404) return undefined;
        throw e;
      }
    };
    return {
      configMap: (ns, name) => getOrUndefined(configMapsRef, ns, name),
      secret: (ns, name) => getOrUndefined(secretsRef, ns, name),
      services: (ns) => this.services.byIndex("namespace", ns),
      persistentVolumeClaim: (ns, name) => getOrUndefined(claimsRef, ns, name),
      persistentVolume: (name) => getOrUndefined(volumesRef, "", name),
    };
  }

  /**
   * A bound token for the pod's service account, reused until 80 % of its life has passed (or 24 h),
   * as the kubelet's token manager does, so that volume resyncs do not ask for a new one each time.
   */
  private async requestToken(
    pod: KObject,
    audience: string | undefined,
    expirationSeconds: number,
  ): Promise<string> {
    const key = `${pod.metadata!.uid}|${audience ?? ""}|${expirationSeconds}`;
    const now = this.deps.clock.now().getTime();
    const cached = this.tokens.get(key);
    if (cached && now < cached.refreshAt) return cached.token;
    for (const [k, t] of this.tokens) if (now >= t.expiresAt) this.tokens.delete(k);
    const { token, expiresAt } = await this.fetchToken(pod, audience, expirationSeconds);
    const issued = now;
    const refreshAt = issued + Math.min((expiresAt - issued) * 0.8, 24 * 3600_000);
    this.tokens.set(key, { token, refreshAt, expiresAt });
    return token;
  }

  private async fetchToken(
    pod: KObject,
    audience: string | undefined,
    expirationSeconds: number,
  ): Promise<{ token: string; expiresAt: number }> {
    const sa = (pod.spec as { serviceAccountName?: string }).serviceAccountName ?? "default";
    const res = await this.deps.client.create(
      ref("", "v1", "serviceaccounts"),
      pod.metadata!.namespace!,
      {
        apiVersion: "authentication.k8s.io/v1",
        kind: "TokenRequest",
        spec: {
          audiences: audience ? [audience] : [],
          expirationSeconds,
          boundObjectRef: { apiVersion: "v1", kind: "Pod", name: pod.metadata!.name, uid: pod.metadata!.uid },
        },
      },
      { name: sa, subresource: "token" },
    );
    const status = (res.status ?? {}) as { token?: string; expirationTimestamp?: string };
    const expiresAt = Date.parse(status.expirationTimestamp ?? "") || Date.now() + expirationSeconds * 1000;
    return { token: String(status.token ?? ""), expiresAt };
  }

  /** One network sync at a time; node events during one fold into a single follow-up. */
  private requestNetworkSync(): void {
    if (this.networkSyncing) {
      this.networkSyncAgain = true;
      return;
    }
    this.networkSyncing = true;
    void (async () => {
      do {
        this.networkSyncAgain = false;
        await this.syncNetwork().catch((e: unknown) =>
          this.deps.logger.warn("pod network sync failed", { error: (e as Error).message }),
        );
      } while (this.networkSyncAgain);
      this.networkSyncing = false;
    })();
  }

  /** The node's podCIDR into the CNI config, and routes to every other node's pods. */
  private async syncNetwork(): Promise<void> {
    if (!this.runtime || this.deps.runtime) return;
    const self = this.nodes.get(this.nodeName);
    const podCIDR = (self?.spec as { podCIDR?: string } | undefined)?.podCIDR;
    if (podCIDR && !this.network.configured) {
      await this.network.setUpHost();
      this.network.writeConfig(podCIDR);
      this.deps.logger.info("pod network configured", { podCIDR });
    }
    const peers: PeerNode[] = this.nodes.list().map((n) => ({
      name: n.metadata?.name ?? "",
      podCIDR: (n.spec as { podCIDR?: string } | undefined)?.podCIDR ?? "",
      ip:
        (
          (n.status as { addresses?: Array<{ type: string; address: string }> } | undefined)?.addresses ?? []
        ).find((a) => a.type === "InternalIP")?.address ?? "",
    }));
    await this.network.syncRoutes(this.nodeName, peers);
  }

  private podChanged(pod: KObject): void {
    if (!this.runtime || !this.images || !this.volumes) return;
    const key = objectKey(pod);
    let w = this.workers.get(key);
    if (w && w.uid !== pod.metadata?.uid) {
      w.remove();
      w = undefined;
    }
    if (!w) {
      w = new PodSync(pod, {
        runtime: this.runtime,
        images: this.images,
        volumes: this.volumes,
        source: this.objectSource(),
        clock: this.deps.clock,
        logger: this.deps.logger,
        node: {
          name: this.nodeName,
          ip: this.options.nodeIP,
          hostname: this.reporter.machine.hostname,
          memoryCapacity: this.reporter.machine.memoryCapacity,
          allocatable: this.reporter.machine.allocatableNumbers,
        },
        logsRoot: this.logsRoot,
        syncFrequencyMs: this.options.syncFrequencyMs ?? 60_000,
        dns: {
          clusterDNS: this.options.clusterDNS,
          clusterDomain: this.options.clusterDomain,
          resolvConf: this.options.resolvConf ?? "/etc/resolv.conf",
        },
        imageUser: (ref) => this.imageUser(ref),
        notify: (worker, terminated) => {
          const status = worker.currentStatus();
          if (status) this.statusManager.set(worker.key, worker.uid, status, terminated);
        },
        event: (p, type, reason, message, fieldPath) =>
          this.recorder.event({ ...p, apiVersion: "v1", kind: "Pod" }, type, reason, message, {
            fieldPath,
            host: this.nodeName,
          }),
      });
      this.workers.set(key, w);
    }
    w.update(pod);
    this.statusManager.enqueue(key);
  }

  private podDeleted(pod: KObject): void {
    const key = objectKey(pod);
    const w = this.workers.get(key);
    if (!w || w.uid !== pod.metadata?.uid) return;
    w.remove();
    this.statusManager.forget(key);
  }

  private async imageUser(imageRef: string): Promise<string> {
    let u = this.imageUsers.get(imageRef);
    if (u === undefined) {
      const img = (await this.runtime?.imageStatus(imageRef).catch(() => undefined)) as
        { uid?: { value: string } | null; username?: string } | undefined;
      u = img?.uid ? String(img.uid.value) : (img?.username ?? "");
      this.imageUsers.set(imageRef, u);
    }
    return u;
  }

  private async nodeImages(): Promise<Array<{ names: string[]; sizeBytes: number }>> {
    if (!this.runtime) return [];
    const list = await this.runtime.listImages();
    // pkg/kubelet/nodestatus Images: biggest first, at most 50, digests then tags.
    return list
      .map((i) => ({ names: [...i.repo_digests, ...i.repo_tags], sizeBytes: Number(i.size) }))
      .filter((i) => i.names.length)
      .sort((a, b) => b.sizeBytes - a.sizeBytes)
      .slice(0, 50);
  }

  /**
   * The generic PLEG: relists the runtime every second; a pod whose containers changed is synced.
   * It also answers the runtime's health, and removes sandboxes of pods this node no longer has.
   */
  private async relistLoop(signal: AbortSignal): Promise<void> {
    const every = this.options.relistMs ?? 1000;
    let wasReady = this.health.ready;
    while (!signal.aborted) {
      await this.relist().catch((e: unknown) =>
        this.deps.logger.debug("relist failed", { error: (e as Error).message }),
      );
      if (this.health.ready !== wasReady) {
        wasReady = this.health.ready;
        this.deps.logger.info(wasReady ? "node is ready" : "node is not ready", {
          message: this.health.message,
        });
        await this.reporter.refresh();
      }
      await new Promise<void>((resolve) => {
        const t = this.deps.clock.setTimeout(resolve, every);
        signal.addEventListener(
          "abort",
          () => {
            t.cancel();
            resolve();
          },
          { once: true },
        );
      });
    }
  }

  private async relist(): Promise<void> {
    if (!this.runtime) {
      this.health = {
        ready: false,
        message: `container runtime is down: ${this.runtimeError ?? "not started"}`,
      };
      return;
    }
    // The runtime's health every 5 s, as upstream's updateRuntimeUp; its pods every second.
    if (this.relists++ % 5 === 0 || !this.health.ready) {
      let conditions;
      try {
        conditions = await this.runtime.status();
      } catch (e) {
        this.health = { ready: false, message: `container runtime is down: ${(e as Error).message}` };
        return;
      }
      this.health = healthOf(conditions);
    }
    const [sandboxes, containers] = await Promise.all([
      this.runtime.listPodSandbox({ label_selector: { [labelManagedBy]: "true" } }),
      this.runtime.listContainers({ label_selector: { [labelManagedBy]: "true" } }),
    ]);
    const prints = new Map<string, string[]>();
    for (const s of sandboxes) {
      const uid = s.labels[labelPodUid] ?? "";
      (prints.get(uid) ?? prints.set(uid, []).get(uid)!).push(`${s.id}:${s.state}`);
    }
    for (const c of containers) {
      const uid = c.labels[labelPodUid] ?? "";
      (prints.get(uid) ?? prints.set(uid, []).get(uid)!).push(`${c.id}:${c.state}`);
    }
    const byUid = new Map([...this.workers.values()].map((w) => [w.uid, w]));
    for (const [uid, parts] of prints) {
      const fp = parts.sort().join(",");
      const w = byUid.get(uid);
      if (!w) {
        if (this.pods.hasSynced()) await this.removeOrphan(uid);
        continue;
      }
      if (this.fingerprints.get(uid) !== fp) {
        this.fingerprints.set(uid, fp);
        w.requestSync();
      }
    }
    for (const uid of this.fingerprints.keys()) if (!prints.has(uid)) this.fingerprints.delete(uid);
    for (const [key, w] of this.workers) if (w.isCleanedUp) this.workers.delete(key);
  }

  /** Sandboxes and containers of a pod this node no longer has (deleted while the agent was down). */
  private async removeOrphan(uid: string): Promise<void> {
    const rt = this.runtime!;
    const sel = { label_selector: { [labelPodUid]: uid } };
    for (const c of await rt.listContainers(sel)) {
      await rt.stopContainer(c.id, 2).catch(() => {});
      await rt.removeContainer(c.id).catch(() => {});
    }
    for (const s of await rt.listPodSandbox(sel)) {
      await rt.stopPodSandbox(s.id).catch(() => {});
      await rt.removePodSandbox(s.id).catch(() => {});
    }
    await this.volumes?.tearDown(uid);
    this.deps.logger.info("removed the containers of a pod this node no longer runs", { uid });
  }
}

function healthOf(conditions: RuntimeCondition[]): RuntimeHealth {
  const rt = conditions.find((c) => c.type === "RuntimeReady");
  const net = conditions.find((c) => c.type === "NetworkReady");
  if (!rt?.status)
    return {
      ready: false,
      message: `container runtime is down: RuntimeReady=false reason:${rt?.reason ?? ""} message:${rt?.message ?? ""}`,
    };
  if (!net?.status)
    return {
      ready: false,
      message: `container runtime network not ready: NetworkReady=false reason:${net?.reason ?? ""} message:${net?.message ?? ""}`,
    };
  return { ready: true, message: "" };
}
