import { existsSync, readdirSync, renameSync, rmSync, statSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import type { Clock } from "../../util/clock.ts";
import type { Logger } from "../../util/logger.ts";
import { labelManagedBy, type RuntimeService } from "./runtime-service.ts";

// The kubelet's defaults: --container-log-max-size 10Mi, --container-log-max-files 5.
export const maxLogBytes = 10 * 1024 * 1024;
export const maxLogFiles = 5;

/** Rotates one log file if it is over the size: the file moves aside and the runtime reopens it; old ones go. */
export async function rotateIfNeeded(
  path: string,
  reopen: () => Promise<void>,
  now: Date,
  maxBytes = maxLogBytes,
  maxFiles = maxLogFiles,
): Promise<boolean> {
  if (!existsSync(path) || statSync(path).size < maxBytes) return false;
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d+Z$/, "");
  renameSync(path, `${path}.${stamp}`);
  await reopen();
  const dir = dirname(path);
  const base = basename(path);
  const rotated = readdirSync(dir)
    .filter((f) => f.startsWith(`${base}.`))
    .sort();
  for (const f of rotated.slice(0, Math.max(0, rotated.length - (maxFiles - 1))))
    rmSync(join(dir, f), { force: true });
  return true;
}

/** The container log manager (pkg/kubelet/logs): every 10 s, running containers' logs over 10Mi are rotated. */
export class ContainerLogRotator {
  private readonly deps: {
    runtime: () => RuntimeService | undefined;
    clock: Clock;
    logger: Logger;
    periodMs?: number;
  };

  /** A container's log path never changes: asked for once, not every 10 s for every container. */
  private readonly logPaths = new Map<string, string>();

  constructor(deps: ContainerLogRotator["deps"]) {
    this.deps = deps;
  }

  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      await new Promise<void>((resolve) => {
        const t = this.deps.clock.setTimeout(resolve, this.deps.periodMs ?? 10_000);
        signal.addEventListener(
          "abort",
          () => {
            t.cancel();
            resolve();
          },
          { once: true },
        );
      });
      if (signal.aborted) return;
      await this.once().catch((e: unknown) =>
        this.deps.logger.debug("log rotation failed", { error: (e as Error).message }),
      );
    }
  }

  async once(): Promise<void> {
    const rt = this.deps.runtime();
    if (!rt?.reopenContainerLog) return;
    const running = await rt.listContainers({
      state: { state: "CONTAINER_RUNNING" },
      label_selector: { [labelManagedBy]: "true" },
    });
    const ids = new Set(running.map((c) => c.id));
    for (const id of this.logPaths.keys()) if (!ids.has(id)) this.logPaths.delete(id);
    for (const c of running) {
      let path = this.logPaths.get(c.id);
      if (path === undefined) {
        const st = await rt.containerStatus(c.id).catch(() => undefined);
        if (!st) continue;
        path = st.log_path;
        this.logPaths.set(c.id, path);
      }
      if (!path) continue;
      await rotateIfNeeded(path, () => rt.reopenContainerLog!(c.id), this.deps.clock.now());
    }
  }
}
