import { createHash, randomUUID } from "node:crypto";
import { appendFileSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import type { Clock } from "../../util/clock.ts";
import type { RuntimeService } from "../kuberuntime/runtime-service.ts";
import { simulatedExec } from "../simulated-exec.ts";
import { imageModel, type ImageModel } from "../simulated-images.ts";
import { normalizeImage } from "../simulated-runtime.ts";
import { parseGoDuration, SIMULATED_DURATION, SIMULATED_EXIT_CODE } from "../simulated-annotations.ts";
import type { ContainerFilter, SandboxFilter } from "./cri-client.ts";
import { CriError } from "./cri-client.ts";
import type {
  Container,
  ContainerConfig,
  ContainerStateName,
  ContainerStatus,
  Image,
  PodSandbox,
  PodSandboxConfig,
  PodSandboxStatus,
  RuntimeCondition,
} from "./cri-types.ts";

// gRPC status codes, as containerd answers them.
const NOT_FOUND = 5;
const FAILED_PRECONDITION = 9;

interface Sandbox {
  id: string;
  config: PodSandboxConfig;
  state: PodSandbox["state"];
  createdAt: bigint;
  ip: string;
}

interface SimContainer {
  id: string;
  sandboxId: string;
  config: ContainerConfig;
  imageRef: string;
  state: ContainerStateName;
  createdAt: bigint;
  startedAt: bigint;
  finishedAt: bigint;
  exitCode: number;
  model?: ImageModel;
  timers: Array<{ cancel(): void }>;
  /** Callers of stopContainer waiting for the exit. */
  waiters: Array<() => void>;
}

export interface SimulatedCriOptions {
  clock: Clock;
  /** The /24 sandboxes get addresses from ("10.42.0.0/24"). */
  podCidr?: string;
  /** Whether the simulated registry has an image (normalized reference); every image by default. */
  registry?: (image: string) => boolean;
}

const nanos = (d: Date) => BigInt(d.getTime()) * 1_000_000n;
const newId = () => (randomUUID() + randomUUID()).replaceAll("-", "");
const imageId = (ref: string) => `sha256:${createHash("sha256").update(ref).digest("hex")}`;

function matches(labels: Record<string, string>, selector: Record<string, string> | undefined): boolean {
  return Object.entries(selector ?? {}).every(([k, v]) => labels[k] === v);
}

/** RFC 3339 with nanoseconds, as CRI log lines are stamped. */
const logStamp = (d: Date) => d.toISOString().replace(/Z$/, "000000Z");

/**
 * The CRI served without processes, as containerd would serve it for the book's images: containers
 * of a modelled image (simulated-images.ts) log and answer exec as that image does; a container runs
 * for its pod's skiff.dev/simulated-duration (forever when absent) and exits with its
 * skiff.dev/simulated-exit-code; a stop ends in SIGKILL (137) after the timeout when the image
 * ignores SIGTERM. Logs go to the CRI log files, in the CRI log format, as containerd writes them.
 */
export class SimulatedCri implements RuntimeService {
  private readonly clock: Clock;
  private readonly registry: (image: string) => boolean;
  private readonly sandboxes = new Map<string, Sandbox>();
  private readonly containers = new Map<string, SimContainer>();
  private readonly images = new Map<string, Image>();
  private readonly subnet: string;
  private readonly freeHosts: number[] = [];

  constructor(opts: SimulatedCriOptions) {
    this.clock = opts.clock;
    this.registry = opts.registry ?? (() => true);
    this.subnet = (opts.podCidr ?? "10.42.0.0/24").split("/")[0].replace(/\.\d+$/, "");
    for (let h = 2; h < 255; h++) this.freeHosts.push(h);
  }

  version(): Promise<{ runtime_name: string; runtime_version: string }> {
    return Promise.resolve({ runtime_name: "simulated", runtime_version: "1.0" });
  }

  status(): Promise<RuntimeCondition[]> {
    return Promise.resolve([
      { type: "RuntimeReady", status: true, reason: "", message: "" },
      { type: "NetworkReady", status: true, reason: "", message: "" },
    ]);
  }

  // ---- images

  pullImage(image: string): Promise<string> {
    const ref = normalizeImage(image);
    if (!this.registry(ref))
      return Promise.reject(
        new CriError(
          "PullImage",
          NOT_FOUND,
          `failed to pull and unpack image "${ref}": failed to resolve reference "${ref}": ${ref}: not found`,
        ),
      );
    const id = imageId(ref);
    const repo = ref.replace(/:[^/:]*$/, "");
    const existing = this.images.get(ref);
    this.images.set(
      ref,
      existing ?? { id, repo_tags: [ref], repo_digests: [`${repo}@${id}`], size: "1048576" },
    );
    return Promise.resolve(id);
  }

  imageStatus(image: string): Promise<Image | undefined> {
    const byId = [...this.images.values()].find((i) => i.id === image);
    return Promise.resolve(byId ?? this.images.get(normalizeImage(image)));
  }

  listImages(): Promise<Image[]> {
    return Promise.resolve([...this.images.values()]);
  }

  // ---- sandboxes

  runPodSandbox(config: PodSandboxConfig): Promise<string> {
    const host = this.freeHosts.shift();
    if (host === undefined)
      return Promise.reject(new CriError("RunPodSandbox", 8, "failed to allocate an address: range is full"));
    const id = newId();
    this.sandboxes.set(id, {
      id,
      config,
      state: "SANDBOX_READY",
      createdAt: nanos(this.clock.now()),
      ip: `${this.subnet}.${host}`,
    });
    return Promise.resolve(id);
  }

  private sandbox(method: string, id: string): Sandbox {
    const s = this.sandboxes.get(id);
    if (!s) throw new CriError(method, NOT_FOUND, `an error occurred when try to find sandbox: not found`);
    return s;
  }

  async stopPodSandbox(id: string): Promise<void> {
    const s = this.sandbox("StopPodSandbox", id);
    // containerd stops the sandbox's containers with no grace (SIGKILL).
    for (const c of this.containers.values()) if (c.sandboxId === id) this.kill(c, 137);
    if (s.state === "SANDBOX_READY") this.freeHosts.push(Number(s.ip.split(".")[3]));
    s.state = "SANDBOX_NOTREADY";
    await Promise.resolve();
  }

  async removePodSandbox(id: string): Promise<void> {
    const s = this.sandboxes.get(id);
    if (!s) return;
    if (s.state === "SANDBOX_READY") await this.stopPodSandbox(id);
    for (const c of [...this.containers.values()]) if (c.sandboxId === id) this.containers.delete(c.id);
    this.sandboxes.delete(id);
  }

  private sandboxView(s: Sandbox): PodSandbox {
    return {
      id: s.id,
      metadata: s.config.metadata,
      state: s.state,
      created_at: String(s.createdAt),
      labels: { ...s.config.labels },
      annotations: { ...s.config.annotations },
    };
  }

  podSandboxStatus(id: string): Promise<PodSandboxStatus> {
    try {
      const s = this.sandbox("PodSandboxStatus", id);
      const network = s.state === "SANDBOX_READY" ? { ip: s.ip } : { ip: "" };
      return Promise.resolve({ ...this.sandboxView(s), network });
    } catch (e) {
      return Promise.reject(e as Error);
    }
  }

  listPodSandbox(filter?: SandboxFilter): Promise<PodSandbox[]> {
    const out = [...this.sandboxes.values()]
      .filter((s) => !filter?.id || s.id.startsWith(filter.id))
      .filter((s) => !filter?.state || s.state === filter.state.state)
      .filter((s) => matches(s.config.labels ?? {}, filter?.label_selector))
      .map((s) => this.sandboxView(s));
    return Promise.resolve(out);
  }

  // ---- containers

  async createContainer(sandboxId: string, config: ContainerConfig): Promise<string> {
    this.sandbox("CreateContainer", sandboxId);
    const image = await this.imageStatus(config.image.image);
    if (!image)
      throw new CriError(
        "CreateContainer",
        NOT_FOUND,
        `failed to create containerd container: failed to get image "${config.image.image}": not found`,
      );
    const id = newId();
    this.containers.set(id, {
      id,
      sandboxId,
      config,
      imageRef: image.id,
      state: "CONTAINER_CREATED",
      createdAt: nanos(this.clock.now()),
      startedAt: 0n,
      finishedAt: 0n,
      exitCode: 0,
      model: imageModel(image.repo_tags[0] ?? ""),
      timers: [],
      waiters: [],
    });
    return id;
  }

  private container(method: string, id: string): SimContainer {
    const c = this.containers.get(id);
    if (!c)
      throw new CriError(
        method,
        NOT_FOUND,
        `an error occurred when try to find container "${id}": not found`,
      );
    return c;
  }

  async startContainer(id: string): Promise<void> {
    const c = this.container("StartContainer", id);
    if (c.state !== "CONTAINER_CREATED")
      throw new CriError("StartContainer", FAILED_PRECONDITION, `container is in ${c.state} state`);
    const sandbox = this.sandbox("StartContainer", c.sandboxId);
    c.state = "CONTAINER_RUNNING";
    c.startedAt = nanos(this.clock.now());
    for (const line of c.model?.startLog?.(this.clock.now()) ?? []) this.log(c, line);
    const periodic = c.model?.periodicLog;
    if (periodic) {
      const tick = () => {
        this.log(c, periodic.line(this.clock.now()));
        c.timers.push(this.clock.setTimeout(tick, periodic.periodMs));
      };
      c.timers.push(this.clock.setTimeout(tick, periodic.periodMs));
    }
    const annotations = sandbox.config.annotations ?? {};
    const duration = parseGoDuration(annotations[SIMULATED_DURATION] ?? "");
    if (duration !== undefined) {
      const code = Number(annotations[SIMULATED_EXIT_CODE] ?? 0);
      const exitCode = Number.isInteger(code) && code >= 0 && code <= 255 ? code : 1;
      c.timers.push(
        this.clock.setTimeout(
          () => {
            for (const line of c.model?.exitLog?.(this.clock.now()) ?? []) this.log(c, line);
            this.exit(c, exitCode);
          },
          Math.max(0, duration),
        ),
      );
    }
    await Promise.resolve();
  }

  stopContainer(id: string, timeoutSeconds: number): Promise<void> {
    let c: SimContainer;
    try {
      c = this.container("StopContainer", id);
    } catch (e) {
      return Promise.reject(e as Error);
    }
    if (c.state !== "CONTAINER_RUNNING") return Promise.resolve();
    return new Promise((resolve) => {
      c.waiters.push(resolve);
      // A process that handles SIGTERM exits at once; one that ignores it is killed at the timeout.
      if (!c.model?.ignoresSigterm) this.exit(c, 0);
      else c.timers.push(this.clock.setTimeout(() => this.kill(c, 137), Math.max(0, timeoutSeconds) * 1000));
    });
  }

  async removeContainer(id: string): Promise<void> {
    const c = this.containers.get(id);
    if (!c) return;
    // CRI: a running container is removed by force.
    if (c.state === "CONTAINER_RUNNING") this.kill(c, 137);
    this.containers.delete(id);
    await Promise.resolve();
  }

  private view(c: SimContainer): Container {
    return {
      id: c.id,
      pod_sandbox_id: c.sandboxId,
      metadata: c.config.metadata,
      image: c.config.image,
      image_ref: c.imageRef,
      state: c.state,
      created_at: String(c.createdAt),
      labels: { ...c.config.labels },
      annotations: { ...c.config.annotations },
    };
  }

  listContainers(filter?: ContainerFilter): Promise<Container[]> {
    const out = [...this.containers.values()]
      .filter((c) => !filter?.id || c.id.startsWith(filter.id))
      .filter((c) => !filter?.pod_sandbox_id || c.sandboxId === filter.pod_sandbox_id)
      .filter((c) => !filter?.state || c.state === filter.state.state)
      .filter((c) => matches(c.config.labels ?? {}, filter?.label_selector))
      .map((c) => this.view(c));
    return Promise.resolve(out);
  }

  containerStatus(id: string): Promise<ContainerStatus> {
    let c: SimContainer;
    try {
      c = this.container("ContainerStatus", id);
    } catch (e) {
      return Promise.reject(e as Error);
    }
    const exited = c.state === "CONTAINER_EXITED";
    const sandbox = this.sandboxes.get(c.sandboxId);
    return Promise.resolve({
      ...this.view(c),
      started_at: String(c.startedAt),
      finished_at: String(c.finishedAt),
      exit_code: c.exitCode,
      reason: exited ? (c.exitCode === 0 ? "Completed" : "Error") : "",
      message: "",
      log_path:
        sandbox?.config.log_directory && c.config.log_path
          ? join(sandbox.config.log_directory, c.config.log_path)
          : "",
    });
  }

  execSync(id: string, cmd: string[]): Promise<{ stdout: Buffer; stderr: Buffer; exit_code: number }> {
    let c: SimContainer;
    try {
      c = this.container("ExecSync", id);
    } catch (e) {
      return Promise.reject(e as Error);
    }
    if (c.state !== "CONTAINER_RUNNING")
      return Promise.reject(
        new CriError("ExecSync", FAILED_PRECONDITION, `container is in ${c.state} state`),
      );
    const run = simulatedExec(cmd, c.model?.files ?? new Set());
    const out = Buffer.from(run.output);
    return Promise.resolve({
      stdout: run.exitCode === 0 ? out : Buffer.alloc(0),
      stderr: run.exitCode === 0 ? Buffer.alloc(0) : out,
      exit_code: run.exitCode,
    });
  }

  private kill(c: SimContainer, exitCode: number): void {
    if (c.state === "CONTAINER_RUNNING") this.exit(c, exitCode);
  }

  private exit(c: SimContainer, exitCode: number): void {
    if (c.state !== "CONTAINER_RUNNING") return;
    for (const t of c.timers) t.cancel();
    c.timers = [];
    c.state = "CONTAINER_EXITED";
    c.exitCode = exitCode;
    c.finishedAt = nanos(this.clock.now());
    for (const w of c.waiters.splice(0)) w();
  }

  private log(c: SimContainer, text: string): void {
    const dir = this.sandboxes.get(c.sandboxId)?.config.log_directory;
    if (!dir || !c.config.log_path) return;
    const path = join(dir, c.config.log_path);
    mkdirSync(dirname(path), { recursive: true });
    appendFileSync(path, `${logStamp(this.clock.now())} stdout F ${text}\n`);
  }
}
