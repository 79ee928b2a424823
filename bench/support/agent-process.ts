// `skiff agent` as a user runs it (the compiled launcher), waiting for its "ready" line.
import { spawn } from "node:child_process";
import { join, resolve } from "node:path";

const root = resolve(import.meta.dirname, "../..");

export async function startAgentProcess(opts: {
  server: string;
  token: string;
  dataDir: string;
  nodeName: string;
  args?: string[];
  /** Node.js flags before the launcher (the launcher passes them on to the agent). */
  nodeArgs?: string[];
}): Promise<{ pid: number; logs(): string; stop(): Promise<void> }> {
  const proc = spawn(
    process.execPath,
    [
      ...(opts.nodeArgs ?? []),
      join(root, "bin/skiff.js"),
      "agent",
      "--server",
      opts.server,
      "--token",
      opts.token,
      "--data-dir",
      opts.dataDir,
      "--node-name",
      opts.nodeName,
      ...(opts.args ?? []),
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let out = "";
  proc.stdout!.on("data", (d: Buffer) => (out += d.toString()));
  proc.stderr!.on("data", (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((r) => proc.once("exit", () => r()));
  await new Promise<void>((res, rej) => {
    const t = setTimeout(() => rej(new Error(`agent not ready in 30s:\n${out}`)), 30_000);
    proc.stderr!.on("data", () => {
      if (out.includes('"node agent running"')) {
        clearTimeout(t);
        res();
      }
    });
    proc.once("exit", (c) => rej(new Error(`agent exited with ${c}:\n${out}`)));
  });
  return {
    pid: proc.pid!,
    logs: () => out,
    async stop() {
      if (proc.exitCode === null) proc.kill("SIGTERM");
      await exited;
    },
  };
}
