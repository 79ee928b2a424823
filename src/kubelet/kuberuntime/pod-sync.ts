import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { KObject } from "../../apimachinery/meta.ts";
import { rfc3339, type Clock } from "../../util/clock.ts";
import type { Logger } from "../../util/logger.ts";
import type { PodSandboxConfig } from "../cri/cri-types.ts";
import { formatGoDuration } from "../go-duration.ts";
import { ConditionClock } from "../pod-status.ts";
import { ProbeWorker, type ProbeSpec, type ProbeType } from "../probe-worker.ts";
import { MountError, type MountedVolume, type VolumeManager } from "../volumes/volume-manager.ts";
import { containerConfig, hostsFileContent } from "./container-config.ts";
import { ContainerConfigError, containerEnv, type EnvContext, type ObjectSource } from "./env.ts";
import { runHook } from "./hooks.ts";
import { ImageError, type ImageManager } from "./images.ts";
import { tailForTermination } from "./logs.ts";
import {
  readPodState,
  type ContainerInstance,
  type PodRuntimeState,
  type SandboxInstance,
} from "./pod-state.ts";
import { buildPodStatus, type ContainerView, type Waiting } from "./pod-status-builder.ts";
import { runProbe } from "./prober.ts";
import type { RuntimeService } from "./runtime-service.ts";
import { sandboxConfig, type DnsSettings } from "./sandbox-config.ts";

// Container restart back-off (pkg/kubelet/kubelet.go): 10s doubling to 5m, forgotten after 10m of health.
const initialBackoffMs = 10_000;
const maxBackoffMs = 300_000;
// A sandbox or volume that failed is tried again this soon, then less often.
const retryMinMs = 1_000;
const retryMaxMs = 60_000;
// pkg/kubelet/kuberuntime: a kill never waits less than this.
const minimumGraceSeconds = 2;

export interface NodeFacts {
  name: string;
  ip: string;
  hostname: string;
  memoryCapacity: number;
  allocatable: EnvContext["nodeAllocatable"];
}

export interface PodSyncDeps {
  runtime: RuntimeService;
  images: ImageManager;
  volumes: VolumeManager;
  source: ObjectSource;
  clock: Clock;
  logger: Logger;
  node: NodeFacts;
  logsRoot: string;
  /** A running pod is synced again this often (its configMap, secret and downward API files refreshed). */
  syncFrequencyMs: number;
  dns: DnsSettings;
  /** The image's configured user, for runAsNonRoot. */
  imageUser(imageRef: string): Promise<string>;
  notify(worker: PodSync, terminated: boolean): void;
  event(pod: KObject, type: "Normal" | "Warning", reason: string, message: string, fieldPath?: string): void;
}

const probeFields: Array<[ProbeType, string]> = [
  ["startup", "startupProbe"],
  ["liveness", "livenessProbe"],
  ["readiness", "readinessProbe"],
];

interface ProbeState {
  workers: ProbeWorker[];
  ready: boolean;
  started: boolean;
}

type Spec = Record<string, any> & { name: string };

/**
 * One pod on a real node: the kubelet's pod worker and kuberuntime SyncPod. Each sync reads the
 * pod's sandboxes and containers from the CRI and converges them on the spec (sandbox, volumes,
 * init containers in order, containers with restarts and back-off), then posts the status; nothing
 * is remembered that the runtime does not also hold, so a restarted agent adopts running pods as
 * they are.
 */
export class PodSync {
  readonly key: string;
  readonly uid: string;
  pod: KObject;
  private readonly deps: PodSyncDeps;
  private readonly conditions = new ConditionClock();
  private readonly cache = new Map<string, ContainerInstance>();
  private readonly waiting = new Map<string, Waiting>();
  private readonly backoff = new Map<string, number>();
  private readonly probes = new Map<string, ProbeState>();
  private readonly killing = new Set<string>();
  private state: PodRuntimeState = { sandboxes: [], containers: new Map() };
  private volumes = new Map<string, MountedVolume>();
  private startTime?: string;
  private running = false;
  private dirty = false;
  private timer?: { cancel(): void; at: number };
  private retryMs = retryMinMs;
  private sandboxConfigCache?: { id: string; config: PodSandboxConfig };
  private hostsFor?: string;
  /** Removed from the API: stop everything and clean up. */
  private gone = false;
  private finished = false;
  private deadlineExceeded = false;
  private cleaned = false;
  private lastStatus?: Record<string, unknown>;

  constructor(pod: KObject, deps: PodSyncDeps) {
    this.pod = pod;
    this.deps = deps;
    this.key = `${pod.metadata!.namespace}/${pod.metadata!.name}`;
    this.uid = pod.metadata!.uid ?? "";
    const status = (pod.status ?? {}) as Record<string, any>;
    const now = rfc3339(deps.clock.now());
    for (const c of (status.conditions ?? []) as Array<Record<string, string>>)
      this.conditions.seed(c.type, c.status, c.lastTransitionTime ?? now);
    if (typeof status.startTime === "string") this.startTime = status.startTime;
    // After an agent restart, a container the API shows ready stays so until its probe says otherwise.
    for (const cs of (status.containerStatuses ?? []) as Array<Record<string, any>>) {
      const id = String(cs.containerID ?? "").replace(/^[a-z]+:\/\//, "");
      if (id) this.probes.set(id, { workers: [], ready: cs.ready === true, started: cs.started !== false });
    }
  }

  get nodeName(): string {
    return (this.pod.spec as { nodeName?: string }).nodeName ?? "";
  }

  get isTerminated(): boolean {
    return this.finished;
  }

  /** The sandbox the pod runs in now, for exec, attach and port-forward. */
  get sandbox(): SandboxInstance | undefined {
    return this.state.sandboxes.find((s) => s.ready);
  }

  /** The newest instance of a container (index 0) and the one before it (index 1). */
  instances(name: string): ContainerInstance[] {
    return this.state.containers.get(name) ?? [];
  }

  update(pod: KObject): void {
    this.pod = pod;
    this.requestSync();
  }

  /** The pod is gone from the API (or from this node): stop it and clean up. */
  remove(): void {
    this.gone = true;
    this.requestSync();
  }

  /** The agent stops: timers and probes end, the containers keep running. */
  stopQuietly(): void {
    this.cleaned = true;
    this.timer?.cancel();
    this.stopProbes();
  }

  get isCleanedUp(): boolean {
    return this.cleaned;
  }

  requestSync(): void {
    this.dirty = true;
    if (this.running) return;
    this.running = true;
    void this.loop();
  }

  private async loop(): Promise<void> {
    try {
      while (this.dirty && !this.cleaned) {
        this.dirty = false;
        try {
          await this.sync();
        } catch (e) {
          this.deps.logger.warn("pod sync failed", { pod: this.key, error: (e as Error).message });
          this.retryIn(this.nextRetry());
        }
      }
    } finally {
      this.running = false;
    }
  }

  private nextRetry(): number {
    const ms = this.retryMs;
    this.retryMs = Math.min(this.retryMs * 2, retryMaxMs);
    return ms;
  }

  /** Syncs again after `ms` (the earliest of all asked for wins). */
  private retryIn(ms: number): void {
    const at = this.deps.clock.now().getTime() + ms;
    if (this.timer && this.timer.at <= at) return;
    this.timer?.cancel();
    const t = this.deps.clock.setTimeout(() => {
      this.timer = undefined;
      this.requestSync();
    }, ms);
    this.timer = { cancel: () => t.cancel(), at };
  }

  private specs(): Array<{ spec: Spec; kind: "init" | "regular" }> {
    const spec = (this.pod.spec ?? {}) as { containers?: Spec[]; initContainers?: Spec[] };
    return [
      ...(spec.initContainers ?? []).map((s) => ({ spec: s, kind: "init" as const })),
      ...(spec.containers ?? []).map((s) => ({ spec: s, kind: "regular" as const })),
    ];
  }

  private get restartPolicy(): string {
    return (this.pod.spec as { restartPolicy?: string }).restartPolicy ?? "Always";
  }

  private get hostNetwork(): boolean {
    return (this.pod.spec as { hostNetwork?: boolean }).hostNetwork === true;
  }

  private event(
    type: "Normal" | "Warning",
    reason: string,
    message: string,
    container?: Spec,
    kind?: "init" | "regular",
  ): void {
    const field = container
      ? `spec.${kind === "init" ? "initContainers" : "containers"}{${container.name}}`
      : undefined;
    this.deps.event(this.pod, type, reason, message, field);
  }

  private async sync(): Promise<void> {
    this.state = await readPodState(this.deps.runtime, this.uid, this.cache);
    const deleting = !!this.pod.metadata?.deletionTimestamp;
    if (this.gone || deleting) return this.terminate();
    if (this.finished) {
      this.report();
      return;
    }
    const phase = (this.pod.status as { phase?: string } | undefined)?.phase;
    if ((phase === "Succeeded" || phase === "Failed") && !this.state.sandboxes.length) {
      // Finished before this agent knew it (e.g. while it was down): nothing runs again.
      this.finished = true;
      return;
    }
    this.startTime ??= rfc3339(this.deps.clock.now());
    if (this.pastDeadline()) {
      this.deadlineExceeded = true;
      this.event(
        "Normal",
        "DeadlineExceeded",
        "Pod was active on the node longer than the specified deadline",
      );
      await this.killAll(this.graceSeconds());
      this.finished = true;
      this.report();
      return;
    }
    const sandbox = await this.ensureSandbox();
    if (!sandbox || !(await this.ensureVolumes(sandbox))) {
      this.report();
      return;
    }
    await this.startContainers(sandbox);
    this.state = await readPodState(this.deps.runtime, this.uid, this.cache);
    for (const { spec, kind } of this.specs()) {
      const latest = this.instances(spec.name)[0];
      if (kind === "regular" && latest?.state === "running") this.ensureProbes(spec, latest);
    }
    await this.collectGarbage();
    const { phase: now } = this.report();
    if (now === "Succeeded" || now === "Failed") {
      this.finished = true;
      this.stopProbes();
      for (const s of this.state.sandboxes)
        if (s.ready) await this.deps.runtime.stopPodSandbox(s.id).catch(() => {});
    }
    this.retryMs = retryMinMs;
    // Upstream's pod workers resync every --sync-frequency: that is when changed volume sources land.
    if (!this.finished) this.retryIn(this.deps.syncFrequencyMs);
  }

  private pastDeadline(): boolean {
    const seconds = (this.pod.spec as { activeDeadlineSeconds?: number }).activeDeadlineSeconds;
    if (seconds === undefined || !this.startTime) return false;
    const left = Date.parse(this.startTime) + seconds * 1000 - this.deps.clock.now().getTime();
    if (left > 0) this.retryIn(left);
    return left <= 0;
  }

  /** The pod's sandbox, created (again) if it has none that is ready; undefined when it cannot run now. */
  private async ensureSandbox(): Promise<SandboxInstance | undefined> {
    const current = this.state.sandboxes[0];
    if (current?.ready && (current.ip || this.hostNetwork)) return current;
    const ran = [...this.state.containers.values()].some((l) => l.length > 0);
    if (current && ran && this.restartPolicy === "Never") {
      // kuberuntime computePodActions: a pod that never restarts gets no new sandbox once it ran.
      return undefined;
    }
    if (current) {
      this.event("Normal", "SandboxChanged", "Pod sandbox changed, it will be killed and re-created.");
      await this.killAll(0);
    }
    const attempt = current ? current.attempt + 1 : 0;
    const { config, dnsFellBack } = sandboxConfig({
      pod: this.pod,
      attempt,
      logsRoot: this.deps.logsRoot,
      nodeHostname: this.deps.node.hostname,
      dns: this.deps.dns,
    });
    if (dnsFellBack && attempt === 0)
      this.event(
        "Warning",
        "MissingClusterDNS",
        `pod: "${this.pod.metadata?.name}_${this.pod.metadata?.namespace}(${this.uid})". kubelet does not have ClusterDNS IP configured and cannot create Pod using "ClusterFirst" policy. Falling back to "Default" policy.`,
      );
    mkdirSync(config.log_directory!, { recursive: true });
    let id: string;
    try {
      id = await this.deps.runtime.runPodSandbox(config);
    } catch (e) {
      this.event(
        "Warning",
        "FailedCreatePodSandBox",
        `Failed to create pod sandbox: ${(e as Error).message}`,
      );
      for (const { spec } of this.specs())
        if (!this.waiting.has(spec.name)) this.waiting.set(spec.name, { reason: "ContainerCreating" });
      this.retryIn(this.nextRetry());
      return undefined;
    }
    this.sandboxConfigCache = { id, config };
    this.state = await readPodState(this.deps.runtime, this.uid, this.cache);
    return this.state.sandboxes.find((s) => s.id === id);
  }

  private podIP(sandbox: SandboxInstance): string {
    return this.hostNetwork ? this.deps.node.ip : (sandbox.ip ?? "");
  }

  private async ensureVolumes(sandbox: SandboxInstance): Promise<boolean> {
    try {
      this.volumes = await this.deps.volumes.setUp(this.pod, this.podIP(sandbox), this.deps.node.ip);
    } catch (e) {
      if (!(e instanceof MountError)) throw e;
      this.event("Warning", "FailedMount", e.message);
      this.retryIn(this.nextRetry());
      return false;
    }
    if (!this.hostNetwork && this.hostsFor !== sandbox.id) {
      const spec = this.pod.spec as { hostAliases?: Array<{ ip: string; hostnames: string[] }> };
      const dir = this.deps.volumes.podDir(this.uid);
      mkdirSync(dir, { recursive: true });
      writeFileSync(
        join(dir, "etc-hosts"),
        hostsFileContent(
          this.podIP(sandbox),
          this.sandboxConfigFor(sandbox).hostname ?? "",
          spec.hostAliases ?? [],
        ),
      );
      this.hostsFor = sandbox.id;
    }
    return true;
  }

  private sandboxConfigFor(sandbox: SandboxInstance): PodSandboxConfig {
    if (this.sandboxConfigCache?.id !== sandbox.id) {
      const { config } = sandboxConfig({
        pod: this.pod,
        attempt: sandbox.attempt,
        logsRoot: this.deps.logsRoot,
        nodeHostname: this.deps.node.hostname,
        dns: this.deps.dns,
      });
      this.sandboxConfigCache = { id: sandbox.id, config };
    }
    return this.sandboxConfigCache.config;
  }

  /** Init containers one at a time in order, then every container that should run and does not. */
  private async startContainers(sandbox: SandboxInstance): Promise<void> {
    const all = this.specs();
    for (const { spec, kind } of all.filter((c) => c.kind === "init")) {
      // Init containers of an earlier sandbox do not count: a new sandbox runs them all again.
      const latest = this.instances(spec.name).find((i) => i.sandboxId === sandbox.id);
      if (latest?.state === "running" || latest?.state === "created") {
        if (latest.state === "created") await this.start(spec, kind, latest.restartCount, sandbox, latest);
        return;
      }
      if (latest?.state === "exited" && latest.exitCode === 0) continue;
      if (latest?.state === "exited" && this.restartPolicy === "Never") return;
      await this.maybeStart(spec, kind, sandbox, latest, this.instances(spec.name)[0]);
      return;
    }
    for (const { spec, kind } of all.filter((c) => c.kind === "regular")) {
      const latest = this.instances(spec.name)[0];
      if (latest?.state === "running") {
        this.waiting.delete(spec.name);
        this.ensureProbes(spec, latest);
        continue;
      }
      if (latest?.state === "created" && latest.sandboxId === sandbox.id) {
        await this.start(spec, kind, latest.restartCount, sandbox, latest);
        continue;
      }
      if (latest?.state === "exited" || latest?.state === "unknown") {
        this.stopProbesOf(latest.id);
        if (!this.shouldRestart(latest.exitCode)) {
          this.waiting.delete(spec.name);
          continue;
        }
      }
      await this.maybeStart(spec, kind, sandbox, latest);
    }
  }

  private shouldRestart(exitCode: number): boolean {
    return this.restartPolicy === "Always" || (this.restartPolicy === "OnFailure" && exitCode !== 0);
  }

  /** Starts the container unless it is in its crash-loop back-off. */
  private async maybeStart(
    spec: Spec,
    kind: "init" | "regular",
    sandbox: SandboxInstance,
    latest?: ContainerInstance,
    newest: ContainerInstance | undefined = latest,
  ): Promise<void> {
    if (latest && (latest.state === "exited" || latest.state === "unknown")) {
      const finished = latest.finishedAt?.getTime() ?? this.deps.clock.now().getTime();
      const ran = finished - (latest.startedAt?.getTime() ?? finished);
      let delay = this.backoff.get(spec.name) ?? 0;
      if (ran >= 2 * maxBackoffMs) delay = 0;
      const wait = finished + delay - this.deps.clock.now().getTime();
      if (wait > 0) {
        const m = this.pod.metadata!;
        const message = `back-off ${formatGoDuration(delay)} restarting failed container=${spec.name} pod=${m.name}_${m.namespace}(${m.uid})`;
        if (this.waiting.get(spec.name)?.reason !== "CrashLoopBackOff")
          this.event(
            "Warning",
            "BackOff",
            `Back-off restarting failed container ${spec.name} in pod ${m.name}_${m.namespace}(${m.uid})`,
            spec,
            kind,
          );
        this.waiting.set(spec.name, { reason: "CrashLoopBackOff", message });
        this.retryIn(wait);
        return;
      }
      this.backoff.set(spec.name, delay === 0 ? initialBackoffMs : Math.min(delay * 2, maxBackoffMs));
    }
    // Counted across sandboxes, so each instance keeps a log file of its own.
    const restartCount = newest ? newest.restartCount + 1 : 0;
    await this.start(spec, kind, restartCount, sandbox);
  }

  /** Pulls, configures, creates and starts one container instance (kuberuntime startContainer). */
  private async start(
    spec: Spec,
    kind: "init" | "regular",
    restartCount: number,
    sandbox: SandboxInstance,
    created?: ContainerInstance,
  ): Promise<void> {
    const sbConfig = this.sandboxConfigFor(sandbox);
    let id = created?.id;
    if (!id) {
      let imageRef: string;
      try {
        imageRef = await this.deps.images.ensureImage(this.pod, spec, sbConfig, (t, r, m) =>
          this.event(t, r, m, spec, kind),
        );
      } catch (e) {
        if (!(e instanceof ImageError)) throw e;
        this.waiting.set(spec.name, { reason: e.reason, message: e.message });
        if (e.reason !== "ImagePullBackOff")
          this.event("Warning", "Failed", `Error: ${e.reason}`, spec, kind);
        else this.event("Warning", "Failed", "Error: ImagePullBackOff", spec, kind);
        this.retryIn(e.retryAfterMs);
        return;
      }
      try {
        const { env, skipped } = await containerEnv({
          pod: this.pod,
          container: spec,
          source: this.deps.source,
          nodeAllocatable: this.deps.node.allocatable,
          podIP: this.podIP(sandbox),
          hostIP: this.deps.node.ip,
        });
        if (skipped.length)
          this.event(
            "Warning",
            "InvalidEnvironmentVariableNames",
            `Keys [${skipped.join(", ")}] from the EnvFrom configMap ${this.pod.metadata?.namespace}/ were skipped since they are considered invalid environment variable names.`,
            spec,
            kind,
          );
        const config = containerConfig({
          pod: this.pod,
          container: spec,
          kind,
          restartCount,
          imageRef,
          env,
          volumes: this.volumes,
          terminationFile: this.deps.volumes.terminationFile(this.uid, spec.name, restartCount),
          hostsFile: this.hostNetwork ? undefined : join(this.deps.volumes.podDir(this.uid), "etc-hosts"),
          memoryCapacity: this.deps.node.memoryCapacity,
          imageUser: await this.deps.imageUser(imageRef),
        });
        try {
          id = await this.deps.runtime.createContainer(sandbox.id, config, sbConfig);
        } catch (e) {
          this.waiting.set(spec.name, { reason: "CreateContainerError", message: (e as Error).message });
          this.event("Warning", "Failed", `Error: ${(e as Error).message}`, spec, kind);
          this.retryIn(this.nextRetry());
          return;
        }
      } catch (e) {
        if (!(e instanceof ContainerConfigError)) throw e;
        this.waiting.set(spec.name, { reason: "CreateContainerConfigError", message: e.message });
        this.event("Warning", "Failed", `Error: ${e.message}`, spec, kind);
        this.retryIn(this.nextRetry());
        return;
      }
      this.event("Normal", "Created", `Created container ${spec.name}`, spec, kind);
    }
    this.waiting.delete(spec.name);
    try {
      await this.deps.runtime.startContainer(id);
    } catch (e) {
      // The container now exists, exited with StartError: the next sync restarts it with back-off.
      this.event("Warning", "Failed", `Error: ${(e as Error).message}`, spec, kind);
      this.dirty = true;
      return;
    }
    this.event("Normal", "Started", `Started container ${spec.name}`, spec, kind);
    const postStart = spec.lifecycle?.postStart;
    if (postStart) {
      const res = await runHook(this.deps.runtime, id, spec, this.podIP(sandbox), postStart, 30_000);
      if (!res.ok) {
        this.event("Warning", "FailedPostStartHook", res.output || "PostStartHook failed", spec, kind);
        await this.stopContainer(id, spec, this.graceSeconds(), false);
      }
    }
  }

  private ensureProbes(spec: Spec, inst: ContainerInstance): void {
    const existing = this.probes.get(inst.id);
    if (existing?.workers.length || this.killing.has(inst.id)) return;
    const state: ProbeState = existing ?? {
      workers: [],
      ready: !spec.readinessProbe,
      started: !spec.startupProbe,
    };
    if (!existing) {
      state.ready = !spec.readinessProbe;
      state.started = !spec.startupProbe;
    }
    this.probes.set(inst.id, state);
    const field = `spec.containers{${spec.name}}`;
    for (const [type, key] of probeFields) {
      const probe = spec[key] as ProbeSpec | undefined;
      if (!probe) continue;
      const w = new ProbeWorker(type, probe, {
        clock: this.deps.clock,
        probe: (p, timeoutMs) =>
          runProbe(this.deps.runtime, inst.id, spec, this.sandbox?.ip ?? this.deps.node.ip, p, timeoutMs),
        startedAt: () => inst.startedAt?.getTime() ?? 0,
        started: () => state.started,
        onFailure: (output) =>
          this.deps.event(
            this.pod,
            "Warning",
            "Unhealthy",
            `${type[0].toUpperCase()}${type.slice(1)} probe failed: ${output}`,
            field,
          ),
        onResult: (ok) => this.probeResult(spec, inst, state, type, probe, ok),
      });
      state.workers.push(w);
      w.start();
    }
  }

  private probeResult(
    spec: Spec,
    inst: ContainerInstance,
    state: ProbeState,
    type: ProbeType,
    probe: ProbeSpec,
    ok: boolean,
  ): void {
    if (type === "readiness") {
      if (state.ready !== ok) {
        state.ready = ok;
        this.report();
      }
      return;
    }
    if (ok) {
      if (!state.started) {
        state.started = true;
        this.report();
      }
      return;
    }
    // A failed liveness or startup probe kills the container; the restart policy brings it back.
    this.event(
      "Normal",
      "Killing",
      `Container ${spec.name} failed ${type} probe, will be restarted`,
      spec,
      "regular",
    );
    const grace = probe.terminationGracePeriodSeconds ?? this.graceSeconds();
    void this.stopContainer(inst.id, spec, grace, false).then(() => this.requestSync());
  }

  private stopProbesOf(id: string): void {
    const p = this.probes.get(id);
    if (!p) return;
    for (const w of p.workers) w.stop();
    this.probes.delete(id);
  }

  private stopProbes(): void {
    for (const id of [...this.probes.keys()]) this.stopProbesOf(id);
  }

  private graceSeconds(): number {
    const m = this.pod.metadata ?? {};
    const spec = this.pod.spec as { terminationGracePeriodSeconds?: number };
    return m.deletionGracePeriodSeconds ?? spec.terminationGracePeriodSeconds ?? 30;
  }

  /** preStop, then SIGTERM, then SIGKILL once the grace period is over (kuberuntime killContainer). */
  private async stopContainer(
    id: string,
    spec: Spec | undefined,
    graceSeconds: number,
    announce = true,
  ): Promise<void> {
    if (this.killing.has(id)) return;
    this.killing.add(id);
    this.stopProbesOf(id);
    try {
      let grace = graceSeconds;
      if (spec && announce)
        this.event("Normal", "Killing", `Stopping container ${spec.name}`, spec, "regular");
      const preStop = spec?.lifecycle?.preStop;
      if (preStop && grace > 0) {
        const started = this.deps.clock.now().getTime();
        await runHook(this.deps.runtime, id, spec, this.sandbox?.ip ?? "", preStop, grace * 1000);
        grace = Math.max(0, grace - Math.round((this.deps.clock.now().getTime() - started) / 1000));
      }
      await this.deps.runtime.stopContainer(id, Math.max(grace, minimumGraceSeconds));
    } catch (e) {
      this.deps.logger.debug("stop container failed", { pod: this.key, id, error: (e as Error).message });
    } finally {
      this.killing.delete(id);
    }
  }

  /** Stops every container (regular ones with their hooks, in parallel) and the sandboxes. */
  private async killAll(graceSeconds: number): Promise<void> {
    const byName = new Map(this.specs().map((s) => [s.spec.name, s.spec]));
    const stops: Promise<void>[] = [];
    for (const [name, list] of this.state.containers)
      for (const inst of list)
        if (inst.state === "running" || inst.state === "created")
          stops.push(this.stopContainer(inst.id, byName.get(name), graceSeconds, inst.state === "running"));
    await Promise.all(stops);
    this.stopProbes();
    for (const s of this.state.sandboxes)
      if (s.ready) await this.deps.runtime.stopPodSandbox(s.id).catch(() => {});
    this.state = await readPodState(this.deps.runtime, this.uid, this.cache);
  }

  /** Deletion: stop everything within the grace period, post the final status, then clean up once gone. */
  private async terminate(): Promise<void> {
    if (!this.finished || this.state.sandboxes.some((s) => s.ready)) {
      await this.killAll(
        this.gone && !this.pod.metadata?.deletionTimestamp ? minimumGraceSeconds : this.graceSeconds(),
      );
      this.finished = true;
    }
    if (!this.gone) {
      const { status } = this.status(true);
      this.lastStatus = status;
      this.deps.notify(this, true);
      return;
    }
    await this.cleanUp();
  }

  private async cleanUp(): Promise<void> {
    if (this.cleaned) return;
    this.timer?.cancel();
    this.stopProbes();
    for (const list of this.state.containers.values())
      for (const inst of list) await this.deps.runtime.removeContainer(inst.id).catch(() => {});
    for (const s of this.state.sandboxes) {
      await this.deps.runtime.stopPodSandbox(s.id).catch(() => {});
      await this.deps.runtime.removePodSandbox(s.id).catch(() => {});
    }
    await this.deps.volumes.tearDown(this.uid);
    this.deps.images.forget(this.uid);
    this.cleaned = true;
  }

  /** Container GC: the newest instance and the one before it are kept (for status and --previous logs). */
  private async collectGarbage(): Promise<void> {
    for (const list of this.state.containers.values())
      for (const inst of list.slice(2))
        if (inst.state === "exited") await this.deps.runtime.removeContainer(inst.id).catch(() => {});
    const current = this.state.sandboxes[0];
    const used = new Set([...this.state.containers.values()].flatMap((l) => l.map((i) => i.sandboxId)));
    for (const s of this.state.sandboxes)
      if (s !== current && !s.ready && !used.has(s.id))
        await this.deps.runtime.removePodSandbox(s.id).catch(() => {});
  }

  /** The newest status; posted to the status manager. */
  currentStatus(): Record<string, unknown> | undefined {
    return this.lastStatus;
  }

  private report(): { phase: string } {
    const { status, phase } = this.status(false);
    this.lastStatus = status;
    this.deps.notify(this, false);
    return { phase };
  }

  private status(terminal: boolean): { status: Record<string, unknown>; phase: string } {
    const sandbox = this.sandbox;
    const views: ContainerView[] = this.specs().map(({ spec, kind }) => {
      const instances = this.instances(spec.name);
      const latest = instances[0];
      const probe = latest ? this.probes.get(latest.id) : undefined;
      let waiting = this.waiting.get(spec.name);
      if (
        latest?.state === "running" ||
        (latest?.state === "exited" && !waiting && (kind === "init" || !this.shouldRestart(latest.exitCode)))
      )
        waiting = undefined;
      return {
        spec,
        kind,
        instances,
        waiting,
        ready: kind === "regular" && (probe ? probe.ready && probe.started : !spec.readinessProbe),
        started: probe ? probe.started : !spec.startupProbe,
      };
    });
    const podIP = this.hostNetwork
      ? this.deps.node.ip
      : (sandbox?.ip ?? (this.pod.status as { podIP?: string } | undefined)?.podIP);
    return buildPodStatus({
      pod: this.pod,
      now: this.deps.clock.now(),
      conditions: this.conditions,
      hostIP: this.deps.node.ip,
      podIP,
      startTime: this.startTime,
      sandboxReady: !!sandbox,
      terminal: terminal || this.deadlineExceeded,
      deadlineExceeded: this.deadlineExceeded,
      containers: views,
      terminationMessage: (inst, spec) => this.terminationMessage(inst, spec),
    });
  }

  private terminationMessage(inst: ContainerInstance, spec: Record<string, any>): string {
    let msg = this.deps.volumes.readTerminationMessage(this.uid, inst.name, inst.restartCount);
    if (!msg && inst.exitCode !== 0 && spec.terminationMessagePolicy === "FallbackToLogsOnError")
      msg = tailForTermination(inst.logPath);
    return msg || inst.message || "";
  }
}
