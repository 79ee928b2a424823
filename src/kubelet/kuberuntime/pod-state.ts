import { nanosToDate, type ContainerStatus, type PodSandbox } from "../cri/cri-types.ts";
import {
  annotationContainerKind,
  annotationRestartCount,
  labelContainerName,
  labelPodUid,
  type RuntimeService,
} from "./runtime-service.ts";

/** One container instance as the runtime reports it (kubecontainer.Status). */
export interface ContainerInstance {
  id: string;
  name: string;
  kind: "init" | "regular";
  /** The restart count this instance was created with. */
  restartCount: number;
  state: "created" | "running" | "exited" | "unknown";
  createdAt: Date;
  startedAt?: Date;
  finishedAt?: Date;
  exitCode: number;
  reason: string;
  message: string;
  image: string;
  imageRef: string;
  logPath: string;
  sandboxId: string;
}

export interface SandboxInstance {
  id: string;
  ready: boolean;
  attempt: number;
  createdAt: Date;
  ip?: string;
}

/** What the runtime holds for one pod: its sandboxes (newest first) and containers by name (newest first). */
export interface PodRuntimeState {
  sandboxes: SandboxInstance[];
  containers: Map<string, ContainerInstance[]>;
}

const stateNames: Record<string, ContainerInstance["state"]> = {
  CONTAINER_CREATED: "created",
  CONTAINER_RUNNING: "running",
  CONTAINER_EXITED: "exited",
  CONTAINER_UNKNOWN: "unknown",
};

export function toInstance(s: ContainerStatus, sandboxId: string): ContainerInstance {
  return {
    id: s.id,
    name: s.labels?.[labelContainerName] ?? s.metadata.name,
    kind: s.annotations?.[annotationContainerKind] === "init" ? "init" : "regular",
    restartCount: Number(s.annotations?.[annotationRestartCount] ?? s.metadata.attempt ?? 0),
    state: stateNames[s.state] ?? "unknown",
    createdAt: nanosToDate(s.created_at) ?? new Date(0),
    startedAt: nanosToDate(s.started_at),
    finishedAt: nanosToDate(s.finished_at),
    exitCode: s.exit_code,
    reason: s.reason,
    message: s.message,
    image: s.image?.image ?? "",
    imageRef: s.image_ref,
    logPath: s.log_path,
    sandboxId,
  };
}

/**
 * Reads one pod's sandboxes and containers from the runtime. Exited containers never change, so
 * their statuses come from `cache` after the first read.
 */
export async function readPodState(
  runtime: RuntimeService,
  uid: string,
  cache: Map<string, ContainerInstance>,
): Promise<PodRuntimeState> {
  const selector = { label_selector: { [labelPodUid]: uid } };
  const [sandboxes, containers] = await Promise.all([
    runtime.listPodSandbox(selector),
    runtime.listContainers(selector),
  ]);
  const sbs: SandboxInstance[] = [];
  for (const s of sandboxes) {
    const ready = s.state === "SANDBOX_READY";
    let ip: string | undefined;
    if (ready) {
      try {
        ip = (await runtime.podSandboxStatus(s.id)).network?.ip || undefined;
      } catch {
        // gone meanwhile: it will not be ready at the next look either
      }
    }
    sbs.push({
      id: s.id,
      ready,
      attempt: s.metadata.attempt,
      createdAt: nanosToDate(s.created_at) ?? new Date(0),
      ip,
    });
  }
  sbs.sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || b.attempt - a.attempt);
  const byName = new Map<string, ContainerInstance[]>();
  const live = new Set<string>();
  await Promise.all(
    containers.map(async (c) => {
      live.add(c.id);
      let inst = cache.get(c.id);
      if (!inst || inst.state !== "exited") {
        try {
          inst = toInstance(await runtime.containerStatus(c.id), c.pod_sandbox_id);
        } catch {
          return;
        }
        if (inst.state === "exited") cache.set(c.id, inst);
      }
      const list = byName.get(inst.name) ?? [];
      list.push(inst);
      byName.set(inst.name, list);
    }),
  );
  for (const id of cache.keys()) if (!live.has(id)) cache.delete(id);
  for (const list of byName.values())
    list.sort((a, b) => b.restartCount - a.restartCount || b.createdAt.getTime() - a.createdAt.getTime());
  return { sandboxes: sbs, containers: byName };
}

export function sandboxOf(s: PodSandbox): { uid: string } {
  return { uid: s.labels?.[labelPodUid] ?? s.metadata.uid };
}
