import type { KObject } from "../apimachinery/meta.ts";
import { rfc3339, type Clock } from "../util/clock.ts";
import type { Logger } from "../util/logger.ts";
import { formatGoDuration } from "./go-duration.ts";
import {
  ConditionClock,
  podPhase,
  type ConditionInput,
  type ContainerStanding,
  type Phase,
} from "./pod-status.ts";
import { ProbeWorker, type ProbeSpec, type ProbeType } from "./probe-worker.ts";
import type { ContainerExit, ContainerRuntime, ContainerSpec } from "./runtime.ts";
import { simulatedReady } from "./simulated-annotations.ts";

// Container restart back-off as the kubelet's (pkg/kubelet/kubelet.go: 10s doubling, capped at 5m).
const initialBackoffMs = 10_000;
const maxBackoffMs = 300_000;

type State =
  | { waiting: { reason: string; message?: string } }
  | { running: { startedAt: string } }
  | { terminated: Terminated };

interface Terminated {
  exitCode: number;
  reason: string;
  startedAt: string;
  finishedAt: string;
  containerID?: string;
}

interface ContainerRecord {
  spec: ContainerSpec;
  kind: "init" | "regular";
  image: string;
  imageID: string;
  containerID?: string;
  startedAt?: string;
  restartCount: number;
  state: State;
  lastState: { terminated?: Terminated };
  ready: boolean;
  started: boolean;
  /** The delay before the next restart; 0 until the first restart (the first one is immediate). */
  backoffMs: number;
  timer?: { cancel(): void };
  probes: ProbeWorker[];
  /** The container before this one, whose logs `kubectl logs --previous` shows. */
  previousContainerID?: string;
  /** The latest readiness probe result (true without a readiness probe). */
  readinessOk: boolean;
}

export interface PodWorkerDeps {
  runtime: ContainerRuntime;
  clock: Clock;
  logger: Logger;
  hostIP: string;
  allocateIp(): string | undefined;
  releaseIp(ip: string): void;
  /** The pod's status changed; `terminated` once it has stopped after deletion and may be removed. */
  notify(worker: PodWorker, terminated: boolean): void;
  /** How long "ContainerCreating" lasts (0: the status manager usually only ever sees Running). */
  containerCreatingMs: number;
  /** A kubelet event about the pod (or one of its containers, by fieldPath). */
  event(pod: KObject, type: "Normal" | "Warning", reason: string, message: string, fieldPath?: string): void;
}

const probeFields: Array<[ProbeType, string]> = [
  ["startup", "startupProbe"],
  ["liveness", "livenessProbe"],
  ["readiness", "readinessProbe"],
];
const capitalized = (t: ProbeType) => t[0]!.toUpperCase() + t.slice(1);

/**
 * One pod's lifecycle on a node (the kubelet's pod worker + SyncPod): sandbox and IP, init containers,
 * containers with restarts and CrashLoopBackOff, completion, and graceful termination on deletion.
 */
export class PodWorker {
  readonly key: string;
  readonly uid: string;
  pod: KObject;
  private readonly deps: PodWorkerDeps;
  private readonly conditions = new ConditionClock();
  private readonly init: ContainerRecord[];
  private readonly regular: ContainerRecord[];
  private startTime?: string;
  private podIP?: string;
  private sandboxReady = false;
  private initialized = false;
  private begun = false;
  private terminating = false;
  private finished = false;
  private stopped = false;
  private phase: Phase = "Pending";
  private creatingTimer?: { cancel(): void };

  constructor(pod: KObject, deps: PodWorkerDeps) {
    this.pod = pod;
    this.deps = deps;
    this.key = `${pod.metadata!.namespace}/${pod.metadata!.name}`;
    this.uid = pod.metadata!.uid ?? "";
    const spec = (pod.spec ?? {}) as { containers?: ContainerSpec[]; initContainers?: ContainerSpec[] };
    const record = (c: ContainerSpec, kind: "init" | "regular"): ContainerRecord => ({
      spec: c,
      kind,
      image: c.image ?? "",
      imageID: "",
      restartCount: 0,
      state: { waiting: { reason: kind === "init" ? "PodInitializing" : "ContainerCreating" } },
      lastState: {},
      ready: false,
      started: false,
      backoffMs: 0,
      probes: [],
      readinessOk: true,
    });
    this.init = (spec.initContainers ?? []).map((c) => record(c, "init"));
    this.regular = (spec.containers ?? []).map((c) => record(c, "regular"));
    if (this.init.length) for (const r of this.regular) r.state = { waiting: { reason: "PodInitializing" } };
    // A status the API already holds (e.g. from before a restart) keeps its times and counts.
    const status = (pod.status ?? {}) as Record<string, any>;
    const now = rfc3339(deps.clock.now());
    for (const c of (status.conditions ?? []) as Array<Record<string, string>>)
      this.conditions.seed(c.type, c.status, c.lastTransitionTime ?? now);
    if (typeof status.startTime === "string") this.startTime = status.startTime;
    for (const cs of (status.containerStatuses ?? []) as Array<Record<string, any>>) {
      const r = this.regular.find((x) => x.spec.name === cs.name);
      if (!r) continue;
      r.restartCount = Number(cs.restartCount ?? 0);
      if (cs.lastState?.terminated) r.lastState = { terminated: cs.lastState.terminated };
    }
    this.adoptedIp = typeof status.podIP === "string" ? status.podIP : undefined;
  }

  /** An IP the pod held before this worker existed; the node agent claims it in its pool. */
  readonly adoptedIp?: string;

  get nodeName(): string {
    return (this.pod.spec as { nodeName?: string }).nodeName ?? "";
  }

  get isFinished(): boolean {
    return this.finished;
  }

  /** Takes the newest API view of the pod and moves its lifecycle on. */
  update(pod: KObject): void {
    this.pod = pod;
    if (this.stopped || this.finished) return;
    if (pod.metadata?.deletionTimestamp) {
      this.terminate();
      return;
    }
    if (!this.begun) {
      this.begun = true;
      this.begin();
    }
  }

  /** Forgets the pod without reporting anything (it is gone from the API, or no longer ours). */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.creatingTimer?.cancel();
    for (const r of [...this.init, ...this.regular]) {
      r.timer?.cancel();
      this.stopProbes(r);
      if (r.containerID) this.deps.runtime.removeContainer(r.containerID);
      if (r.previousContainerID) this.deps.runtime.removeContainer(r.previousContainerID);
    }
    this.releaseIp();
  }

  /** Which container's log a request for `name` means, or why there is none (kubelet's GetContainerLogs). */
  logTarget(name: string, previous: boolean): { id: string } | { error: string } {
    const r = [...this.regular, ...this.init].find((x) => x.spec.name === name);
    const pod = this.pod.metadata?.name ?? "";
    if (previous) {
      return r?.previousContainerID
        ? { id: r.previousContainerID }
        : { error: `previous terminated container "${name}" in pod "${pod}" not found` };
    }
    if (!r?.containerID) {
      const reason = r && "waiting" in r.state ? r.state.waiting.reason : "ContainerCreating";
      return { error: `container "${name}" in pod "${pod}" is waiting to start: ${reason}` };
    }
    return { id: r.containerID };
  }

  private stopProbes(r: ContainerRecord): void {
    for (const w of r.probes) w.stop();
    r.probes = [];
  }

  /** The prober manager's part (pkg/kubelet/prober): a worker per probe the container declares. */
  private startProbes(r: ContainerRecord, id: string): void {
    this.stopProbes(r);
    const spec = r.spec as Record<string, unknown>;
    const fieldPath = `spec.containers{${r.spec.name}}`;
    for (const [type, field] of probeFields) {
      const probe = spec[field] as ProbeSpec | undefined;
      if (!probe) continue;
      const worker = new ProbeWorker(type, probe, {
        clock: this.deps.clock,
        probe: (p, timeoutMs) => this.deps.runtime.probe(id, r.spec, this.podIP ?? "", p, timeoutMs),
        startedAt: () => Date.parse(r.startedAt ?? ""),
        started: () => r.started,
        onFailure: (output) =>
          this.deps.event(
            this.pod,
            "Warning",
            "Unhealthy",
            `${capitalized(type)} probe failed: ${output}`,
            fieldPath,
          ),
        onResult: (ok) => this.probeResult(r, id, type, probe, ok),
      });
      r.probes.push(worker);
      worker.start();
    }
  }

  private probeResult(r: ContainerRecord, id: string, type: ProbeType, probe: ProbeSpec, ok: boolean): void {
    if (r.containerID !== id || !("running" in r.state) || this.terminating || this.stopped) return;
    if (type === "readiness") {
      r.readinessOk = ok;
      const ready = ok && simulatedReady(this.pod);
      if (ready !== r.ready) {
        r.ready = ready;
        this.deps.notify(this, false);
      }
      return;
    }
    if (ok) {
      // Startup succeeded: liveness and readiness probing begin.
      if (!r.started) {
        r.started = true;
        this.deps.notify(this, false);
      }
      return;
    }
    // kuberuntime computePodActions: a failed liveness or startup probe kills the container, which is
    // then restarted as its restart policy says.
    this.stopProbes(r);
    this.deps.event(
      this.pod,
      "Normal",
      "Killing",
      `Container ${r.spec.name} failed ${type} probe, will be restarted`,
      `spec.containers{${r.spec.name}}`,
    );
    const podGrace = (this.pod.spec as { terminationGracePeriodSeconds?: number })
      .terminationGracePeriodSeconds;
    const graceSeconds = probe.terminationGracePeriodSeconds ?? podGrace ?? 30;
    void this.deps.runtime.stopContainer(id, graceSeconds * 1000);
  }

  private begin(): void {
    const status = (this.pod.status ?? {}) as { phase?: string };
    if (status.phase === "Succeeded" || status.phase === "Failed") {
      // Already finished before we saw it: nothing runs again.
      this.phase = status.phase;
      this.finished = true;
      return;
    }
    this.startTime ??= rfc3339(this.deps.clock.now());
    this.deps.notify(this, false);
    const go = () => {
      this.creatingTimer = undefined;
      this.createSandbox();
    };
    if (this.deps.containerCreatingMs > 0)
      this.creatingTimer = this.deps.clock.setTimeout(go, this.deps.containerCreatingMs);
    else go();
  }

  private createSandbox(): void {
    if (this.stopped || this.terminating) return;
    const hostNetwork = (this.pod.spec as { hostNetwork?: boolean }).hostNetwork === true;
    const ip = hostNetwork ? this.deps.hostIP : (this.adoptedIp ?? this.deps.allocateIp());
    if (!ip) {
      this.deps.logger.warn("no free pod IP on node", { pod: this.key });
      return;
    }
    this.podIP = ip;
    this.sandboxReady = true;
    this.runInit(0);
  }

  private runInit(i: number): void {
    if (this.stopped || this.terminating) return;
    if (i >= this.init.length) {
      this.initialized = true;
      for (const r of this.regular) void this.startContainer(r);
      if (!this.regular.length) this.deps.notify(this, false);
      return;
    }
    const r = this.init[i];
    void this.startContainer(r, (exit) => {
      if (exit.exitCode === 0) this.runInit(i + 1);
    });
  }

  private async startContainer(r: ContainerRecord, afterExit?: (exit: ContainerExit) => void): Promise<void> {
    let id: string | undefined;
    try {
      const started = await this.deps.runtime.startContainer(this.pod, r.spec, r.kind, (exit) => {
        if (id === undefined || r.containerID !== id) return;
        this.onExit(r, exit);
        afterExit?.(exit);
      });
      id = started.containerID;
      if (this.stopped || this.terminating) {
        this.deps.runtime.removeContainer(id);
        return;
      }
      if (r.containerID && r.containerID !== id) {
        // Only the last dead container is kept, as the kubelet's container GC keeps it.
        if (r.previousContainerID) this.deps.runtime.removeContainer(r.previousContainerID);
        r.previousContainerID = r.containerID;
      }
      r.containerID = id;
      r.image = started.image;
      r.imageID = started.imageID;
      r.startedAt = rfc3339(started.startedAt);
      r.state = { running: { startedAt: r.startedAt } };
      const spec = r.spec as { startupProbe?: unknown; readinessProbe?: unknown };
      r.started = r.kind === "regular" && !spec.startupProbe;
      r.readinessOk = !spec.readinessProbe;
      r.ready = r.kind === "regular" && r.started && r.readinessOk && simulatedReady(this.pod);
      if (r.kind === "regular") this.startProbes(r, id);
      this.recomputePhase();
      this.deps.notify(this, false);
    } catch (e) {
      r.state = { waiting: { reason: "CreateContainerError", message: (e as Error).message } };
      this.deps.notify(this, false);
    }
  }

  private onExit(r: ContainerRecord, exit: ContainerExit): void {
    const terminated: Terminated = {
      exitCode: exit.exitCode,
      reason: exit.reason,
      startedAt: r.startedAt ?? rfc3339(exit.finishedAt),
      finishedAt: rfc3339(exit.finishedAt),
      containerID: r.containerID,
    };
    r.state = { terminated };
    r.ready = r.kind === "init";
    r.started = false;
    this.stopProbes(r);
    if (this.terminating) {
      this.maybeFinish();
      return;
    }
    if (r.kind === "regular" && this.shouldRestart(exit.exitCode)) {
      const ranMs = exit.finishedAt.getTime() - Date.parse(terminated.startedAt);
      // A container that ran cleanly for twice the maximum back-off starts over (flowcontrol.Backoff GC).
      if (ranMs >= 2 * maxBackoffMs) r.backoffMs = 0;
      const delay = r.backoffMs;
      r.backoffMs = delay === 0 ? initialBackoffMs : Math.min(delay * 2, maxBackoffMs);
      const restart = () => {
        r.timer = undefined;
        if (this.stopped || this.terminating) return;
        r.restartCount++;
        r.lastState = { terminated };
        void this.startContainer(r);
      };
      if (delay === 0) {
        restart();
        return;
      }
      const m = this.pod.metadata!;
      r.state = {
        waiting: {
          reason: "CrashLoopBackOff",
          message: `back-off ${formatGoDuration(delay)} restarting failed container=${r.spec.name} pod=${m.name}_${m.namespace}(${m.uid})`,
        },
      };
      r.timer = this.deps.clock.setTimeout(restart, delay);
    }
    this.recomputePhase();
    if (this.phase === "Succeeded" || this.phase === "Failed") {
      this.finished = true;
      this.releaseIp();
    }
    this.deps.notify(this, false);
  }

  private shouldRestart(exitCode: number): boolean {
    const policy = (this.pod.spec as { restartPolicy?: string }).restartPolicy ?? "Always";
    return policy === "Always" || (policy === "OnFailure" && exitCode !== 0);
  }

  /** Deletion: stop every container within min(grace, 1s), report the final status, then let go. */
  private terminate(): void {
    if (this.terminating) return;
    this.terminating = true;
    this.creatingTimer?.cancel();
    const m = this.pod.metadata!;
    const spec = this.pod.spec as { terminationGracePeriodSeconds?: number };
    const graceMs = (m.deletionGracePeriodSeconds ?? spec.terminationGracePeriodSeconds ?? 30) * 1000;
    let running = 0;
    for (const r of [...this.init, ...this.regular]) {
      r.timer?.cancel();
      this.stopProbes(r);
      if (r.containerID && "running" in r.state) {
        running++;
        void this.deps.runtime.stopContainer(r.containerID, graceMs);
      }
    }
    if (!running) this.maybeFinish();
  }

  private maybeFinish(): void {
    if (this.finished) return;
    if ([...this.init, ...this.regular].some((r) => "running" in r.state)) return;
    for (const r of this.regular) {
      if (!("terminated" in r.state)) {
        // Never ran or waiting to restart: the kubelet reports such containers as terminated too.
        const at = rfc3339(this.deps.clock.now());
        const last = r.lastState.terminated;
        r.state = {
          terminated: last ?? { exitCode: 0, reason: "Completed", startedAt: at, finishedAt: at },
        };
      }
      r.ready = false;
    }
    this.recomputePhase(true);
    this.finished = true;
    this.releaseIp();
    this.deps.notify(this, true);
  }

  private releaseIp(): void {
    const hostNetwork = (this.pod.spec as { hostNetwork?: boolean }).hostNetwork === true;
    if (this.podIP && !hostNetwork) this.deps.releaseIp(this.podIP);
    this.sandboxReady = false;
  }

  /** kubelet_pods.go getPhase. */
  private recomputePhase(podIsTerminal = false): void {
    if (this.phase === "Succeeded" || this.phase === "Failed") return;
    if (!this.initialized && !podIsTerminal) {
      this.phase = "Pending";
      return;
    }
    const standings: ContainerStanding[] = this.regular.map((r) => {
      if ("running" in r.state) return "running";
      if ("terminated" in r.state)
        return r.state.terminated.exitCode === 0 ? "terminated-ok" : "terminated-failed";
      return r.lastState.terminated ? "restarting" : "waiting";
    });
    this.phase = podPhase({
      initialized: true,
      initFailed: false,
      terminal: podIsTerminal,
      restartPolicy: (this.pod.spec as { restartPolicy?: string }).restartPolicy ?? "Always",
      containers: standings,
    });
  }

  /** The pod status the kubelet would post now (generateAPIPodStatus). */
  status(): Record<string, unknown> {
    const now = rfc3339(this.deps.clock.now());
    const terminal = this.phase === "Succeeded" || this.phase === "Failed";
    const unready = this.regular.filter((r) => !r.ready).map((r) => r.spec.name);
    const incomplete = this.init.filter((r) => !("terminated" in r.state)).map((r) => r.spec.name);
    const readyCond = (type: string): ConditionInput =>
      terminal
        ? { type, status: "False", reason: "PodCompleted" }
        : unready.length
          ? {
              type,
              status: "False",
              reason: "ContainersNotReady",
              message: `containers with unready status: [${unready.join(" ")}]`,
            }
          : { type, status: "True" };
    const conditions = this.conditions.stamp(
      [
        { type: "PodReadyToStartContainers", status: this.sandboxReady ? "True" : "False" },
        this.initialized || terminal
          ? { type: "Initialized", status: "True" }
          : {
              type: "Initialized",
              status: "False",
              reason: "ContainersNotInitialized",
              message: `containers with incomplete status: [${incomplete.join(" ")}]`,
            },
        readyCond("Ready"),
        readyCond("ContainersReady"),
        { type: "PodScheduled", status: "True" },
      ],
      now,
    );
    const containerStatus = (r: ContainerRecord) => {
      const s: Record<string, unknown> = {
        name: r.spec.name,
        state: r.state,
        lastState: r.lastState,
        ready: r.ready,
        restartCount: r.restartCount,
        image: r.image,
        imageID: r.imageID,
        started: r.started,
      };
      if (r.containerID) s.containerID = r.containerID;
      return s;
    };
    const status: Record<string, unknown> = {
      phase: this.phase,
      conditions,
      hostIP: this.deps.hostIP,
      hostIPs: [{ ip: this.deps.hostIP }],
    };
    if (this.podIP) {
      status.podIP = this.podIP;
      status.podIPs = [{ ip: this.podIP }];
    }
    if (this.startTime) status.startTime = this.startTime;
    if (this.init.length) status.initContainerStatuses = this.init.map(containerStatus);
    status.containerStatuses = this.regular.map(containerStatus);
    return status;
  }
}
