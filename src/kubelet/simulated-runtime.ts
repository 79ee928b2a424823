import { createHash, randomUUID } from "node:crypto";
import type { KObject } from "../apimachinery/meta.ts";
import type { Clock } from "../util/clock.ts";
import type { ContainerLog, LogLine } from "../apiserver/kubelet-connections.ts";
import type { ProbeOutcome, ProbeSpec } from "./probe-worker.ts";
import {
  type ContainerExit,
  type ContainerRuntime,
  type ContainerSpec,
  resolvePort,
  type StartedContainer,
} from "./runtime.ts";
import { simulatedExec } from "./simulated-exec.ts";
import { imageModel, type ImageModel } from "./simulated-images.ts";
import { simulatedDurationMs, simulatedExitCode } from "./simulated-annotations.ts";

/** RFC 3339 with nanoseconds, as CRI log lines are stamped. */
function rfc3339Nano(d: Date): string {
  return d.toISOString().replace(/Z$/, "000000Z");
}

/** "simulated://ID" → "ID". */
const idOf = (containerID: string) => containerID.replace(/^[a-z]+:\/\//, "");

/** A simulated shutdown never takes longer than this, whatever the grace period. */
const maxShutdownMs = 1000;

interface Running {
  timer?: { cancel(): void };
  logTimer?: { cancel(): void };
  onExit: (exit: ContainerExit) => void;
  model?: ImageModel;
  hostname: string;
  requests: number;
  logs: LogLine[];
  seq: number;
}

/** Log lines kept per container, as a CRI runtime keeps a bounded log file. */
const maxLogLines = 1000;

/** docker.io/library/nginx:latest for "nginx", as containerd normalizes references. */
export function normalizeImage(image: string): string {
  let ref = image || "";
  const first = ref.split("/")[0];
  const hasRegistry =
    ref.includes("/") && (first.includes(".") || first.includes(":") || first === "localhost");
  if (!hasRegistry) ref = ref.includes("/") ? `docker.io/${ref}` : `docker.io/library/${ref}`;
  const lastSegment = ref.slice(ref.lastIndexOf("/") + 1);
  if (!ref.includes("@") && !lastSegment.includes(":")) ref += ":latest";
  return ref;
}

function imageDigest(image: string): string {
  const at = image.indexOf("@");
  const repo = (at >= 0 ? image.slice(0, at) : image).replace(/:[^/:]*$/, "");
  const digest = at >= 0 ? image.slice(at + 1) : `sha256:${createHash("sha256").update(image).digest("hex")}`;
  return `${repo}@${digest}`;
}

/**
 * Runs containers without processes: a container "runs" for the pod's simulated-duration annotation
 * and then exits with its simulated-exit-code; init containers complete at once. Containers of the
 * images in simulated-images.ts answer probes and log as those images do; others answer every probe.
 */
export class SimulatedRuntime implements ContainerRuntime {
  readonly name = "simulated";
  readonly version = "1.0";
  private readonly clock: Clock;
  private readonly running = new Map<string, Running>();
  /** Logs of containers that have exited, until they are removed (for `kubectl logs --previous`). */
  private readonly exitedLogs = new Map<string, LogLine[]>();

  constructor(deps: { clock: Clock }) {
    this.clock = deps.clock;
  }

  startContainer(
    pod: KObject,
    container: ContainerSpec,
    kind: "init" | "regular",
    onExit: (exit: ContainerExit) => void,
  ): Promise<StartedContainer> {
    // 64 hex digits like a containerd ID; randomUUID draws from a pooled source, randomBytes does not.
    const id = (randomUUID() + randomUUID()).replaceAll("-", "");
    const image = normalizeImage(container.image ?? "");
    const model = kind === "regular" ? imageModel(image) : undefined;
    const entry: Running = {
      onExit,
      model,
      hostname: pod.metadata?.name ?? "",
      requests: 0,
      logs: [],
      seq: 0,
    };
    this.running.set(id, entry);
    const now = this.clock.now();
    for (const line of model?.startLog?.(now) ?? []) this.log(entry, line);
    const periodic = model?.periodicLog;
    if (periodic) {
      const tick = () => {
        this.log(entry, periodic.line(this.clock.now()));
        entry.logTimer = this.clock.setTimeout(tick, periodic.periodMs);
      };
      entry.logTimer = this.clock.setTimeout(tick, periodic.periodMs);
    }
    const durationMs = kind === "init" ? 0 : simulatedDurationMs(pod);
    if (durationMs !== undefined) {
      const exitCode = kind === "init" ? 0 : simulatedExitCode(pod);
      entry.timer = this.clock.setTimeout(() => this.exit(id, exitCode), Math.max(0, durationMs));
    }
    return Promise.resolve({
      containerID: `${this.name}://${id}`,
      image,
      imageID: imageDigest(image),
      startedAt: now,
    });
  }

  probe(
    containerID: string,
    container: ContainerSpec,
    podIP: string,
    spec: ProbeSpec,
    _timeoutMs: number,
  ): Promise<ProbeOutcome> {
    const entry = this.running.get(idOf(containerID));
    if (!entry) return Promise.resolve({ ok: false, output: "container is not running" });
    const model = entry.model;
    // Any other image is a healthy process listening wherever it is asked.
    if (!model) return Promise.resolve({ ok: true, output: "" });
    const target = spec.httpGet ?? spec.tcpSocket ?? spec.grpc;
    const port = target ? resolvePort(container, target.port) : undefined;
    const refused = `dial tcp ${podIP}:${port ?? target?.port}: connect: connection refused`;
    if (spec.httpGet) {
      const path = spec.httpGet.path ?? "/";
      const url = `${(spec.httpGet.scheme ?? "HTTP").toLowerCase()}://${podIP}:${port}${path}`;
      if (port === undefined || !model.ports.includes(port) || !model.http)
        return Promise.resolve({ ok: false, output: `Get "${url}": ${refused}` });
      entry.requests++;
      // The kubelet's request comes from the node; the log shows the address the pod sees.
      if (model.requestLog) this.log(entry, model.requestLog(podIP.replace(/\.\d+$/, ".1")));
      const answer = model.http(entry.requests, entry.hostname);
      const ok = answer.status >= 200 && answer.status < 400;
      return Promise.resolve({
        ok,
        output: ok ? "" : `HTTP probe failed with statuscode: ${answer.status}`,
      });
    }
    if (spec.tcpSocket || spec.grpc) {
      const open = port !== undefined && model.ports.includes(port);
      return Promise.resolve({ ok: open, output: open ? "" : refused });
    }
    const run = simulatedExec(spec.exec?.command ?? [], model.files);
    // pkg/probe/exec: a non-zero exit fails the probe, with what the command printed as the reason.
    return Promise.resolve({ ok: run.exitCode === 0, output: run.exitCode === 0 ? "" : run.output });
  }

  /** The container's log lines; for an exited container, those it wrote before it exited. */
  logs(containerID: string): ContainerLog | undefined {
    const id = idOf(containerID);
    const running = this.running.get(id);
    if (running) return { lines: [...running.logs], running: true };
    const exited = this.exitedLogs.get(id);
    return exited ? { lines: exited, running: false } : undefined;
  }

  private log(entry: Running, text: string): void {
    entry.logs.push({ seq: ++entry.seq, time: rfc3339Nano(this.clock.now()), text });
    if (entry.logs.length > maxLogLines) entry.logs.splice(0, entry.logs.length - maxLogLines);
  }

  stopContainer(containerID: string, gracePeriodMs: number): Promise<void> {
    const id = idOf(containerID);
    const entry = this.running.get(id);
    if (!entry) return Promise.resolve();
    entry.timer?.cancel();
    return new Promise((resolve) => {
      entry.timer = this.clock.setTimeout(
        () => {
          // A well-behaved process exits cleanly on SIGTERM; one that ignores it is killed (128 + 9).
          this.exit(id, entry.model?.ignoresSigterm ? 137 : 0);
          resolve();
        },
        Math.min(Math.max(0, gracePeriodMs), maxShutdownMs),
      );
    });
  }

  removeContainer(containerID: string): void {
    const id = idOf(containerID);
    const entry = this.running.get(id);
    entry?.timer?.cancel();
    entry?.logTimer?.cancel();
    this.running.delete(id);
    this.exitedLogs.delete(id);
  }

  /** How many containers are running (for tests and benchmarks). */
  get size(): number {
    return this.running.size;
  }

  private exit(id: string, exitCode: number): void {
    const entry = this.running.get(id);
    if (!entry) return;
    this.running.delete(id);
    entry.timer?.cancel();
    entry.logTimer?.cancel();
    if (exitCode === 0 || !entry.model?.ignoresSigterm)
      for (const line of entry.model?.exitLog?.(this.clock.now()) ?? []) this.log(entry, line);
    this.exitedLogs.set(id, entry.logs);
    entry.onExit({ exitCode, reason: exitCode === 0 ? "Completed" : "Error", finishedAt: this.clock.now() });
  }
}
