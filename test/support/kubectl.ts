import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** The real kubectl binaries on this machine, by minor version (the dispatcher's siblings). */
export const KUBECTL_DIR = "/usr/lib/google-cloud-sdk/bin";

export function kubectlPath(minor: number): string {
  return join(KUBECTL_DIR, `kubectl.1.${minor}`);
}

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

export class Kubectl {
  readonly kubeconfig: string;
  readonly binary: string;
  private readonly home: string;

  constructor(kubeconfig: string, minor = 32) {
    this.kubeconfig = kubeconfig;
    this.binary = kubectlPath(minor);
    // A private HOME keeps discovery caches from leaking between servers and tests.
    this.home = mkdtempSync(join(tmpdir(), "skiff-kubectl-"));
  }

  run(
    args: string[],
    opts: { input?: string; env?: Record<string, string>; timeoutMs?: number } = {},
  ): Promise<KubectlResult> {
    return new Promise((resolve, reject) => {
      const p = spawn(this.binary, args, {
        env: { PATH: process.env.PATH ?? "", HOME: this.home, KUBECONFIG: this.kubeconfig, ...opts.env },
        stdio: ["pipe", "pipe", "pipe"],
      });
      let stdout = "";
      let stderr = "";
      p.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
      p.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
      const timer = setTimeout(() => {
        p.kill("SIGKILL");
        reject(new Error(`kubectl ${args.join(" ")} timed out\nstdout: ${stdout}\nstderr: ${stderr}`));
      }, opts.timeoutMs ?? 60_000);
      p.on("error", reject);
      p.on("close", (code) => {
        clearTimeout(timer);
        resolve({ code: code ?? -1, stdout, stderr });
      });
      p.stdin.end(opts.input ?? "");
    });
  }

  /** Runs and expects success; returns stdout. */
  async ok(args: string[], opts: { input?: string; env?: Record<string, string> } = {}): Promise<string> {
    const r = await this.run(args, opts);
    if (r.code !== 0)
      throw new Error(`kubectl ${args.join(" ")} failed (${r.code}):\n${r.stderr}${r.stdout}`);
    return r.stdout;
  }

  /** Starts a long-running kubectl (e.g. get -w) and collects its output. */
  spawn(args: string[]) {
    const p = spawn(this.binary, args, {
      env: { PATH: process.env.PATH ?? "", HOME: this.home, KUBECONFIG: this.kubeconfig },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    p.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    p.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    return {
      proc: p,
      output: () => stdout,
      errors: () => stderr,
      async waitFor(pred: (out: string) => boolean, timeoutMs = 15_000): Promise<string> {
        const start = Date.now();
        while (!pred(stdout)) {
          if (Date.now() - start > timeoutMs)
            throw new Error(`timed out waiting; output so far:\n${stdout}\n${stderr}`);
          await new Promise((r) => setTimeout(r, 50));
        }
        return stdout;
      },
      stop: () => p.kill("SIGTERM"),
    };
  }
}
