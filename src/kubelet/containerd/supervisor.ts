import { execFile, spawn, type ChildProcess } from "node:child_process";
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { promisify } from "node:util";
import type { Logger } from "../../util/logger.ts";
import { CriClient } from "../cri/cri-client.ts";
import { pauseImageArchive } from "../images/pause-image.ts";
import { containerdPaths, renderContainerdConfig, type ContainerdPaths } from "./containerd-config.ts";
import { loadRegistries, writeHostsToml } from "./registries.ts";

const run = promisify(execFile);

/** Where a binary is on the PATH, or undefined. */
export function which(name: string, path = process.env.PATH ?? ""): string | undefined {
  for (const dir of [...path.split(":"), "/usr/sbin", "/sbin", "/usr/local/sbin"]) {
    if (!dir) continue;
    const p = join(dir, name);
    try {
      if (statSync(p).isFile()) return p;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** The folder holding the CNI plugins (Debian's /usr/lib/cni, or the upstream /opt/cni/bin). */
export function cniBinDir(): string | undefined {
  return ["/usr/lib/cni", "/opt/cni/bin", "/usr/libexec/cni"].find((d) => existsSync(join(d, "bridge")));
}

function freeLocalPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export interface SupervisorOptions {
  /** DATA-DIR/agent */
  agentDir: string;
  sandboxImage: string;
  logger: Logger;
  /** DATA-DIR/registries.yaml */
  registriesFile: string;
  /** For a containerd started only to clean up (`skiff killall`): no images are imported. */
  skipImageImport?: boolean;
}

/** Why the node cannot run containers, in words that say what to do about it. */
export class RuntimeUnavailable extends Error {}

/**
 * Runs the node's own containerd as k3s does: config, root, state and socket under
 * DATA-DIR/agent/containerd, restarted if it dies, stopped with the agent (SIGTERM: the shims, and so
 * the containers, live on). At start it imports the pause image and the air-gap images folder.
 */
export class ContainerdSupervisor {
  readonly paths: ContainerdPaths;
  private readonly opts: SupervisorOptions;
  private proc?: ChildProcess;
  private stopping = false;
  private restarts = 0;
  private readonly binary?: string;

  constructor(opts: SupervisorOptions) {
    this.opts = opts;
    this.paths = containerdPaths(opts.agentDir);
    this.binary = which("containerd");
  }

  get socket(): string {
    return this.paths.socket;
  }

  /** Writes the configuration and starts containerd; resolves once its CRI answers. */
  async start(): Promise<void> {
    if (!this.binary)
      throw new RuntimeUnavailable(
        "containerd not found on the PATH: install containerd, runc and the CNI plugins (Debian: apt-get install containerd runc containernetworking-plugins)",
      );
    if (process.getuid?.() !== 0)
      throw new RuntimeUnavailable(
        "running containers needs root: start the agent as root (sudo), or use --disable-agent",
      );
    const cni = cniBinDir();
    if (!cni)
      throw new RuntimeUnavailable(
        "the CNI plugins were not found in /usr/lib/cni or /opt/cni/bin: install containernetworking-plugins",
      );
    const p = this.paths;
    for (const d of [p.dir, p.root, p.state, p.cniConfDir]) mkdirSync(d, { recursive: true, mode: 0o700 });
    if (Buffer.byteLength(p.socket) > 107)
      throw new RuntimeUnavailable(
        `the containerd socket path ${p.socket} is longer than a unix socket allows: use a shorter --data-dir`,
      );
    let auths = {};
    try {
      auths = writeHostsToml(p.certsDir, loadRegistries(this.opts.registriesFile));
    } catch (e) {
      // A broken registries.yaml must not stop the node: it runs with no mirrors, and says why.
      this.opts.logger.error("registries.yaml ignored", {
        file: this.opts.registriesFile,
        error: (e as Error).message,
      });
      writeHostsToml(p.certsDir, { mirrors: {}, configs: {} });
    }
    writeFileSync(
      p.config,
      renderContainerdConfig({
        paths: p,
        sandboxImage: this.opts.sandboxImage,
        cniBinDir: cni,
        streamPort: await freeLocalPort(),
        auths,
      }),
    );
    await this.killStale();
    await this.spawn();
  }

  /** A containerd left by an agent that was killed: stopped, so that ours takes the socket (its shims stay). */
  private async killStale(): Promise<void> {
    let pid: number | undefined;
    try {
      pid = Number(readFileSync(this.paths.pidFile, "utf8").trim());
    } catch {
      return;
    }
    if (!pid) return;
    let cmdline: string;
    try {
      cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8");
    } catch {
      return;
    }
    if (!cmdline.includes(this.paths.config)) return;
    this.opts.logger.info("stopping the containerd a previous agent left", { pid });
    process.kill(pid, "SIGTERM");
    for (let i = 0; i < 100 && existsSync(`/proc/${pid}`); i++) await new Promise((r) => setTimeout(r, 50));
    if (existsSync(`/proc/${pid}`)) process.kill(pid, "SIGKILL");
  }

  private async spawn(): Promise<void> {
    const log = openSync(this.paths.log, "a");
    rmSync(this.paths.socket, { force: true });
    // Its own process group: a Ctrl-C meant for the agent reaches containerd only through the agent.
    const proc = spawn(this.binary!, ["--config", this.paths.config], {
      detached: true,
      stdio: ["ignore", log, log],
    });
    closeSync(log);
    this.proc = proc;
    writeFileSync(this.paths.pidFile, String(proc.pid));
    proc.once("exit", (code, signal) => {
      if (this.proc !== proc) return;
      this.proc = undefined;
      if (this.stopping) return;
      this.restarts++;
      const delay = Math.min(30_000, 1000 * 2 ** Math.min(this.restarts, 5));
      this.opts.logger.error("containerd exited; restarting it", {
        code,
        signal,
        inMs: delay,
        log: this.paths.log,
      });
      setTimeout(() => {
        if (!this.stopping)
          void this.spawn().catch((e: unknown) =>
            this.opts.logger.error("containerd restart failed", { error: (e as Error).message }),
          );
      }, delay).unref();
    });
    const cri = new CriClient(this.paths.socket);
    try {
      const deadline = Date.now() + 30_000;
      for (;;) {
        if (this.proc !== proc)
          throw new RuntimeUnavailable(`containerd exited at start; see ${this.paths.log}`);
        try {
          await cri.version(1000);
          break;
        } catch {
          if (Date.now() > deadline)
            throw new RuntimeUnavailable(
              `containerd did not answer on ${this.paths.socket} within 30s; see ${this.paths.log}`,
            );
          await new Promise((r) => setTimeout(r, 25));
        }
      }
      if (!this.opts.skipImageImport) await this.importImages(cri);
    } finally {
      cri.close();
    }
  }

  /** The pause image (unless present), then every tarball in DATA-DIR/agent/images (k3s's air-gap folder). */
  private async importImages(cri: CriClient): Promise<void> {
    const ctr = which("ctr");
    if (!ctr) {
      this.opts.logger.warn(
        "ctr not found: images cannot be imported (the pause image and DATA-DIR/agent/images)",
      );
      return;
    }
    const importOne = async (file: string) =>
      run(ctr, ["--address", this.paths.socket, "--namespace", "k8s.io", "images", "import", file], {
        timeout: 600_000,
      });
    if (!(await cri.imageStatus(this.opts.sandboxImage).catch(() => undefined))) {
      const archive = pauseImageArchive(this.opts.sandboxImage);
      if (archive) {
        const file = join(this.opts.agentDir, "pause-image.tar");
        writeFileSync(file, archive);
        await importOne(file).catch((e: unknown) =>
          this.opts.logger.error("pause image import failed", { error: (e as Error).message }),
        );
        rmSync(file, { force: true });
      }
    }
    const dir = join(this.opts.agentDir, "images");
    if (!existsSync(dir)) return;
    const stateFile = join(this.paths.dir, "imported-images.json");
    let seen: Record<string, string> = {};
    try {
      seen = JSON.parse(readFileSync(stateFile, "utf8")) as Record<string, string>;
    } catch {
      // first import
    }
    for (const name of readdirSync(dir).sort()) {
      if (!/\.tar(\.gz)?$/.test(name)) continue;
      const file = join(dir, name);
      const st = statSync(file);
      const stamp = `${st.size}:${st.mtimeMs}`;
      if (seen[name] === stamp) continue;
      try {
        await importOne(file);
        seen[name] = stamp;
        this.opts.logger.info("imported image archive", { file });
      } catch (e) {
        this.opts.logger.error("image archive skipped: it could not be imported", {
          file,
          error: String((e as { stderr?: string }).stderr ?? (e as Error).message).trim(),
        });
      }
    }
    writeFileSync(stateFile, JSON.stringify(seen));
  }

  /** Stops containerd; the shims keep the containers running. */
  async stop(): Promise<void> {
    this.stopping = true;
    const proc = this.proc;
    if (!proc || proc.exitCode !== null) return;
    const exited = new Promise<void>((r) => proc.once("exit", () => r()));
    proc.kill("SIGTERM");
    const timer = setTimeout(() => proc.kill("SIGKILL"), 10_000);
    await exited;
    clearTimeout(timer);
    rmSync(this.paths.pidFile, { force: true });
  }
}
