import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const root = resolve(import.meta.dirname, "../..");

export interface RunningServer {
  dataDir: string;
  kubeconfig: string;
  port: number;
  url: string;
  proc: ChildProcess;
  logs(): string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** `skiff killall` for a node's data dir: its pods stopped and removed. */
export async function killall(dataDir: string, netns?: string): Promise<void> {
  const args = [join(root, "src/cmd/main.ts"), "killall", "--data-dir", dataDir];
  const p = netns
    ? spawn("nsenter", [`--net=/var/run/netns/${netns}`, process.execPath, ...args], { stdio: "ignore" })
    : spawn(process.execPath, args, { stdio: "ignore" });
  await new Promise((r) => p.once("exit", r));
}

export async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once("error", rej);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => res(port));
    });
  });
}

/** Starts `skiff server` as a user would, on a fresh data dir, and waits for "ready". */
export async function startServer(
  opts: {
    dataDir?: string;
    args?: string[];
    port?: number;
    entry?: "source" | "launcher";
    /** Run the server's own node (real containers on containerd); off by default. */
    agent?: boolean;
    env?: Record<string, string>;
    /** Run it in this network namespace (a lab host). */
    netns?: string;
  } = {},
): Promise<RunningServer> {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), "skiff-e2e-"));
  const port = opts.port ?? (await freePort());
  const proc = spawn(
    opts.netns ? "nsenter" : process.execPath,
    [
      ...(opts.netns ? [`--net=/var/run/netns/${opts.netns}`, process.execPath] : []),
      // Tests run the sources; benchmarks run the `skiff` launcher a user runs (the compiled build).
      join(root, opts.entry === "launcher" ? "bin/skiff.js" : "src/cmd/main.ts"),
      "server",
      "--data-dir",
      dataDir,
      "--https-listen-port",
      String(port),
      ...(opts.agent ? [] : ["--disable-agent"]),
      ...(opts.args ?? []),
    ],
    { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ...opts.env } },
  );
  let out = "";
  proc.stdout!.on("data", (d: Buffer) => (out += d.toString()));
  proc.stderr!.on("data", (d: Buffer) => (out += d.toString()));
  await new Promise<void>((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`server not ready in 20s:\n${out}`)), 20_000);
    const check = () => {
      if (out.includes('"skiff is ready"')) {
        clearTimeout(timer);
        res();
      }
    };
    proc.stderr!.on("data", check);
    proc.once("exit", (code) => {
      clearTimeout(timer);
      rej(new Error(`server exited with ${code}:\n${out}`));
    });
  });
  const exited = new Promise<number | null>((res) => proc.once("exit", (code) => res(code)));
  return {
    dataDir,
    kubeconfig: join(dataDir, "kubeconfig.yaml"),
    port,
    url: `https://127.0.0.1:${port}`,
    proc,
    logs: () => out,
    stop: async (signal: NodeJS.Signals = "SIGTERM") => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      const code = await exited;
      // The node's containers outlive the server (as upstream's outlive the kubelet): stopped here.
      if (opts.agent && !opts.dataDir) await killall(dataDir, opts.netns);
      if (!opts.dataDir) rmSync(dataDir, { recursive: true, force: true });
      return code;
    },
  };
}
