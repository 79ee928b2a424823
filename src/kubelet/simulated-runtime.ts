import { createHash, randomUUID } from "node:crypto";
import type { KObject } from "../apimachinery/meta.ts";
import type { Clock } from "../util/clock.ts";
import type { ContainerExit, ContainerRuntime, ContainerSpec, StartedContainer } from "./runtime.ts";
import { simulatedDurationMs, simulatedExitCode } from "./simulated-annotations.ts";

/** A simulated shutdown never takes longer than this, whatever the grace period. */
const maxShutdownMs = 1000;

interface Running {
  timer?: { cancel(): void };
  onExit: (exit: ContainerExit) => void;
}

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
 * and then exits with its simulated-exit-code; init containers complete at once.
 */
export class SimulatedRuntime implements ContainerRuntime {
  readonly name = "simulated";
  readonly version = "1.0";
  private readonly clock: Clock;
  private readonly running = new Map<string, Running>();

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
    const entry: Running = { onExit };
    this.running.set(id, entry);
    const durationMs = kind === "init" ? 0 : simulatedDurationMs(pod);
    if (durationMs !== undefined) {
      const exitCode = kind === "init" ? 0 : simulatedExitCode(pod);
      entry.timer = this.clock.setTimeout(() => this.exit(id, exitCode), Math.max(0, durationMs));
    }
    return Promise.resolve({
      containerID: `${this.name}://${id}`,
      image,
      imageID: imageDigest(image),
      startedAt: this.clock.now(),
    });
  }

  stopContainer(containerID: string, gracePeriodMs: number): Promise<void> {
    const id = containerID.replace(/^[a-z]+:\/\//, "");
    const entry = this.running.get(id);
    if (!entry) return Promise.resolve();
    entry.timer?.cancel();
    return new Promise((resolve) => {
      entry.timer = this.clock.setTimeout(
        () => {
          // A well-behaved process exits cleanly on SIGTERM.
          this.exit(id, 0);
          resolve();
        },
        Math.min(Math.max(0, gracePeriodMs), maxShutdownMs),
      );
    });
  }

  removeContainer(containerID: string): void {
    const id = containerID.replace(/^[a-z]+:\/\//, "");
    this.running.get(id)?.timer?.cancel();
    this.running.delete(id);
  }

  /** How many containers are running (for tests and benchmarks). */
  get size(): number {
    return this.running.size;
  }

  private exit(id: string, exitCode: number): void {
    const entry = this.running.get(id);
    if (!entry) return;
    this.running.delete(id);
    entry.onExit({ exitCode, reason: exitCode === 0 ? "Completed" : "Error", finishedAt: this.clock.now() });
  }
}
